// `cloudpass apikey …`: keys for the operator's scripts and the platform, shown once when created.
import type { Command } from 'commander';
import { cliActor, type WithServices } from './support.ts';

export function registerApiKeyCommands(program: Command, withServices: WithServices) {
  const apikey = program.command('apikey').description('manage API keys');
  apikey.command('create').description('create an API key and print it once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scope <scope>', 'operator or platform')
    .action(async (options: { name: string; scope: string }) => {
      await withServices(async ({ apiKeys }) => {
        const { key } = await apiKeys.create(options, cliActor);
        console.log(key);
      });
    });
  apikey.command('list').description('list API keys: id, name, scope, created, last used, revoked (never the key)')
    .action(async () => {
      await withServices(async ({ apiKeys }) => {
        const keys = await apiKeys.list();
        if (keys.length === 0) {
          console.log('no API keys yet: create one with `cloudpass apikey create --name N --scope operator|platform`');
          return;
        }
        const rows = [['ID', 'NAME', 'SCOPE', 'CREATED', 'LAST USED', 'REVOKED'], ...keys.map((k) => [
          k.id, k.name, k.scope, minute(k.createdAt), k.lastUsedAt ? minute(k.lastUsedAt) : 'never', k.revokedAt ? minute(k.revokedAt) : '-',
        ])];
        const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
        for (const row of rows) console.log(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
      });
    });
  apikey.command('revoke').description('revoke an API key: it answers 401 from then on')
    .argument('<id>', 'the key\'s id, from `cloudpass apikey list`')
    .action(async (id: string) => {
      await withServices(async ({ apiKeys }) => {
        const key = await apiKeys.revoke(id, cliActor);
        console.log(`revoked API key ${key.name} (${key.id})`);
      });
    });
}

const minute = (at: string) => `${at.slice(0, 16).replace('T', ' ')} UTC`;
