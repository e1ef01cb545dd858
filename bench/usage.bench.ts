// Usage ingest: 1,000,000 events in batches of 1,000 over HTTP from 20 concurrent clients to `cloudpass
// serve` as `npm start` runs it (the build, with its job worker), 10% of them
// duplicates, against a bare driver insert of the same rows in the same run; on SQLite, and on PostgreSQL
// when BENCH_DATABASE_URL or TEST_DATABASE_URL is set. Checks that every distinct event was counted
// exactly once (against the sum of their amounts) and the server's peak RSS.
// Smaller for a quick check: BENCH_USAGE_EVENTS=50000 npm run bench usage.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { connectDatabase } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemClock } from '../src/lib/clock.ts';
import { newId } from '../src/lib/ids.ts';
import { createMetrics } from '../src/lib/metrics.ts';
import { createServices } from '../src/services.ts';
import { freePort } from '../src/testing/server.ts';
import { batchOf, expectedTotals } from './usage-events.ts';
import {
  formatCount, formatMb, formatSeconds, freshDatabase, postgresAdminUrl, projectDir, runChild, type BenchReport, type ChildResult,
} from './support.ts';

export const description = 'usage ingest over HTTP (20 clients, batches of 1,000, 10% duplicates) vs a bare driver insert of the same rows';

const BATCH = 1000;
const CLIENTS = 20;
const DUPLICATE_SHARE = 0.1;
const SUBSCRIPTIONS = 50;
const MIN_RATIO = 0.5;
const MAX_RSS_BYTES = 300 * 1024 * 1024;
const SECRET = 'usage-bench-secret-0123456789-0123456789';

export async function run(): Promise<BenchReport> {
  const count = Math.max(BATCH, Number(process.env.BENCH_USAGE_EVENTS ?? 1_000_000));
  const batches = Math.ceil(count / BATCH);
  const report: BenchReport = { lines: [], targets: [] };
  // What `npm start` runs: built now, so the server measured is this code.
  const built = spawnSync(process.execPath, [join(projectDir, 'scripts/build.js')], { cwd: projectDir, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`the build failed: ${built.stderr.trim()}`);
  const kinds = postgresAdminUrl() ? ['sqlite', 'postgres'] as const : ['sqlite'] as const;
  if (kinds.length === 1) report.lines.push('PostgreSQL: skipped (set BENCH_DATABASE_URL or TEST_DATABASE_URL to measure it)');

  for (const kind of kinds) {
    const bare = await measureBare(kind, batches);
    const http = await measureHttp(kind, batches);
    const rate = (events: number, ms: number) => `${formatCount(events / (ms / 1000))} events/s`;
    const ratio = (http.events / http.ms) / (bare.count / bare.ms);
    report.lines.push(
      `${kind} http   ${formatCount(http.events)} events in ${formatSeconds(http.ms)}  ${rate(http.events, http.ms)}  accepted ${formatCount(http.accepted)}, duplicates ${formatCount(http.duplicates)}  server peak RSS ${formatMb(http.maxRssBytes)}`,
      `${kind} bare   ${formatCount(bare.count)} rows   in ${formatSeconds(bare.ms)}  ${rate(bare.count, bare.ms)}`,
      `${kind} ratio  http / bare = ${ratio.toFixed(2)}×; ledger holds ${formatCount(http.stored.events)} events summing ${formatCount(http.stored.sum)} (expected ${formatCount(http.expected.events)}, ${formatCount(http.expected.sum)})`,
    );
    report.targets.push(
      { label: `${kind}: HTTP at least ${MIN_RATIO}× the bare insert (${ratio.toFixed(2)}×)`, met: ratio >= MIN_RATIO },
      {
        label: `${kind}: every distinct event counted exactly once (${formatCount(http.stored.events)} of ${formatCount(http.expected.events)}, totals ${http.stored.sum === http.expected.sum && http.stored.totals === http.expected.sum ? 'agree' : 'DISAGREE'})`,
        met: http.stored.events === http.expected.events && http.stored.sum === http.expected.sum && http.stored.totals === http.expected.sum
          && http.accepted === http.expected.events,
      },
      { label: `${kind}: server peak RSS under ${formatMb(MAX_RSS_BYTES)} (${formatMb(http.maxRssBytes)})`, met: http.maxRssBytes < MAX_RSS_BYTES },
    );
  }
  return report;
}

async function measureBare(kind: 'sqlite' | 'postgres', batches: number): Promise<ChildResult> {
  const database = await freshDatabase(kind);
  try {
    return await runChild('usage-child.ts', ['bare', database.url, String(SUBSCRIPTIONS), String(batches * BATCH), String(BATCH), String(DUPLICATE_SHARE * 100), String(CLIENTS)]);
  } finally {
    await database.drop();
  }
}

interface HttpResult {
  ms: number;
  events: number;
  accepted: number;
  duplicates: number;
  maxRssBytes: number;
  expected: { events: number; sum: number };
  stored: { events: number; sum: number; totals: number };
}

async function measureHttp(kind: 'sqlite' | 'postgres', batches: number): Promise<HttpResult> {
  const database = await freshDatabase(kind);
  const { key, subscriptions } = await seed(database.url);
  const port = await freePort();
  // BENCH_CPU_PROF_DIR=/tmp/x writes the server's CPU profile there, to see where its time goes.
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  // `cloudpass serve` as `npm start` runs it: the build, with its job worker.
  const server = spawn(process.execPath, [...profile, join(projectDir, 'bin/cloudpass.js'), 'serve'], {
    cwd: projectDir,
    env: {
      ...process.env, DATABASE_URL: database.url, CLOUDPASS_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
      PUBLIC_URL: `http://127.0.0.1:${port}`, SMTP_URL: '', REDIS_URL: '', PROVISIONER_URL: '',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<unknown>((resolve) => server.once('exit', resolve));
  try {
    await waitForReady(port);
    // The request bodies are made before the clock starts: the server is measured, not the load generator.
    const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify({ events: batchOf(b, BATCH, DUPLICATE_SHARE, subscriptions) }));
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    let next = 0;
    let accepted = 0;
    let duplicates = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      for (let b = next++; b < batches; b = next++) {
        const answer = await post(agent, port, key, bodies[b]!);
        accepted += answer.accepted;
        duplicates += answer.duplicates;
      }
    }));
    const ms = performance.now() - started;
    agent.destroy();
    const maxRssBytes = peakRssBytes(server.pid!);
    server.kill('SIGTERM');
    await exited;
    const stored = await storedTotals(database.url);
    return { ms, events: batches * BATCH, accepted, duplicates, maxRssBytes, expected: expectedTotals(batches, BATCH, DUPLICATE_SHARE), stored };
  } finally {
    if (server.exitCode === null) { server.kill('SIGKILL'); await exited; }
    await database.drop();
  }
}

/** Migrated, with active subscriptions of plenty of credit and a platform key, through the services the server uses. */
async function seed(url: string): Promise<{ key: string; subscriptions: string[] }> {
  const database = connectDatabase(url, { poolSize: 2 });
  try {
    await migrateToLatest(database.db);
    const config = loadConfig({ DATABASE_URL: url, CLOUDPASS_SECRET: SECRET, LOG_LEVEL: 'silent' });
    const services = createServices({ config, db: database.db, dialect: database.dialect, clock: systemClock, metrics: createMetrics() });
    const now = new Date().toISOString();
    const ends = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const subscriptions: string[] = [];
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const account = newId();
      const id = newId();
      await database.db.transaction().execute(async (trx) => {
        await trx.insertInto('accounts').values({
          id: account, kind: 'personal', organization_id: null, organization_role: null, email: `${account}@bench.test`, email_normalized: `${account}@bench.test`,
          display_name: 'Bench', country: 'FI', password_hash: null, email_verified_at: now, operator_admin: 0, oidc_subject: null, created_at: now, updated_at: now,
        }).execute();
        await trx.insertInto('subscriptions').values({
          id, account_id: account, offer: 'pass', redemption_id: null, status: 'active', credit_currency: 'USD', validity_days: 30, starts_at: now,
          ends_at: ends, external_id: `bench-${i}`, profile: '{}', failure_reason: null, disabled_reason: null, stopped_at: null, created_at: now, updated_at: now,
        }).execute();
        await services.credit.grant(trx, id, 1_000_000_000_000, 'USD');
      });
      subscriptions.push(id);
    }
    const { key } = await services.apiKeys.create({ name: 'usage bench', scope: 'platform' });
    await services.close();
    return { key, subscriptions };
  } finally {
    await database.close();
  }
}

async function waitForReady(port: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the server on port ${port} did not become ready`);
}

/** The child's high-water mark of resident memory, from /proc while it still runs. */
function peakRssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
}

function post(agent: Agent, port: number, key: string, body: string): Promise<{ accepted: number; duplicates: number }> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1', port, path: '/api/v1/usage', method: 'POST', agent,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${key}` },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { text += chunk; });
      res.on('end', () => {
        if (res.statusCode !== 202) reject(new Error(`usage answered ${res.statusCode}: ${text.slice(0, 300)}`));
        else resolve(JSON.parse(text) as { accepted: number; duplicates: number });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** What the ledger holds: usage events and their sum, and the sum of the cached totals (they must agree). */
async function storedTotals(url: string): Promise<{ events: number; sum: number; totals: number }> {
  const database = connectDatabase(url, { poolSize: 1 });
  try {
    const ledger = await sql<{ n: number; s: number }>`select count(*) as n, coalesce(sum(-amount), 0) as s from credit_ledger where kind = 'usage'`.execute(database.db);
    const totals = await sql<{ s: number }>`select coalesce(sum(used), 0) as s from credit_balances`.execute(database.db);
    return { events: Number(ledger.rows[0]!.n), sum: Number(ledger.rows[0]!.s), totals: Number(totals.rows[0]!.s) };
  } finally {
    await database.close();
  }
}
