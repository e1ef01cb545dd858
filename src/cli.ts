// The `cloudpass` command. Every command reads the same configuration as `serve` and calls the same services.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import { BackupError } from './db/backup.ts';
import { connectDatabase } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { DomainError, ValidationError } from './lib/errors.ts';
import { registerAdminCommands } from './cli/admin.ts';
import { registerApiKeyCommands } from './cli/apikeys.ts';
import { registerBackupCommands } from './cli/backup.ts';
import { registerCampaignCommands } from './cli/campaigns.ts';
import { registerCodeCommands } from './cli/codes.ts';
import { withServices } from './cli/support.ts';
import { addBackgroundTask, startServer, stopOnSignals } from './server.ts';
import { jobWorkerTask, runWorkerProcess } from './worker.ts';
import { DEFAULT_JOB_CONCURRENCY } from './modules/jobs/job-worker.ts';

export const program = new Command('cloudpass')
  .description('Run a cloud pass program: campaigns, pass codes, redemption, accounts and provisioning.')
  .showHelpAfterError(false)
  .exitOverride();

program.command('serve').description('serve the web app and API, and work background jobs').action(async () => {
  stopOnSignals(await startServer(loadConfig()));
});

program.command('migrate').description('apply pending database migrations').action(async () => {
  const config = loadConfig();
  const database = connectDatabase(config.databaseUrl, { poolSize: 1 });
  try {
    const applied = await migrateToLatest(database.db);
    console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
  } finally {
    await database.close();
  }
});

registerApiKeyCommands(program, withServices);
registerAdminCommands(program, withServices);

// `serve` works jobs in-process too; `worker` only works jobs (run any number of them).
addBackgroundTask(jobWorkerTask);
program.command('worker').description('work background jobs only (provisioning, emails); any number may run at once')
  .option('--concurrency <n>', 'jobs run at once by this process', String(DEFAULT_JOB_CONCURRENCY))
  .action(async (options: { concurrency: string }) => {
    const concurrency = Number(options.concurrency);
    if (!/^\d+$/.test(options.concurrency) || concurrency < 1 || concurrency > 64) {
      throw new ValidationError([{ path: 'concurrency', message: 'expected a whole number from 1 to 64' }]);
    }
    await runWorkerProcess(loadConfig(), { concurrency });
    process.exit(0);
  });

registerCampaignCommands(program, withServices);
registerCodeCommands(program, withServices);
registerBackupCommands(program);

// commands:end — modules add their commands above this line

/** One line on stderr and a non-zero exit for anything the user got wrong. */
export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof ValidationError) return `error: ${error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`;
  if (error instanceof DomainError || error instanceof BackupError) return `error: ${error.message}`;
  return `error: ${error instanceof Error ? error.message : String(error)}`;
}

async function main(argv: string[]) {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode);
    console.error(describeFailure(error));
    process.exit(error instanceof ConfigError || error instanceof DomainError ? 2 : 1);
  }
}

await main(process.argv);
