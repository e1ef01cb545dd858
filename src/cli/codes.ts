// `cloudpass codes …`: generate any number of codes as streamed CSV, check a code, revoke codes.
import { open, unlink } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { ValidationError } from '../lib/errors.ts';
import { cliActor, wholeNumber, withFlagPaths, type WithServices } from './support.ts';
import { writeCodesCsv } from '../modules/codes/codes-csv.ts';
import type { CodeService, PassCodeView } from '../modules/codes/codes.service.ts';

export function registerCodeCommands(program: Command, withServices: WithServices) {
  const codes = program.command('codes').description('generate, check and revoke pass codes');

  codes.command('generate')
    .description('generate codes for a campaign as CSV (code,campaign_id,batch_id), streamed to a file or stdout')
    .requiredOption('--campaign <id>', 'the campaign the codes are for')
    .requiredOption('--count <n>', 'how many codes (any number; they are written as they are stored)')
    .option('--out <file>', 'a new file to write (never overwritten; readable by you only); default: stdout')
    .action(async (options: { campaign: string; count: string; out?: string }) => {
      const count = wholeNumber(options.count);
      if (!Number.isSafeInteger(count) || count < 1) throw new ValidationError([{ path: '--count', message: 'expected a whole number of codes, 1 or more' }]);
      await withServices(async (services) => {
        await services.campaigns.get(options.campaign);
        const { batchId } = await exportCodes(services.codes, { campaignId: options.campaign, count, out: options.out });
        console.error(`batch ${batchId}: ${count} codes for campaign ${options.campaign}${options.out ? ` written to ${options.out}` : ''}`);
      });
    });

  codes.command('check').description("print a code's state, campaign and redemption")
    .argument('<code>', 'the code as printed (case, spaces and hyphens do not matter)')
    .action(async (code: string) => {
      await withServices(async (services) => { console.log(describeCode(await services.codes.lookup(code))); });
    });

  codes.command('revoke').description('revoke issued codes (redeemed ones are left alone) and print how many were revoked')
    .argument('<codes...>', 'one or more codes')
    .action(async (list: string[]) => {
      await withServices(async (services) => {
        const { revoked } = await services.codes.revoke(list, cliActor)
          .catch((error: unknown) => { throw withFlagPaths(error, { codes: 'code' }); });
        console.log(`revoked ${revoked} of ${list.length}`);
      });
    });
}

/**
 * Streams a batch as CSV to a new file or stdout, with a progress bar on stderr when it is a terminal.
 * The file is created before any code is generated (so a bad path costs nothing) and removed again if
 * generation fails before writing anything.
 */
export async function exportCodes(codes: CodeService, options: { campaignId: string; count: number; out?: string }) {
  const output = options.out ? await createNewFile(options.out) : process.stdout;
  const bar = process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'codes {bar} {percentage}% | {value}/{total} | ETA {eta_formatted}', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  bar?.start(options.count, 0);
  let written = 0;
  try {
    const result = await writeCodesCsv(codes.generateCodes(options.campaignId, options.count, cliActor), output, (generated) => {
      written = generated;
      bar?.update(generated);
    });
    if (output !== process.stdout) await closeFile(output);
    return result;
  } catch (error) {
    if (output !== process.stdout) {
      output.destroy();
      if (written === 0 && options.out) await unlink(options.out).catch(() => {});
    }
    throw error;
  } finally {
    bar?.stop();
  }
}

async function createNewFile(path: string): Promise<Writable> {
  try {
    const handle = await open(path, 'wx', 0o600);
    return handle.createWriteStream();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' ? 'already exists; codes are never written over a file, choose a new name'
      : code === 'ENOENT' ? 'is in a folder that does not exist' : `cannot be created (${code ?? 'unknown error'})`;
    throw new ValidationError([{ path: '--out', message: `${path} ${reason}` }]);
  }
}

async function closeFile(output: Writable) {
  output.end();
  await finished(output);
}

export function describeCode(code: PassCodeView): string {
  const lines = [`state: ${code.state}`, `campaign: ${code.campaignId}`, `batch: ${code.batchId}`, `last4: ${code.last4}`, `created: ${code.createdAt}`];
  if (code.redeemedAt) lines.push(`redeemed: ${code.redeemedAt}${code.accountId ? ` by account ${code.accountId}` : ''}`);
  if (code.revokedAt) lines.push(`revoked: ${code.revokedAt}`);
  return lines.join('\n');
}
