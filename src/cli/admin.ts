// `cloudpass admin …`: operator admins, who sign in to the console at /admin.
import type { Command } from 'commander';
import { readNewPasswordFromStdin } from './read-password.ts';
import type { WithServices } from './support.ts';

export function registerAdminCommands(program: Command, withServices: WithServices) {
  const admin = program.command('admin').description('manage operator admins');
  admin.command('create').description('make an operator admin (a verified personal account); the password is read from stdin (asked twice on a terminal)')
    .requiredOption('--email <email>', 'the admin\'s email; an existing account with it is refused unless --reset-password')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--country <code>', 'ISO 3166-1 alpha-2 country of the account', 'US')
    .option('--reset-password', 'the email has an account already: make it an operator admin and replace its password')
    .action(async (options: { email: string; name?: string; country: string; resetPassword?: boolean }) => {
      const password = await readNewPasswordFromStdin();
      await withServices(async ({ accounts }) => {
        const { account, created } = await accounts.createOperatorAdmin({
          email: options.email, password, displayName: options.name, country: options.country, resetPassword: options.resetPassword === true,
        });
        console.log(`${created ? 'created' : 'promoted'} operator admin ${account.email} (${account.id})`);
      });
    });
}
