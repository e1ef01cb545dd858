// The `cloudpass` command. Every command reads the same configuration as `serve` and calls the same services.
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { connectDatabase } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createMetrics } from './http/metrics.ts';
import { DomainError, ValidationError } from './lib/errors.ts';
import { systemClock } from './lib/clock.ts';
import { createServices, type Services } from './services.ts';
import { startServer, stopOnSignals } from './server.ts';

/** Runs fn with migrated services on the configured database, then closes it. */
export async function withServices<T>(fn: (services: Services, config: Config) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const database = connectDatabase(config.databaseUrl, { poolSize: 2 });
  try {
    await migrateToLatest(database.db);
    const services = createServices({ config, db: database.db, dialect: database.dialect, clock: systemClock, metrics: createMetrics() });
    return await fn(services, config);
  } finally {
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
