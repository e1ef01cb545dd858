// The redemption storm: 10,000 codes and 10,000 verified, signed-in accounts; 200 concurrent clients
// each redeem a code and activate it over HTTP against a real `cloudpass serve` process. Compared, in the
// same run, with a trivial Fastify route served and loaded the same way.
//
// Per database, and in the same run, two more figures put the storm in context:
// - provisioning: after the last activation, the bench waits, with the server still running (built-in
//   provisioner, PROVISION_DELAY_MS=1000), until every subscription the storm created is active, and says
//   how long that took. A storm is only done once the subscriptions it created are active.
// - the database floor (storm-floor.ts): a second database, seeded the same way, gets the same SQL per
//   pair through the driver, with no HTTP. It shows how much of the storm's cost is the database's own.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { deriveKey } from '../src/config.ts';
import { connectDatabase } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { systemClock } from '../src/lib/clock.ts';
import { newId } from '../src/lib/ids.ts';
import { generatePassCodes, hashPassCode, lastFour, normalizePassCode } from '../src/modules/codes/pass-code.ts';
import { createSessionService } from '../src/modules/sessions/sessions.service.ts';
import { freePort } from '../src/testing/server.ts';
import { measureDatabaseFloor } from './storm-floor.ts';
import { formatCount, freshDatabase, postgresAdminUrl, type BenchReport } from './support.ts';

/** How many recipients `seed` makes unless told. */
const ACCOUNTS = Number(process.env.STORM_ACCOUNTS ?? 10_000);
const CONCURRENCY = Number(process.env.STORM_CONCURRENCY ?? 200);
const TRIVIAL_REQUESTS = Number(process.env.STORM_TRIVIAL_REQUESTS ?? 40_000);
const TRIVIAL_WARMUP_REQUESTS = 5_000;
export const SECRET = 'bench-secret-bench-secret-bench-secret-0123456789';
const root = new URL('..', import.meta.url).pathname;
const PROVISIONING_POLL_MS = 250;
const PROVISIONING_TIMEOUT_MS = 10 * 60 * 1000;
/** Issue 12: redeem+activate pairs/s over HTTP against the database floor's pairs/s, same run. */
const FLOOR_TARGET = { sqlite: 0.6, postgres: 0.8 } as const;
/** Every subscription active this long after the last activation at the latest. */
const PROVISIONED_WITHIN_S = 10;

/** A seeded recipient: the code as printed and its keyed hash, and the session token (also as a cookie). */
export interface Recipient { code: string; codeHash: string; token: string; cookie: string; email: string }

export async function run(): Promise<BenchReport> {
  const targets: BenchReport['targets'] = [];
  for (const kind of ['sqlite', 'postgres'] as const) {
    if (kind === 'postgres' && !postgresAdminUrl()) {
      console.log('storm on PostgreSQL skipped: set BENCH_DATABASE_URL or TEST_DATABASE_URL');
      continue;
    }
    const label = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    // Measured right before each storm: on a shared machine, a yardstick from minutes earlier can be off by half.
    const trivial = await measureTrivialRoute();
    console.log(`trivial Fastify route: ${formatCount(trivial.perSecond)} requests/s, p50 ${trivial.p50.toFixed(1)} ms, p99 ${trivial.p99.toFixed(1)} ms (${CONCURRENCY} clients)`);
    // The floor first: the storm's targets are ratios to it, measured in the same run.
    const floor = await onFreshDatabase(kind, (url) => databaseFloor(label, url, trivial.perSecond));
    targets.push(...await onFreshDatabase(kind, (url) => storm(label, url, trivial.perSecond, floor, FLOOR_TARGET[kind])));
  }
  return { lines: [], targets };
}

export async function onFreshDatabase<T>(kind: 'sqlite' | 'postgres', use: (url: string) => Promise<T>): Promise<T> {
  const database = await freshDatabase(kind);
  try {
    return await use(database.url);
  } finally {
    await database.drop().catch(() => {});
  }
}

/** The storm's SQL through the driver on a database seeded like the storm's: context for the storm's figure. */
async function databaseFloor(label: string, databaseUrl: string, trivialPerSecond: number): Promise<number> {
  const recipients = await seed(databaseUrl);
  const floor = await measureDatabaseFloor(databaseUrl, recipients, CONCURRENCY);
  const pairsPerSecond = floor.pairs / floor.seconds;
  const requestsPerSecond = (floor.pairs * 2) / floor.seconds;
  const clients = floor.clients === 1 ? '1 connection, one pair after another' : `${floor.clients} clients on a pool of 10`;
  console.log(`database floor on ${label} (the pair's SQL through the driver, no HTTP): ${floor.pairs} pairs by ${clients} in ${floor.seconds.toFixed(1)} s`);
  console.log(`  ${formatCount(pairsPerSecond)} pairs/s (${formatCount(requestsPerSecond)} requests/s), p50 ${pct(floor.latencies, 0.5).toFixed(1)} ms, p99 ${pct(floor.latencies, 0.99).toFixed(1)} ms per pair`);
  console.log(`  ratio to the trivial route: ${(requestsPerSecond / trivialPerSecond).toFixed(2)} (requests/s; context, not a target)`);
  return pairsPerSecond;
}

async function storm(label: string, databaseUrl: string, trivialPerSecond: number, floorPairsPerSecond: number, floorTarget: number): Promise<BenchReport['targets']> {
  const recipients = await seed(databaseUrl);
  const port = await freePort();
  const nodeArgs = process.env.STORM_NODE_ARGS?.split(' ').filter(Boolean) ?? []; // e.g. --cpu-prof to profile the server
  const server = spawnServe(databaseUrl, port, { PROVISION_DELAY_MS: '1000' }, nodeArgs);
  try {
    await waitForReady(port);
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const latencies: number[] = [];
    let errors = 0;
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next < recipients.length) {
        const recipient = recipients[next++]!;
        const t0 = performance.now();
        const ok = await redeemAndActivate(agent, port, recipient);
        latencies.push(performance.now() - t0);
        if (!ok) errors++;
      }
    }));
    const lastActivation = performance.now();
    const seconds = (lastActivation - started) / 1000;
    agent.destroy();
    const peakRssMb = peakRss(server);
    const perSecond = recipients.length / seconds;
    const requestsPerSecond = (recipients.length * 2) / seconds;
    latencies.sort((a, b) => a - b);
    console.log(`storm on ${label}: ${recipients.length} redemptions+activations by ${CONCURRENCY} clients in ${seconds.toFixed(1)} s`);
    console.log(`  ${formatCount(perSecond)} redemptions/s (${formatCount(requestsPerSecond)} requests/s), p50 ${pct(latencies, 0.5).toFixed(1)} ms, p99 ${pct(latencies, 0.99).toFixed(1)} ms per redeem+activate, errors ${errors}`);
    console.log(`  server peak RSS ${peakRssMb.toFixed(0)} MB (target < 300 MB)`);
    const ratio = requestsPerSecond / trivialPerSecond;
    console.log(`  ratio to the trivial route: ${ratio.toFixed(2)} (requests/s; context, not a target)`);
    const toFloor = perSecond / floorPairsPerSecond;
    console.log(`  ratio to the database floor: ${toFloor.toFixed(2)} (${formatCount(perSecond)} against ${formatCount(floorPairsPerSecond)} pairs/s; target ≥ ${floorTarget})`);
    const provisioned = await waitForProvisioning(databaseUrl, server, started, lastActivation);
    return [
      { label: `${label}: no errors (${errors})`, met: errors === 0 },
      { label: `${label}: server peak RSS under 300 MB (${peakRssMb.toFixed(0)} MB)`, met: peakRssMb < 300 },
      { label: `${label}: pairs/s at least ${floorTarget}× the database floor (${toFloor.toFixed(2)}×)`, met: toFloor >= floorTarget },
      { label: `${label}: every subscription active (${provisioned.active} of ${provisioned.created})`, met: provisioned.allActive },
      { label: `${label}: all active within ${PROVISIONED_WITHIN_S} s of the last activation (${provisioned.afterSeconds.toFixed(1)} s)`, met: provisioned.allActive && provisioned.afterSeconds <= PROVISIONED_WITHIN_S },
    ];
  } finally {
    await stopServe(server);
  }
}

/** `cloudpass serve` on 127.0.0.1:`port` with the bench's secret, its stderr passed through. */
export function spawnServe(databaseUrl: string, port: number, env: Record<string, string> = {}, nodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...nodeArgs, join(root, 'bin/cloudpass.js'), 'serve'], {
    env: {
      ...process.env, DATABASE_URL: databaseUrl, CLOUDPASS_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
      PUBLIC_URL: `http://127.0.0.1:${port}`, ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Stops a server the bench started and waits for it to exit. */
export async function stopServe(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null) return;
  server.kill('SIGTERM');
  await new Promise((resolve) => server.once('exit', resolve));
}

/** Codes and verified accounts with sessions, written straight through repositories (not the slow password path). */
export async function seed(databaseUrl: string, count = ACCOUNTS): Promise<Recipient[]> {
  const handle = connectDatabase(databaseUrl);
  const { db } = handle;
  await migrateToLatest(db);
  const now = new Date().toISOString();
  const campaignId = newId();
  const batchId = newId();
  await db.insertInto('campaigns').values({
    id: campaignId, name: 'Storm', credit_amount: 10000, credit_currency: 'USD', validity_days: 30, redeem_by: '2099-12-31',
    countries: null, passes_per_account: 1, status: 'active', created_at: now, updated_at: now,
  }).execute();
  await db.insertInto('code_batches').values({ id: batchId, campaign_id: campaignId, size: count, created_at: now, created_by: 'bench' }).execute();
  const key = deriveKey(Buffer.from(SECRET), 'pass-codes');
  const codes = generatePassCodes(count);
  const sessions = createSessionService({ db, clock: systemClock });
  const recipients: Recipient[] = [];
  for (let i = 0; i < codes.length; i += 1000) {
    const chunk = codes.slice(i, i + 1000);
    const accounts = chunk.map((code, j) => ({ code, normalized: normalizePassCode(code), id: newId(), email: `storm${i + j}@example.test` }))
      .map((a) => ({ ...a, codeHash: hashPassCode(a.normalized, key) }));
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('pass_codes').values(accounts.map((a) => ({
        code_hash: a.codeHash, campaign_id: campaignId, batch_id: batchId, last4: lastFour(a.normalized), state: 'issued' as const,
        created_at: now, redeemed_at: null, account_id: null, revoked_at: null,
      }))).execute();
      await trx.insertInto('accounts').values(accounts.map((a) => ({
        id: a.id, kind: 'personal' as const, organization_id: null, organization_role: null, email: a.email, email_normalized: a.email,
        display_name: 'Storm Person', country: 'FI', password_hash: null, email_verified_at: now, operator_admin: 0,
        oidc_subject: null, created_at: now, updated_at: now,
      }))).execute();
    });
    for (const a of accounts) {
      const { token } = await sessions.start(a.id);
      recipients.push({ code: a.code, codeHash: a.codeHash, token, email: a.email, cookie: `cloudpass_session=${token}` });
    }
  }
  await handle.close();
  return recipients;
}

/**
 * Polls the subscriptions' statuses until none is pending or provisioning any more (or the server has
 * exited, or 10 minutes have passed), then says how long after the last activation they were all active.
 * The throughput counts from the start of the storm, because provisioning starts with the first activation.
 */
async function waitForProvisioning(databaseUrl: string, server: ChildProcess, stormStarted: number, lastActivation: number) {
  const handle = connectDatabase(databaseUrl);
  try {
    let counts = await subscriptionCounts(handle.db);
    while (counts.unsettled > 0 && server.exitCode === null && performance.now() - lastActivation < PROVISIONING_TIMEOUT_MS) {
      await new Promise((r) => setTimeout(r, PROVISIONING_POLL_MS));
      counts = await subscriptionCounts(handle.db);
    }
    const settled = performance.now();
    const after = (settled - lastActivation) / 1000;
    const allActive = counts.created > 0 && counts.active === counts.created;
    if (allActive) {
      const throughput = counts.active / ((settled - stormStarted) / 1000);
      console.log(`  all ${counts.created} subscriptions active ${after.toFixed(1)} s after the last activation (provisioning throughput ${formatCount(throughput)}/s)`);
    } else {
      console.log(`  only ${counts.active} of ${counts.created} subscriptions active ${after.toFixed(1)} s after the last activation (by status: ${JSON.stringify(counts.byStatus)})`);
    }
    return { ...counts, allActive, afterSeconds: after };
  } finally {
    await handle.close();
  }
}

export async function subscriptionCounts(db: ReturnType<typeof connectDatabase>['db']) {
  const rows = await db.selectFrom('subscriptions').select(['status', (eb) => eb.fn.countAll<number>().as('count')]).groupBy('status').execute();
  const byStatus = Object.fromEntries(rows.map((r) => [r.status, Number(r.count)]));
  const created = rows.reduce((sum, r) => sum + Number(r.count), 0);
  const unsettled = (byStatus.pending ?? 0) + (byStatus.provisioning ?? 0);
  return { created, active: byStatus.active ?? 0, unsettled, byStatus };
}

/**
 * One person's redeem then activate; true when both were accepted. With `timing`, each request's latency is
 * added to its list: the redeem's from `timing.due` (when an open loop meant it to start), the activation's
 * from when it was sent.
 */
export async function redeemAndActivate(agent: Agent, port: number, recipient: Recipient, timing?: { due: number; latencies: number[] }): Promise<boolean> {
  const redeemed = await post(agent, port, '/api/v1/redemptions', { code: recipient.code.toLowerCase(), country: 'FI' }, { cookie: recipient.cookie });
  timing?.latencies.push(performance.now() - timing.due);
  if (redeemed.status !== 201) return false;
  const redemptionId = (JSON.parse(redeemed.body) as { id: string }).id;
  const sent = performance.now();
  const activated = await post(agent, port, '/api/v1/subscriptions', {
    offer: 'pass', redemptionId, profile: { firstName: 'Storm', lastName: 'Person', email: recipient.email, country: 'FI' },
  }, { cookie: recipient.cookie, 'idempotency-key': redemptionId });
  timing?.latencies.push(performance.now() - sent);
  return activated.status === 202;
}

function post(agent: Agent, port: number, path: string, body: unknown, headers: Record<string, string>) {
  return send(agent, port, 'POST', path, JSON.stringify(body), { 'content-type': 'application/json', ...headers });
}

export function send(agent: Agent, port: number, method: string, path: string, body: string | undefined, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A bare Fastify app with one JSON route, in its own process, loaded by the same client. */
async function measureTrivialRoute() {
  const port = await freePort();
  const server = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench/trivial-server.ts')], {
    env: { ...process.env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitForReady(port, '/ping');
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    // Warm up both sides (JIT, sockets) first: the first thousands of requests run several times slower.
    let warm = 0;
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (warm++ < TRIVIAL_WARMUP_REQUESTS) await send(agent, port, 'GET', '/ping', undefined);
    }));
    const latencies: number[] = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < TRIVIAL_REQUESTS) {
        const t0 = performance.now();
        await send(agent, port, 'GET', '/ping', undefined);
        latencies.push(performance.now() - t0);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    return { perSecond: TRIVIAL_REQUESTS / seconds, p50: pct(latencies, 0.5), p99: pct(latencies, 0.99) };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
  }
}

export async function waitForReady(port: number, path = '/readyz') {
  const agent = new Agent({ keepAlive: false });
  for (let i = 0; i < 300; i++) {
    try {
      if ((await send(agent, port, 'GET', path, undefined)).status === 200) return;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on port ${port} did not become ready`);
}

/** The child's high-water mark of resident memory, from /proc while it still runs. */
export function peakRss(child: ChildProcess): number {
  const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
  const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}

export const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
