// `cloudpass apikey …`: keys for the operator's scripts and the platform, shown once when created.
import type { Command } from 'commander';
import type { WithServices } from './support.ts';

export function registerApiKeyCommands(program: Command, withServices: WithServices) {
  const apikey = program.command('apikey').description('manage API keys');
  apikey.command('create').description('create an API key and print it once')
    .requiredOption('--name <name>', 'what the key is for')
    .requiredOption('--scope <scope>', 'operator or platform')
    .action(async (options: { name: string; scope: string }) => {
      await withServices(async ({ apiKeys }) => {
        const { key } = await apiKeys.create(options, 'cli');
        console.log(key);
      });
    });
}
