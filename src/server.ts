// Runs cloudpass as a server: migrate, build the app, listen, and drain on SIGTERM.
import { buildApp, type App } from './app.ts';
import type { Config } from './config.ts';
import { connectDatabase } from './db/connect.ts';
import { migrateToLatest } from './db/migrate.ts';

export interface RunningServer {
  app: App;
  url: string;
  stop(): Promise<void>;
}

/** Background work that runs beside the web server (the job worker); started after listening. */
export type BackgroundTask = (app: App) => { stop(): Promise<void> };
const backgroundTasks: BackgroundTask[] = [];
export const addBackgroundTask = (task: BackgroundTask) => backgroundTasks.push(task);

export async function startServer(config: Config): Promise<RunningServer> {
  const database = connectDatabase(config.databaseUrl, { backgroundCheckpoints: true });
  const applied = await migrateToLatest(database.db);
  const app = await buildApp({ config, database });
  // Before the JSON log (Fastify's own listening line included): the one line a person starting the server reads first.
  if (config.logLevel !== 'silent') process.stdout.write(`${openHere(config.publicUrl)}\n`);
  const url = await app.listen({ port: config.port, host: config.host });
  if (applied.length) app.log.info({ migrations: applied }, 'migrations applied');
  app.log.info({ url, publicUrl: config.publicUrl.href, database: database.dialect }, 'cloudpass is listening');
  const tasks = backgroundTasks.map((task) => task(app));

  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    await Promise.all(tasks.map((t) => t.stop()));
    await app.close(); // stops accepting, finishes requests in flight
    await database.close();
  })());
  return { app, url, stop };
}

/** Where to open the running server: recipients redeem at /redeem, operators run the program at /admin. */
export function openHere(publicUrl: URL): string {
  return `cloudpass is running: recipients open ${new URL('/redeem', publicUrl).href} and operators ${new URL('/admin', publicUrl).href}`;
}

/** SIGTERM and SIGINT drain requests in flight, then exit. */
export function stopOnSignals(server: RunningServer) {
  const onSignal = (signal: string) => {
    server.app.log.info({ signal }, 'draining and stopping');
    server.stop().then(() => process.exit(0), (error: unknown) => {
      server.app.log.error({ err: error }, 'error while stopping');
      process.exit(1);
    });
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
