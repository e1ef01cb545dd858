// A real cloudpass app listening on 127.0.0.1 and a random port, on a fresh database, optionally with a
// real SMTP receiver: for browser tests and anything else that needs a socket rather than app.inject.
// And `bin/cloudpass.js` as a child process, for tests of the commands themselves (crash, worker).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildApp, type App } from '../app.ts';
import type { Config } from '../config.ts';
import { startSmtpReceiver, type SmtpReceiver } from '../modules/mail/smtp-receiver.ts';
import { createTestDatabase, TEST_SECRET, testConfig, type DatabaseTarget, type TestDatabase } from './harness.ts';

/** A port that was free a moment ago, for servers that must be told their port before they listen. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LiveServer {
  app: App;
  config: Config;
  database: TestDatabase;
  /** `http://127.0.0.1:<port>`, also the app's PUBLIC_URL. */
  base: string;
  /** Set when started with `smtp: true`; SMTP_URL points at it. */
  receiver?: SmtpReceiver;
  close(): Promise<void>;
}

export async function startLiveServer(options: { target?: DatabaseTarget['name']; env?: Record<string, string>; smtp?: boolean } = {}): Promise<LiveServer> {
  const receiver = options.smtp ? await startSmtpReceiver() : undefined;
  let database: TestDatabase | undefined;
  let app: App | undefined;
  const close = async () => {
    await app?.close();
    await database?.drop();
    await receiver?.close();
  };
  try {
    database = await createTestDatabase(options.target ?? 'sqlite');
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = testConfig(database.url, { PUBLIC_URL: base, ...(receiver ? { SMTP_URL: receiver.url } : {}), ...options.env });
    app = await buildApp({ config, database: database.handle, logger: false });
    await app.listen({ port, host: '127.0.0.1' });
    return { app, config, database, base, receiver, close };
  } catch (error) {
    await close(); // half started: leave nothing behind
    throw error;
  }
}

export interface CloudpassProcess {
  child: ChildProcess;
  /** The exit code; null when killed by a signal. */
  exited: Promise<number | null>;
  /** The last 4000 characters of stdout and stderr, for failure messages. */
  output: () => string;
}

const root = fileURLToPath(new URL('../../', import.meta.url));
const spawned = new Set<ChildProcess>();

/** `node bin/cloudpass.js …args`, talking to no SMTP server, Redis or outside provisioner unless `env` says so. */
export function spawnCloudpass(args: string[], env: Record<string, string>): CloudpassProcess {
  const child = spawn(process.execPath, ['bin/cloudpass.js', ...args], {
    cwd: root,
    env: { ...process.env, CLOUDPASS_SECRET: TEST_SECRET, LOG_LEVEL: 'info', SMTP_URL: '', REDIS_URL: '', PROVISIONER_URL: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  spawned.add(child);
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { text += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => text.slice(-4000) };
}

/** For `after(killSpawned)`: stops whatever a failing test left running. */
export function killSpawned(): void {
  for (const child of spawned) if (child.exitCode === null) child.kill('SIGKILL');
}
