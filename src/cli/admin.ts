// `cloudpass admin …`: operator admins, who sign in to the console at /admin.
import type { Command } from 'commander';
import { readPasswordFromStdin } from './read-password.ts';
import type { WithServices } from './support.ts';

export function registerAdminCommands(program: Command, withServices: WithServices) {
  const admin = program.command('admin').description('manage operator admins');
  admin.command('create').description('make an operator admin (a verified personal account); the password is read from stdin')
    .requiredOption('--email <email>', 'the admin\'s email; an existing personal account with it is promoted')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country of the account', 'US')
    .action(async (options: { email: string; name?: string; country: string }) => {
      const password = await readPasswordFromStdin();
      await withServices(async ({ accounts }) => {
        const { account, created } = await accounts.createOperatorAdmin({ email: options.email, password, displayName: options.name, country: options.country });
        console.log(`${created ? 'created' : 'promoted'} operator admin ${account.email} (${account.id})`);
      });
    });
}
