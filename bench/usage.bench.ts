// Usage ingest: 1,000,000 events in batches of 1,000 over HTTP from 20 concurrent clients, 10% of them
// duplicates, against a bare driver insert of the same rows in the same run; on SQLite, and on PostgreSQL
// when BENCH_DATABASE_URL or TEST_DATABASE_URL is set. Checks that every distinct event was counted
// exactly once (against the sum of their amounts) and the server's peak RSS.
// Smaller for a quick check: BENCH_USAGE_EVENTS=50000 npm run bench usage.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connectDatabase } from '../src/db/connect.ts';
import { batchOf, expectedTotals } from './usage-events.ts';
import {
  benchDir, formatCount, formatMb, formatSeconds, freshDatabase, postgresAdminUrl, projectDir, runChild, type BenchReport, type ChildResult,
} from './support.ts';

export const description = 'usage ingest over HTTP (20 clients, batches of 1,000, 10% duplicates) vs a bare driver insert of the same rows';

const BATCH = 1000;
const CLIENTS = 20;
const DUPLICATE_SHARE = 0.1;
const SUBSCRIPTIONS = 50;
const MIN_RATIO = 0.5;
const MAX_RSS_BYTES = 300 * 1024 * 1024;

export async function run(): Promise<BenchReport> {
  const count = Math.max(BATCH, Number(process.env.BENCH_USAGE_EVENTS ?? 1_000_000));
  const batches = Math.ceil(count / BATCH);
  const report: BenchReport = { lines: [], targets: [] };
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
  // BENCH_CPU_PROF_DIR=/tmp/x writes the server's CPU profile there, to see where its time goes.
  const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', join(benchDir, 'usage-child.ts'), 'serve', database.url, String(SUBSCRIPTIONS)], {
    cwd: projectDir, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk: Buffer) => { err += chunk.toString(); });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    const ready = await new Promise<{ port: number; key: string; subscriptions: string[] }>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n').find((l) => l.startsWith('{"ready"'));
        if (line) resolve(JSON.parse(line) as { port: number; key: string; subscriptions: string[] });
      });
      void exited.then(() => reject(new Error(`the server exited before it was ready: ${err.slice(-1000)}`)));
    });
    // The request bodies are made before the clock starts: the server is measured, not the load generator.
    const bodies = Array.from({ length: batches }, (_, b) => JSON.stringify({ events: batchOf(b, BATCH, DUPLICATE_SHARE, ready.subscriptions) }));
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    let next = 0;
    let accepted = 0;
    let duplicates = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CLIENTS }, async () => {
      for (let b = next++; b < batches; b = next++) {
        const answer = await post(agent, ready.port, ready.key, bodies[b]!);
        accepted += answer.accepted;
        duplicates += answer.duplicates;
      }
    }));
    const ms = performance.now() - started;
    agent.destroy();
    child.kill('SIGTERM');
    await exited;
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildResult;
    const stored = await storedTotals(database.url);
    return {
      ms, events: batches * BATCH, accepted, duplicates, maxRssBytes: result.maxRssBytes,
      expected: expectedTotals(batches, BATCH, DUPLICATE_SHARE), stored,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    await database.drop();
  }
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
