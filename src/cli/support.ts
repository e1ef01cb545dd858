// What every operator command shares: migrated services on the configured database, the actor the audit
// trail names, and turning the services' field names into the flags a person typed.
import { loadConfig, type Config } from '../config.ts';
import { connectDatabase } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { ValidationError } from '../lib/errors.ts';
import { systemClock } from '../lib/clock.ts';
import { createMetrics } from '../lib/metrics.ts';
import { createRedis } from '../lib/redis.ts';
import type { Actor } from '../modules/audit/audit.service.ts';
import { createServices, type Services } from '../services.ts';

export type WithServices = <T>(fn: (services: Services, config: Config) => Promise<T>) => Promise<T>;

/** Runs fn with migrated services on the configured database, then closes it. */
export const withServices: WithServices = async (fn) => {
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
};

/** Who the audit trail names for operator commands run on the server. */
export const cliActor: Actor = { type: 'system', id: null, label: 'cli' };

/** Service errors name API fields; on the command line, name the flag instead. */
export function withFlagPaths(error: unknown, flags: Record<string, string>): unknown {
  if (!(error instanceof ValidationError)) return error;
  return new ValidationError(error.errors.map((e) => {
    const [field] = e.path.split(/\.(?=\d)/);
    return { ...e, path: flags[e.path] ?? flags[field ?? ''] ?? e.path };
  }));
}

/** "30" → 30; anything else, including "30.5", "-1" and "", → NaN for the service to refuse. */
export const wholeNumber = (text: string): number => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN);
