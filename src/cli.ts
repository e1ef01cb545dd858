// The `cloudpass` command. Every command reads the same configuration as `serve` and calls the same services.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { connectDatabase } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createMetrics } from './http/metrics.ts';
import { DomainError, ValidationError } from './lib/errors.ts';
import { systemClock } from './lib/clock.ts';
import { createRedis } from './lib/redis.ts';
import { createServices, type Services } from './services.ts';
import { registerCampaignCommands } from './modules/campaigns/campaigns.cli.ts';
import { registerCodeCommands } from './modules/codes/codes.cli.ts';
import { addBackgroundTask, startServer, stopOnSignals } from './server.ts';
import { jobWorkerTask, runWorkerProcess } from './modules/jobs/worker-process.ts';
import { DEFAULT_JOB_CONCURRENCY } from './modules/jobs/job-worker.ts';
import { readPasswordFromStdin } from './modules/accounts/read-password.ts';

/** Runs fn with migrated services on the configured database, then closes it. */
export async function withServices<T>(fn: (services: Services, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = connectDatabase(config.databaseUrl, { poolSize: 2 });
  const redis = config.redisUrl ? await createRedis(config.redisUrl) : undefined;
  let services: Services | undefined;
  try {
    await migrateToLatest(database.db);
    services = createServices({ config, db: database.db, dialect: database.dialect, clock: systemClock, metrics: createMetrics(), redis });
    return await fn(services, config);
  } finally {
    // Lets work the services started (mail being delivered) finish before the database closes.
    await services?.close();
    redis?.disconnect();
    await database.close();
  }
}

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

// commands:end — modules add their commands above this line

/** One line on stderr and a non-zero exit for anything the user got wrong. */
export function describeFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  if (error instanceof ValidationError) return `error: ${error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`;
  if (error instanceof DomainError) return `error: ${error.message}`;
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
