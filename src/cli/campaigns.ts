// `cloudpass campaign …`: the same campaign service as the API, with flags instead of JSON.
import type { Command } from 'commander';
import { ValidationError, type FieldError } from '../lib/errors.ts';
import { cliActor, wholeNumber, withFlagPaths, type WithServices } from './support.ts';
import { isCurrencyCode, formatMinorUnits, parseDecimalAmount } from '../lib/money.ts';

const FLAG_OF_FIELD: Record<string, string> = {
  name: '--name', 'credit.amount': '--credit', 'credit.currency': '--currency', validityDays: '--days',
  redeemBy: '--redeem-by', countries: '--countries', passesPerAccount: '--per-account',
};

export function registerCampaignCommands(program: Command, withServices: WithServices) {
  const campaign = program.command('campaign').description('manage campaigns');

  campaign.command('create').description('create a campaign and print its id')
    .requiredOption('--name <name>', 'what the campaign is called (1–200 characters)')
    .requiredOption('--credit <amount>', 'credit per pass in the currency, e.g. 100.00')
    .requiredOption('--currency <code>', 'ISO 4217 currency, e.g. USD')
    .requiredOption('--days <days>', 'days a subscription lasts once activated (1–3650)')
    .requiredOption('--redeem-by <date>', 'last day codes can be redeemed, YYYY-MM-DD (UTC)')
    .option('--countries <codes>', 'eligible countries, ISO 3166-1 alpha-2, comma-separated (default: every country)')
    .option('--per-account <n>', 'passes one account may redeem', '1')
    .action(async (options: { name: string; credit: string; currency: string; days: string; redeemBy: string; countries?: string; perAccount: string }) => {
      const errors: FieldError[] = [];
      const currency = options.currency.trim().toUpperCase();
      let amount = Number.NaN;
      if (!isCurrencyCode(currency)) {
        errors.push({ path: '--currency', message: `"${options.currency}" is not an ISO 4217 currency code such as USD or EUR` });
      } else {
        const parsed = parseDecimalAmount(options.credit, currency);
        if (!parsed.ok) errors.push({ path: '--credit', message: parsed.message });
        else if (parsed.amount === 0) errors.push({ path: '--credit', message: `a pass must carry some credit; write it like 100.00 (${currency})` });
        else amount = parsed.amount;
      }
      if (errors.length) throw new ValidationError(errors);
      const countries = options.countries === undefined ? null : options.countries.split(',').map((c) => c.trim()).filter(Boolean);
      await withServices(async ({ campaigns }) => {
        const created = await campaigns.create({
          name: options.name, credit: { amount, currency }, validityDays: wholeNumber(options.days), redeemBy: options.redeemBy.trim(),
          countries, passesPerAccount: wholeNumber(options.perAccount),
        }, cliActor).catch((error: unknown) => { throw withFlagPaths(error, FLAG_OF_FIELD); });
        console.log(created.id);
      });
    });

  campaign.command('list').description('list campaigns with their code counts, newest first')
    .action(async () => {
      await withServices(async ({ campaigns }) => {
        const rows = [['id', 'status', 'credit', 'days', 'redeem-by', 'issued', 'redeemed', 'activated', 'revoked', 'expired', 'name']];
        for (const c of await campaigns.list()) {
          rows.push([
            c.id, c.status, `${formatMinorUnits(c.credit.amount, c.credit.currency)} ${c.credit.currency}`, String(c.validityDays), c.redeemBy,
            ...[c.stats.issued, c.stats.redeemed, c.stats.activated, c.stats.revoked, c.stats.expired].map(String), c.name,
          ]);
        }
        console.log(rows.map((row) => row.join('\t')).join('\n'));
      });
    });
}
