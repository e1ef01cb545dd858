// The redemption storm's latency, where the storm bench measures throughput (issue 12):
// - an open loop: redeem+activate pairs arriving at a fixed rate, half of the maximum measured a moment
//   earlier in the same run, whatever the answers' latency; p99 per request, timed from when each pair was
//   due (so a server that falls behind shows it, rather than the load generator slowing down with it);
// - 500 clients on one code at the same instant (SQLite): exactly one winner, every other an answer (no
//   connection error), p99;
// - cost as data grows: redeem p99 with 10,000 issued codes, then again after LATENCY_GROWTH_CODES
//   (10,000,000) more codes are in the same campaign: the look-ups must stay index look-ups.
import type { ChildProcess } from 'node:child_process';
import { Agent } from 'node:http';
import { connectDatabase, loadPg, openSqlite } from '../src/db/connect.ts';
import { newId } from '../src/lib/ids.ts';
import { freePort } from '../src/testing/server.ts';
import {
  onFreshDatabase, pct, redeemAndActivate, seed, send, spawnServe, stopServe, subscriptionCounts, waitForReady,
} from './storm.bench.ts';
import { formatCount, postgresAdminUrl, type BenchReport } from './support.ts';

export const description = 'open-loop p99 at half the maximum, 500 clients on one code, redeem p99 at 10,000,000 codes';

const CONCURRENCY = 200;
const MAX_PAIRS = Number(process.env.LATENCY_MAX_PAIRS ?? 3_000);
const OPEN_LOOP_SECONDS = Number(process.env.LATENCY_OPEN_SECONDS ?? 20);
const OPEN_LOOP_P99_MS = { sqlite: 50, postgres: 100 } as const;
const ONE_CODE_CLIENTS = 500;
const GROWTH_CODES = Number(process.env.LATENCY_GROWTH_CODES ?? 10_000_000);
const GROWTH_CLIENTS = 20;
const GROWTH_SAMPLE = 4_000;
type Kind = 'sqlite' | 'postgres';
type Targets = BenchReport['targets'];

export async function run(): Promise<BenchReport> {
  const targets: Targets = [];
  const kinds: Kind[] = postgresAdminUrl() ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!postgresAdminUrl()) console.log('PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL');
  // LATENCY_PARTS=open,one,growth (all by default) runs only some of the three.
  const parts = new Set((process.env.LATENCY_PARTS ?? 'open,one,growth').split(',').map((p) => p.trim()));
  if (parts.has('open')) for (const kind of kinds) targets.push(...await onFreshDatabase(kind, (url) => openLoop(kind, url)));
  if (parts.has('one')) targets.push(...await onFreshDatabase('sqlite', (url) => oneCode('SQLite', url)));
  if (parts.has('growth')) for (const kind of kinds) targets.push(...await onFreshDatabase(kind, (url) => growth(kind, url)));
  return { lines: [], targets };
}

const labelOf = (kind: Kind) => (kind === 'sqlite' ? 'SQLite' : 'PostgreSQL');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function withServer<T>(databaseUrl: string, use: (port: number, server: ChildProcess) => Promise<T>): Promise<T> {
  const port = await freePort();
  const server = spawnServe(databaseUrl, port, { PROVISION_DELAY_MS: '1000' });
  try {
    await waitForReady(port);
    return await use(port, server);
  } finally {
    await stopServe(server);
  }
}

/** Waits until no subscription is pending or provisioning, so the next phase does not share the server with old work. */
async function settle(databaseUrl: string): Promise<void> {
  const handle = connectDatabase(databaseUrl);
  try {
    for (let i = 0; i < 2400; i++) {
      if ((await subscriptionCounts(handle.db)).unsettled === 0) return;
      await sleep(250);
    }
  } finally {
    await handle.close();
  }
}

async function openLoop(kind: Kind, databaseUrl: string): Promise<Targets> {
  const label = labelOf(kind);
  // Enough recipients for the closed loop and for an open loop at up to 400 pairs/s.
  const recipients = await seed(databaseUrl, MAX_PAIRS + 400 * OPEN_LOOP_SECONDS);
  return withServer(databaseUrl, async (port) => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1000 });
    // The maximum: a closed loop of 200 clients, as the storm measures it.
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < MAX_PAIRS) await redeemAndActivate(agent, port, recipients[next++]!);
    }));
    const maximum = MAX_PAIRS / ((performance.now() - started) / 1000);
    await settle(databaseUrl);

    const rate = Math.min(maximum / 2, 400);
    const count = Math.floor(rate * OPEN_LOOP_SECONDS);
    const latencies: number[] = [];
    let errors = 0;
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await sleep(wait);
      const recipient = recipients[MAX_PAIRS + i]!;
      pending.push(redeemAndActivate(agent, port, recipient, { due, latencies }).then((ok) => { if (!ok) errors++; }, () => { errors++; }));
    }
    await Promise.all(pending);
    const seconds = (performance.now() - t0) / 1000;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const p99 = pct(latencies, 0.99);
    console.log(`open loop on ${label}: maximum ${formatCount(maximum)} pairs/s (closed loop, ${CONCURRENCY} clients, ${MAX_PAIRS} pairs)`);
    console.log(`  ${count} pairs arriving at ${formatCount(rate)} pairs/s for ${seconds.toFixed(1)} s: per request p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${(latencies.at(-1) ?? 0).toFixed(0)} ms, errors ${errors}`);
    return [
      { label: `${label} open loop at half the maximum (${formatCount(rate)} pairs/s): no errors (${errors})`, met: errors === 0 },
      { label: `${label} open loop: p99 per request under ${OPEN_LOOP_P99_MS[kind]} ms (${p99.toFixed(1)} ms)`, met: p99 < OPEN_LOOP_P99_MS[kind] },
    ];
  });
}

async function oneCode(label: string, databaseUrl: string): Promise<Targets> {
  const recipients = await seed(databaseUrl, ONE_CODE_CLIENTS);
  const code = recipients[0]!.code;
  return withServer(databaseUrl, async (port) => {
    // A new connection each: 500 phones, not 500 requests down a few sockets.
    const agent = new Agent({ keepAlive: false, maxSockets: ONE_CODE_CLIENTS });
    const statuses = new Map<number, number>();
    const latencies: number[] = [];
    let connectionErrors = 0;
    await Promise.all(recipients.map(async (recipient) => {
      const t0 = performance.now();
      try {
        const answer = await send(agent, port, 'POST', '/api/v1/redemptions', JSON.stringify({ code, country: 'FI' }),
          { 'content-type': 'application/json', cookie: recipient.cookie });
        statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      } catch {
        connectionErrors++;
      }
      latencies.push(performance.now() - t0);
    }));
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const p99 = pct(latencies, 0.99);
    const winners = statuses.get(201) ?? 0;
    const answered = [...statuses].map(([status, n]) => `${n}× ${status}`).join(', ');
    console.log(`${ONE_CODE_CLIENTS} clients on one code on ${label}: ${answered}; ${connectionErrors} connection errors; p50 ${pct(latencies, 0.5).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms`);
    const refusedAsUsed = statuses.get(409) ?? 0;
    return [
      { label: `${label} one code, ${ONE_CODE_CLIENTS} clients: exactly one winner (${winners}), every other refused as used (${refusedAsUsed})`, met: winners === 1 && refusedAsUsed === ONE_CODE_CLIENTS - 1 },
      { label: `${label} one code: no connection errors (${connectionErrors})`, met: connectionErrors === 0 },
      { label: `${label} one code: p99 under 1 s (${p99.toFixed(0)} ms)`, met: p99 < 1000 },
    ];
  });
}

async function growth(kind: Kind, databaseUrl: string): Promise<Targets> {
  const label = labelOf(kind);
  const recipients = await seed(databaseUrl, 2 * (GROWTH_SAMPLE + 1_000));
  return withServer(databaseUrl, async (port) => {
    let agent = new Agent({ keepAlive: true, maxSockets: GROWTH_CLIENTS });
    let next = 0;
    const redeemSome = async (count: number) => {
      const end = next + count;
      const latencies: number[] = [];
      await Promise.all(Array.from({ length: GROWTH_CLIENTS }, async () => {
        while (next < end) {
          const recipient = recipients[next++]!;
          const t0 = performance.now();
          const answer = await send(agent, port, 'POST', '/api/v1/redemptions', JSON.stringify({ code: recipient.code, country: 'FI' }),
            { 'content-type': 'application/json', cookie: recipient.cookie });
          if (answer.status !== 201) throw new Error(`redeem answered ${answer.status}: ${answer.body}`);
          latencies.push(performance.now() - t0);
        }
      }));
      return latencies.sort((a, b) => a - b);
    };
    await redeemSome(1_000); // warm-up
    const small = await redeemSome(GROWTH_SAMPLE);
    const issuedBefore = recipients.length;
    const filled = performance.now();
    agent.destroy(); // the server closes sockets idle through the minutes of writing: start with new ones
    await addCodes(databaseUrl, GROWTH_CODES);
    agent = new Agent({ keepAlive: true, maxSockets: GROWTH_CLIENTS });
    console.log(`  ${formatCount(GROWTH_CODES)} more codes written on ${label} in ${((performance.now() - filled) / 1000).toFixed(0)} s`);
    await redeemSome(1_000); // warm-up
    const large = await redeemSome(GROWTH_SAMPLE);
    agent.destroy();
    const [p99Small, p99Large] = [pct(small, 0.99), pct(large, 0.99)];
    const ratio = p99Large / p99Small;
    console.log(`redeem as codes grow on ${label} (${GROWTH_CLIENTS} clients): at ${formatCount(issuedBefore)} codes p50 ${pct(small, 0.5).toFixed(1)} ms, p99 ${p99Small.toFixed(1)} ms; at ${formatCount(issuedBefore + GROWTH_CODES)} p50 ${pct(large, 0.5).toFixed(1)} ms, p99 ${p99Large.toFixed(1)} ms; ${ratio.toFixed(2)}×`);
    return [{ label: `${label} redeem p99 at ${formatCount(issuedBefore + GROWTH_CODES)} codes ≤ 1.2× at ${formatCount(issuedBefore)} (${ratio.toFixed(2)}×)`, met: ratio <= 1.2 }];
  });
}

/**
 * `count` more issued codes in the campaign the seed made, in a batch of their own, written straight by SQL
 * in sorted chunks of a million (random hashes like real ones, so they spread over the whole index), and
 * the statistics brought up to date, as an operator's database would have them.
 */
async function addCodes(databaseUrl: string, count: number): Promise<void> {
  const handle = connectDatabase(databaseUrl);
  const campaign = await handle.db.selectFrom('campaigns').select('id').executeTakeFirstOrThrow();
  await handle.close();
  const batchId = newId();
  const now = new Date().toISOString();
  const chunk = 1_000_000;
  if (databaseUrl.startsWith('sqlite:')) {
    const sqlite = openSqlite(databaseUrl.slice('sqlite:'.length));
    try {
      sqlite.pragma('cache_size = -262144');
      sqlite.prepare('INSERT INTO code_batches (id, campaign_id, size, created_at, created_by) VALUES (?, ?, ?, ?, ?)').run(batchId, campaign.id, count, now, 'bench');
      const insert = sqlite.prepare(`
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
        INSERT INTO pass_codes (code_hash, campaign_id, batch_id, last4, state, created_at)
        SELECT h, ?, ?, upper(substr(h, 1, 4)), 'issued', ? FROM (SELECT lower(hex(randomblob(32))) AS h FROM n) ORDER BY h`);
      for (let done = 0; done < count; done += chunk) {
        sqlite.transaction(() => insert.run(Math.min(chunk, count - done), campaign.id, batchId, now))();
      }
      sqlite.exec('ANALYZE');
      sqlite.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      sqlite.close();
    }
    return;
  }
  const client = new (loadPg().Client)({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('INSERT INTO code_batches (id, campaign_id, size, created_at, created_by) VALUES ($1, $2, $3, $4, $5)', [batchId, campaign.id, count, now, 'bench']);
    for (let done = 0; done < count; done += chunk) {
      await client.query(`
        INSERT INTO pass_codes (code_hash, campaign_id, batch_id, last4, state, created_at)
        SELECT h, $2, $3, upper(substr(h, 1, 4)), 'issued', $4
        FROM (SELECT md5(random()::text) || md5(random()::text) AS h FROM generate_series(1, $1)) AS f ORDER BY h`,
      [Math.min(chunk, count - done), campaign.id, batchId, now]);
    }
    await client.query('VACUUM ANALYZE pass_codes');
  } finally {
    await client.end();
  }
}
