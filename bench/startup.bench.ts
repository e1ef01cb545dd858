// Start-up: `cloudpass serve` as `npm start` runs it (the build in dist/, through bin/cloudpass.js) on an
// existing, migrated SQLite database, against a bare Fastify hello-world run with `node -e`, measured
// in the same run, turn by turn. For each start: the time from spawn until the first 200 (`/readyz` for
// cloudpass, `/` for the hello-world), the CPU the process had used by then, and its resident memory
// (all threads) a few seconds after, when it has settled. The development start (`node --import tsx
// src/cli.ts serve`) is measured the same way, for comparison. STARTUP_RUNS changes the repetitions.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { connectDatabase } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { freePort } from '../src/testing/server.ts';
import { formatMb, freshDatabase, projectDir, type BenchReport } from './support.ts';

export const description = '`cloudpass serve` (the build) ready on a migrated SQLite database, and its idle memory, against a bare Fastify hello-world';

const RUNS = Number(process.env.STARTUP_RUNS ?? 7);
const SETTLE_MS = 3000;
const MAX_READY_RATIO = 2;
const MAX_IDLE_RSS_BYTES = 120 * 1024 * 1024;
const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const HELLO_WORLD = "const app = require('fastify')(); app.get('/', async () => ({ hello: 'world' })); app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });";
/** Clock ticks per second of /proc/<pid>/stat's CPU times (USER_HZ, 100 on Linux). */
const TICKS_PER_SECOND = 100;

interface Start { readyMs: number; cpuMs: number; idleRssBytes: number }
interface Side { label: string; args: string[]; path: string; env?: Record<string, string> }

export async function run(): Promise<BenchReport> {
  // What `npm start` would run: built now, so that no start below includes a rebuild.
  const built = spawnSync(process.execPath, [join(projectDir, 'scripts/build.js')], { cwd: projectDir, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`the build failed: ${built.stderr.trim()}`);

  const database = await freshDatabase('sqlite');
  try {
    const handle = connectDatabase(database.url);
    await migrateToLatest(handle.db);
    await handle.close();
    const env = { DATABASE_URL: database.url, CLOUDPASS_SECRET: SECRET, LOG_LEVEL: 'warn' };
    const sides: Side[] = [
      { label: 'bare Fastify hello-world (node -e)', args: ['-e', HELLO_WORLD], path: '/' },
      { label: 'cloudpass serve (npm start: dist/)', args: [join(projectDir, 'bin/cloudpass.js'), 'serve'], path: '/readyz', env },
      { label: 'cloudpass serve (development: tsx)', args: ['--import', 'tsx', join(projectDir, 'src/cli.ts'), 'serve'], path: '/readyz', env },
    ];
    const starts = sides.map(() => [] as Start[]);
    // Turn by turn, so that a busy moment on the machine weighs on every side alike.
    for (let run = 0; run < RUNS; run++) {
      for (const [i, side] of sides.entries()) starts[i]!.push(await measureStart(side));
    }
    const [bare, serve, tsx] = starts.map((runs) => ({
      readyMs: median(runs.map((s) => s.readyMs)), cpuMs: median(runs.map((s) => s.cpuMs)), idleRssBytes: median(runs.map((s) => s.idleRssBytes)),
    })) as [Start, Start, Start];

    const readyRatio = serve.readyMs / bare.readyMs;
    const lines = sides.map((side, i) => {
      const m = [bare, serve, tsx][i]!;
      return `${side.label.padEnd(38)} ready ${ms(m.readyMs).padStart(7)}  CPU to ready ${ms(m.cpuMs).padStart(7)}  idle RSS ${formatMb(m.idleRssBytes).padStart(6)}`;
    });
    lines.push(
      `medians of ${RUNS} starts each; idle RSS ${SETTLE_MS / 1000} s after ready`,
      `serve / bare: ready ${readyRatio.toFixed(2)}× (target ≤ ${MAX_READY_RATIO}×), CPU ${(serve.cpuMs / bare.cpuMs).toFixed(2)}×, idle RSS ${formatMb(serve.idleRssBytes)} (target ≤ ${formatMb(MAX_IDLE_RSS_BYTES)})`,
      `development (tsx) / build: ready ${(tsx.readyMs / serve.readyMs).toFixed(2)}×, idle RSS +${formatMb(tsx.idleRssBytes - serve.idleRssBytes)}`,
    );
    return {
      lines,
      targets: [
        { label: `serve ready in at most ${MAX_READY_RATIO}× the bare start (${readyRatio.toFixed(2)}×)`, met: readyRatio <= MAX_READY_RATIO },
        { label: `serve idle RSS at most ${formatMb(MAX_IDLE_RSS_BYTES)} (${formatMb(serve.idleRssBytes)})`, met: serve.idleRssBytes <= MAX_IDLE_RSS_BYTES },
      ],
    };
  } finally {
    await database.drop();
  }
}

async function measureStart(side: Side): Promise<Start> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, side.args, {
    cwd: projectDir,
    env: { ...process.env, ...side.env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}` },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const deadline = started + 120_000;
    while (await status(port, side.path) !== 200) {
      if (child.exitCode !== null) throw new Error(`${side.label} exited with ${child.exitCode} before it was ready`);
      if (performance.now() > deadline) throw new Error(`${side.label} was not ready after 120 s`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const readyMs = performance.now() - started;
    const cpuMs = cpuTime(child.pid!);
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    return { readyMs, cpuMs, idleRssBytes: rss(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.end();
  });
}

/** User and system CPU time the process has used, from /proc/<pid>/stat. */
function cpuTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // after the command name, which may hold spaces
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000; // utime, stime
}

/** Resident memory of the whole process (every thread) now, from /proc/<pid>/status. */
function rss(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb * 1024;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const ms = (value: number) => `${Math.round(value)} ms`;
