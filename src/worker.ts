// Where the job worker runs: inside `serve` (a background task beside the web server), or alone as
// `cloudpass worker` — any number of them, each stopping cleanly on SIGTERM once its jobs in flight finish.
import type { App } from './app.ts';
import type { Config } from './config.ts';
import { connectDatabase } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';
import { createMetrics } from './lib/metrics.ts';
import { systemClock } from './lib/clock.ts';
import { createRedis } from './lib/redis.ts';
import { createServices } from './services.ts';
import { startHousekeeping } from './modules/jobs/housekeeping.ts';
import { createWorkerLog } from './modules/jobs/worker-log.ts';

/** For `addBackgroundTask`: the in-process worker of `serve`, built from the app's services. */
export function jobWorkerTask(app: App): { stop(): Promise<void> } {
  const log = app.log.child({ component: 'jobs' });
  const worker = app.services.jobs.createWorker({ log });
  worker.start();
  const housekeeping = startHousekeeping(app.services.housekeeping, log);
  return { stop: async () => { await housekeeping.stop(); await worker.stop(); } };
}

export interface WorkerProcessOptions {
  concurrency?: number;
}

/** Runs only the worker until SIGTERM or SIGINT; resolves once it has stopped. */
export async function runWorkerProcess(config: Config, options: WorkerProcessOptions = {}): Promise<void> {
  const log = createWorkerLog(config.logLevel);
  // Jobs hold a connection only while they query, so the pool needs not grow with the concurrency.
  const database = connectDatabase(config.databaseUrl, { poolSize: 10, backgroundCheckpoints: true });
  const redis = config.redisUrl ? await createRedis(config.redisUrl) : undefined;
  redis?.on('error', (error: unknown) => log.warn({ err: error }, 'redis unavailable'));
  const applied = await migrateToLatest(database.db);
  if (applied.length) log.info({ migrations: applied }, 'migrations applied');
  const services = createServices({
    config, db: database.db, dialect: database.dialect, clock: systemClock, metrics: createMetrics(), redis,
  });
  const worker = services.jobs.createWorker({ log, concurrency: options.concurrency });
  worker.start();
  const housekeeping = startHousekeeping(services.housekeeping, log);

  await new Promise<void>((resolve) => {
    const onSignal = (signal: string) => {
      log.info({ signal }, 'finishing jobs in flight and stopping');
      resolve();
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  await housekeeping.stop();
  await worker.stop();
  await services.close();
  redis?.disconnect();
  await database.close();
  log.info({}, 'worker stopped');
}
