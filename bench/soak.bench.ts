// `npm run bench soak` (not part of a plain `npm run bench`): steady mixed traffic against one `cloudpass
// serve` for SOAK_MINUTES (30 by default): redeem+activate pairs, subscription reads, usage reported by the
// platform for active subscriptions, page views. Each
// minute it samples the server's resident memory (/proc) and event-loop delay (p99 from /metrics), and at
// the end says how much each grew after the warm-up (the first SOAK_WARMUP_MINUTES, 5 by default, or a
// fifth of a shorter run). Targets: no error, growth after warm-up ≤ 10%.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent } from 'node:http';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { connectDatabase } from '../src/db/connect.ts';
import { systemClock } from '../src/lib/clock.ts';
import { createMetrics } from '../src/lib/metrics.ts';
import { hashSessionToken } from '../src/modules/sessions/sessions.service.ts';
import { createServices } from '../src/services.ts';
import { freePort } from '../src/testing/server.ts';
import { redeemAndActivate, SECRET, seed, send, waitForReady, type Recipient } from './storm.bench.ts';
import { freshDatabase, postgresAdminUrl, type BenchReport } from './support.ts';

export const description = 'steady mixed traffic for SOAK_MINUTES (30): RSS and event-loop delay per minute, growth after warm-up';

const MINUTES = Number(process.env.SOAK_MINUTES ?? 30);
const WARMUP_MINUTES = Number(process.env.SOAK_WARMUP_MINUTES ?? Math.min(5, Math.max(1, Math.floor(MINUTES / 5))));
/** Pairs a second, spread over the minute; with reads and pages beside them. */
const PAIRS_PER_SECOND = Number(process.env.SOAK_PAIRS_PER_SECOND ?? 20);
const METRICS_TOKEN = 'soak-metrics-token-0123456789';
const root = new URL('..', import.meta.url).pathname;

export async function run(): Promise<BenchReport> {
  const kind = process.env.SOAK_DATABASE === 'postgres' && postgresAdminUrl() ? 'postgres' : 'sqlite';
  const database = await freshDatabase(kind);
  const recipients = await seed(database.url, Math.ceil(PAIRS_PER_SECOND * 60 * MINUTES * 1.05));
  const platformKey = await createPlatformKey(database.url);
  let usageEvents = 0;
  const port = await freePort();
  const server = spawn(process.execPath, [join(root, 'bin/cloudpass.js'), 'serve'], {
    env: {
      ...process.env, DATABASE_URL: database.url, CLOUDPASS_SECRET: SECRET, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn',
      PROVISION_DELAY_MS: '200', PUBLIC_URL: `http://127.0.0.1:${port}`, METRICS_TOKEN,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const samples: { minute: number; rssMb: number; loopP99Ms: number; requests: number }[] = [];
  let errors = 0;
  let requests = 0;
  try {
    await waitForReady(port);
    const started = Date.now();
    let next = 0;
    const done: Recipient[] = [];
    const inFlight = new Set<Promise<void>>();
    const track = (work: Promise<void>) => { inFlight.add(work); void work.finally(() => inFlight.delete(work)); };
    const one = async () => {
      const recipient = recipients[next++];
      if (!recipient) return;
      requests += 2;
      if (await redeemAndActivate(agent, port, recipient).catch(() => false)) done.push(recipient);
      else errors++;
      // A reader beside each pair: the list of subscriptions, and a page.
      // A reader among the people of the last few minutes: a session idle for 30 minutes has ended, by design.
      const reader = done[done.length - 1 - Math.floor(Math.random() * Math.min(done.length, 2000))];
      if (reader) {
        requests += 2;
        const list = await send(agent, port, 'GET', '/api/v1/subscriptions', undefined, { cookie: reader.cookie }).catch(() => ({ status: 0 }));
        const page = await send(agent, port, 'GET', '/portal', undefined, { cookie: reader.cookie }).catch(() => ({ status: 0 }));
        if (list.status !== 200 || page.status !== 200) errors++;
        // The platform reports a cent of usage for the reader's subscription once it is active.
        const active = list.status === 200 ? (JSON.parse((list as { body: string }).body) as { items: { id: string; status: string }[] }).items.find((i) => i.status === 'active') : undefined;
        if (active) {
          requests++;
          usageEvents++;
          const events = [{ id: `soak-${usageEvents}`, subscriptionId: active.id, amount: 1, meter: 'compute', occurredAt: new Date().toISOString() }];
          const usage = await send(agent, port, 'POST', '/api/v1/usage', JSON.stringify({ events }), { 'content-type': 'application/json', authorization: `Bearer ${platformKey}` }).catch(() => ({ status: 0 }));
          if (usage.status !== 202) errors++;
        }
      }
    };
    for (let minute = 1; minute <= MINUTES; minute++) {
      // The sessions were all made before the start; a session idle for 30 minutes ends, by design. The people
      // of the coming minute opened the site a moment ago.
      await freshenSessions(database.url, recipients.slice(next, next + PAIRS_PER_SECOND * 70));
      // An open loop: a fixed arrival rate, whatever the answers' latency.
      const minuteEnds = started + minute * 60_000;
      while (Date.now() < minuteEnds) {
        track(one());
        await new Promise((r) => setTimeout(r, 1000 / PAIRS_PER_SECOND));
      }
      const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
      const rssMb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
      const metrics = await send(agent, port, 'GET', '/metrics', undefined, { authorization: `Bearer ${METRICS_TOKEN}` }).catch(() => ({ status: 0, body: '' }));
      const loopP99Ms = Number(/^nodejs_eventloop_lag_p99_seconds (\S+)/m.exec(metrics.body)?.[1] ?? Number.NaN) * 1000;
      samples.push({ minute, rssMb, loopP99Ms, requests });
      console.log(`  minute ${minute}: RSS ${rssMb.toFixed(0)} MB, event-loop delay p99 ${loopP99Ms.toFixed(1)} ms, ${requests} requests, ${errors} errors`);
    }
    await Promise.all(inFlight);
  } finally {
    agent.destroy();
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await database.drop().catch(() => {});
  }
  const afterWarmup = samples.filter((s) => s.minute >= WARMUP_MINUTES);
  // The median of the first third of the samples after warm-up against that of the last third: a minute in
  // which the shared machine was busy elsewhere is not growth.
  const growth = (pick: (s: typeof samples[number]) => number) => {
    const width = Math.max(1, Math.floor(afterWarmup.length / 3));
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
    const first = median(afterWarmup.slice(0, width).map(pick));
    const last = median(afterWarmup.slice(-width).map(pick));
    return first > 0 ? (last - first) / first : 0;
  };
  const rssGrowth = growth((s) => s.rssMb);
  const loopGrowth = growth((s) => s.loopP99Ms);
  const short = MINUTES < 30 ? ` (a ${MINUTES}-minute run, SOAK_MINUTES; the target is for 30)` : '';
  return {
    lines: [`${kind}: ${requests} requests (${usageEvents} usage reports) in ${MINUTES} min${short}; warm-up ${WARMUP_MINUTES} min`],
    targets: [
      { label: `no errors (${errors})`, met: errors === 0 },
      { label: `RSS growth after warm-up ≤ 10% (${(rssGrowth * 100).toFixed(1)}%)`, met: rssGrowth <= 0.1 },
      { label: `event-loop delay p99 growth after warm-up ≤ 10% (${(loopGrowth * 100).toFixed(1)}%)`, met: loopGrowth <= 0.1 },
    ],
  };
}

/** A platform API key, made through the service the server uses. */
async function createPlatformKey(url: string): Promise<string> {
  const database = connectDatabase(url, { poolSize: 2 });
  try {
    const config = loadConfig({ DATABASE_URL: url, CLOUDPASS_SECRET: SECRET, LOG_LEVEL: 'silent' });
    const services = createServices({ config, db: database.db, dialect: database.dialect, clock: systemClock, metrics: createMetrics() });
    const { key } = await services.apiKeys.create({ name: 'soak', scope: 'platform' });
    await services.close();
    return key;
  } finally {
    await database.close();
  }
}

/** Marks these people's sessions as used just now, as if each had opened the site a moment before. */
async function freshenSessions(url: string, people: Recipient[]): Promise<void> {
  if (people.length === 0) return;
  const database = connectDatabase(url, { poolSize: 1 });
  try {
    const now = new Date().toISOString();
    for (let i = 0; i < people.length; i += 500) {
      await database.db.updateTable('sessions').set({ last_seen_at: now })
        .where('token_hash', 'in', people.slice(i, i + 500).map((p) => hashSessionToken(p.token))).execute();
    }
  } finally {
    await database.close();
  }
}
