// The scale-out claims, tested the way an operator's chaos test would: the built `cloudpass` as separate
// `serve` and `worker` processes on one database (and one Redis), behind a real HAProxy, the webhook
// provisioner pointed at a platform that sometimes fails, and a redemption storm through the proxy while a
// random process is killed with SIGKILL every moment and started again. Once it settles, nothing is lost
// or doubled: codes, subscriptions, webhooks, emails, ledger; the limits held across processes; live
// status crossed from one `serve` to the other.
//
// PostgreSQL: two serve and two worker processes, Redis (TEST_DATABASE_URL and TEST_REDIS_URL).
// SQLite: one serve and one worker (Redis when TEST_REDIS_URL is set). Both need HAProxy (/usr/sbin/haproxy).
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { buildApp } from './app.ts';
import { createAccount, type TestAccount } from './testing/factories.ts';
import { createTestDatabase, testConfig, testRedisUrl, type TestDatabase } from './testing/harness.ts';
import { freePort, killSpawned, spawnCloudpass, type CloudpassProcess } from './testing/server.ts';
import { startSmtpReceiver, type SmtpReceiver } from './modules/mail/smtp-receiver.ts';
import { verifySignature } from './modules/provisioning/webhook-signature.ts';
import { createCampaignWithCodes, neverIssuedCode } from './modules/redemptions/redemptions.testing.ts';
import { MAX_FAILURES_PER_ACCOUNT_PER_HOUR } from './modules/redemptions/guessing-limits.ts';
import { MAX_CONSECUTIVE_FAILURES } from './modules/accounts/sign-in-throttle.ts';
import { profileOf } from './modules/subscriptions/subscriptions.testing.ts';

const HAPROXY = '/usr/sbin/haproxy';
const haproxyMissing = spawnSync(HAPROXY, ['-v']).status === 0 ? undefined : 'HAProxy is missing (apt-get install haproxy): multi-process chaos tests skipped';
const KILLS = Number(process.env.CHAOS_KILLS ?? 20);
const KILL_EVERY_MS = Number(process.env.CHAOS_KILL_EVERY_MS ?? 1000);
/** Accounts and codes seeded: more than the storm gets through while the kills go on. */
const SEEDED = 500;
const CLIENTS = 12;
const PROVISIONER_SECRET = 'chaos-provisioner-secret-0123456789';
const CREDIT = 2500;

let haproxy: ChildProcess | undefined;
const startedAt = Date.now();
const progress = (text: string) => { if (process.env.CHAOS_DEBUG) console.error(`[${((Date.now() - startedAt) / 1000).toFixed(1)} s] ${text}`); };
after(() => {
  killSpawned();
  haproxy?.kill('SIGKILL');
});

// ---- the platform: creates a subscription once per Idempotency-Key, fails one first try in ten ----------

function startPlatform() {
  const keysBySubscription = new Map<string, Set<string>>();
  const externalIdByKey = new Map<string, string>();
  const created = new Map<string, number>();
  let held: (() => void) | undefined;
  let hold: { email: string; until: Promise<void> } | undefined;
  let requests = 0;
  let badSignatures = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        if (!verifySignature(PROVISIONER_SECRET, request.headers['cloudpass-signature'] as string | undefined, body)) badSignatures++;
        const json = JSON.parse(body) as { type: string; subscription: { id: string; profile: { email?: string } } };
        const key = String(request.headers['idempotency-key']);
        const subscriptionId = json.subscription.id;
        if (json.type !== 'subscription.provision') return response.writeHead(200).end('{}');
        requests++;
        (keysBySubscription.get(subscriptionId) ?? keysBySubscription.set(subscriptionId, new Set()).get(subscriptionId)!).add(key);
        if (hold && json.subscription.profile.email === hold.email) await hold.until;
        let externalId = externalIdByKey.get(key);
        if (!externalId) {
          if (Math.random() < 0.1) return response.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"busy"}');
          externalId = `platform-${randomUUID()}`;
          externalIdByKey.set(key, externalId);
          created.set(subscriptionId, (created.get(subscriptionId) ?? 0) + 1);
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ externalId }));
      })();
    });
  });
  return {
    keysBySubscription, externalIdByKey, created,
    get requests() { return requests; },
    get badSignatures() { return badSignatures; },
    /** Keeps the webhooks of the subscriptions of `email` waiting until `release`. */
    hold(email: string) { hold = { email, until: new Promise<void>((resolve) => { held = resolve; }) }; },
    release() { held?.(); hold = undefined; },
    async listen() {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/provision`;
    },
    close: () => { server.closeAllConnections(); return new Promise<void>((resolve) => server.close(() => resolve())); },
  };
}

// ---- processes that can be killed and started again ----------------------------------------------------

interface Member { name: string; args: string[]; env: Record<string, string>; port?: number; process?: CloudpassProcess; starts: number }

function start(member: Member) {
  member.process = spawnCloudpass(member.args, member.env);
  member.starts++;
}

async function waitReady(member: Member, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const p = member.process!;
    if (p.child.exitCode !== null) assert.fail(`${member.name} exited with ${p.child.exitCode}:\n${p.output()}`);
    if (member.port) {
      if ((await fetch(`http://127.0.0.1:${member.port}/readyz`).catch(() => undefined))?.status === 200) return;
    } else if (/job worker started/.test(p.output())) return;
    if (Date.now() > deadline) assert.fail(`${member.name} did not start:\n${p.output()}`);
    await sleep(100);
  }
}

async function startHaproxy(dir: string, port: number, servers: { name: string; port: number }[]) {
  const config = join(dir, 'haproxy.cfg');
  writeFileSync(config, [
    'global', '  maxconn 4000',
    'defaults', '  mode http', '  timeout connect 1s', '  timeout client 60s', '  timeout server 60s',
    '  retries 3', '  option redispatch', '  retry-on conn-failure',
    'frontend web', `  bind 127.0.0.1:${port}`, '  default_backend app',
    'backend app', '  balance roundrobin', '  option httpchk GET /readyz',
    '  http-response set-header X-Served-By %[srv_name]',
    ...servers.map((s) => `  server ${s.name} 127.0.0.1:${s.port} check inter 300 fall 1 rise 1`),
    '',
  ].join('\n'));
  const child = spawn(HAPROXY, ['-f', config, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
  child.stderr.on('data', (c: Buffer) => { output += c.toString(); });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) assert.fail(`haproxy exited: ${output}`);
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) break;
    if (i > 200) assert.fail(`haproxy did not serve: ${output}`);
    await sleep(50);
  }
  return { child, base };
}

// ---- the storm ----------------------------------------------------------------------------------------

interface Figures { requests: number; retries: number; resentAfter: Record<string, number> }

/** A POST through the proxy, sent again (same body, same Idempotency-Key) while the answer is a 5xx or no answer. */
async function postUntilAnswered(base: string, path: string, account: TestAccount, body: object, figures: Figures, headers: Record<string, string> = {}) {
  for (let attempt = 0; ; attempt++) {
    figures.requests++;
    const response = await fetch(`${base}/api/v1${path}`, {
      method: 'POST', body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', origin: base, cookie: account.cookie, ...headers },
      signal: AbortSignal.timeout(30_000),
    }).catch(() => undefined);
    if (response && response.status < 500) return response;
    await response?.body?.cancel();
    if (attempt > 200) assert.fail(`${path} never answered`);
    figures.retries++;
    const why = response ? String(response.status) : 'no answer';
    figures.resentAfter[why] = (figures.resentAfter[why] ?? 0) + 1;
    await sleep(50 + Math.random() * 100);
  }
}

/** Reads a subscription's live status from one `serve` until it says `want`. */
async function watchStatus(url: string, cookie: string, want: string, onOpen: (first: string) => void): Promise<string[]> {
  const response = await fetch(url, { headers: { cookie, accept: 'text/event-stream' }, signal: AbortSignal.timeout(45_000) });
  assert.equal(response.status, 200);
  const seen: string[] = [];
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = /^data: (.*)$/m.exec(event)?.[1];
      if (!data) continue;
      const { status } = JSON.parse(data) as { status: string };
      seen.push(status);
      if (seen.length === 1) onOpen(status);
      if (status === want) return seen;
    }
  }
  return seen;
}

async function chaos(kind: 'sqlite' | 'postgres') {
  const useRedis = kind === 'postgres' || testRedisUrl !== undefined;
  const dir = mkdtempSync(join(tmpdir(), 'cloudpass-chaos-'));
  const platform = startPlatform();
  let smtp: SmtpReceiver | undefined;
  let database: TestDatabase | undefined;
  const members: Member[] = [];
  try {
    database = await createTestDatabase(kind);
    smtp = await startSmtpReceiver();
    const provisionerUrl = await platform.listen();
    const proxyPort = await freePort();
    const base = `http://127.0.0.1:${proxyPort}`;
    const env = {
      DATABASE_URL: database.url, PUBLIC_URL: base, SMTP_URL: smtp.url, PROVISIONER_URL: provisionerUrl,
      PROVISIONER_SECRET, LOG_LEVEL: 'warn', ...(useRedis ? { REDIS_URL: testRedisUrl! } : {}),
    };
    const serves = kind === 'postgres' ? ['a', 'b'] : ['a'];
    for (const name of serves) {
      const port = await freePort();
      members.push({ name: `serve ${name}`, args: ['serve'], env: { ...env, PORT: String(port), HOST: '127.0.0.1' }, port, starts: 0 });
    }
    for (const name of kind === 'postgres' ? ['c', 'd'] : ['c']) {
      members.push({ name: `worker ${name}`, args: ['worker', '--concurrency', '4'], env: { ...env, LOG_LEVEL: 'info' }, starts: 0 });
    }

    // Seeded directly: a campaign, its codes, verified accounts with sessions.
    const config = testConfig(database.url, { PUBLIC_URL: base });
    const seeder = await buildApp({ config, database: database.handle, logger: false });
    const campaign = await createCampaignWithCodes(seeder, config, { count: SEEDED, creditAmount: CREDIT });
    const accounts: TestAccount[] = [];
    for (let i = 0; i < SEEDED; i++) accounts.push(await createAccount(seeder, config));
    const guesser = await createAccount(seeder, config);
    const probe = await createAccount(seeder, config);
    await seeder.close();

    progress('seeded');
    for (const member of members) start(member);
    for (const member of members) await waitReady(member);
    const proxy = await startHaproxy(dir, proxyPort, members.filter((m) => m.port).map((m) => ({ name: m.name.replace(' ', '-'), port: m.port! })));
    haproxy = proxy.child;
    const figures: Figures = { requests: 0, retries: 0, resentAfter: {} };

    // Live status: activated through the last serve, watched on the first; the platform holds the webhook
    // until the stream is open, so the change to active can only arrive as news.
    const [first, last] = [members[0]!, members[serves.length - 1]!];
    const direct = (m: Member) => `http://127.0.0.1:${m.port}`;
    const redeemed = await fetch(`${direct(last)}/api/v1/redemptions`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: base, cookie: probe.cookie },
      body: JSON.stringify({ code: campaign.codes[SEEDED - 1], country: 'FI' }),
    });
    assert.equal(redeemed.status, 201, await redeemed.clone().text());
    const redemptionId = ((await redeemed.json()) as { id: string }).id;
    platform.hold(probe.email);
    const probeKey = randomUUID();
    const activated = await fetch(`${direct(last)}/api/v1/subscriptions`, {
      method: 'POST', headers: { 'content-type': 'application/json', origin: base, cookie: probe.cookie, 'idempotency-key': probeKey },
      body: JSON.stringify({ offer: 'pass', redemptionId, profile: profileOf(probe) }),
    });
    assert.equal(activated.status, 202, await activated.clone().text());
    const probeId = ((await activated.json()) as { id: string }).id;
    const liveStarted = Date.now();
    const live = await watchStatus(`${direct(first)}/api/v1/subscriptions/${probeId}/events`, probe.cookie, 'active', () => platform.release());
    assert.deepEqual([live[0] !== 'active', live.at(-1)], [true, 'active'], `live status on ${first.name} of a subscription activated on ${last.name}: ${live.join(' → ')}`);
    const liveMs = Date.now() - liveStarted;

    progress(`live status: ${live.join(' → ')}`);
    // The storm, through the proxy, while processes are killed.
    const activations = new Map<string, number>();
    const failures: string[] = [];
    let next = 0;
    let stormOver = false;
    const pair = async (i: number) => {
      const account = accounts[i]!;
      const redemption = await postUntilAnswered(base, '/redemptions', account, { code: campaign.codes[i], country: 'FI' }, figures);
      if (redemption.status !== 201 && redemption.status !== 200) return failures.push(`redeem ${redemption.status} ${await redemption.text()}`);
      const { id } = (await redemption.json()) as { id: string };
      const subscription = await postUntilAnswered(base, '/subscriptions', account, { offer: 'pass', redemptionId: id, profile: profileOf(account) }, figures, { 'idempotency-key': randomUUID() });
      if (subscription.status !== 202 && subscription.status !== 200) return failures.push(`activate ${subscription.status} ${await subscription.text()}`);
      activations.set(((await subscription.json()) as { id: string }).id, Date.now());
    };
    const storm = Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (!stormOver && next < SEEDED - 1 && failures.length < 5) await pair(next++);
    }));

    // Guessing and wrong passwords beside the storm, spread over the serve processes by the proxy.
    const servedBy = new Set<string>();
    const limits = (async () => {
      let guessesCounted = 0;
      let guessesRefused = 0;
      for (let i = 0; i < MAX_FAILURES_PER_ACCOUNT_PER_HOUR * 2; i++) {
        const response = await postUntilAnswered(base, '/redemptions', guesser, { code: neverIssuedCode(), country: 'FI' }, figures);
        servedBy.add(response.headers.get('x-served-by') ?? '?');
        if (response.status === 404) guessesCounted++;
        else if (response.status === 429) guessesRefused++;
        else failures.push(`guess ${response.status} ${await response.text()}`);
        await sleep(100);
      }
      let signInsCounted = 0;
      let signInsRefused = 0;
      for (let i = 0; i < MAX_CONSECUTIVE_FAILURES * 2; i++) {
        const response = await postUntilAnswered(base, '/sessions', { ...guesser, cookie: '' }, { email: guesser.email, password: 'not the password at all' }, figures);
        servedBy.add(response.headers.get('x-served-by') ?? '?');
        if (response.status === 401) signInsCounted++;
        else if (response.status === 429) signInsRefused++;
        else failures.push(`sign-in ${response.status} ${await response.text()}`);
        await sleep(100);
      }
      return { guessesCounted, guessesRefused, signInsCounted, signInsRefused };
    })();

    let kills = 0;
    for (; kills < KILLS && failures.length === 0; kills++) {
      await sleep(KILL_EVERY_MS * (0.5 + Math.random()));
      const victim = members[Math.floor(Math.random() * members.length)]!;
      victim.process!.child.kill('SIGKILL');
      await victim.process!.exited;
      start(victim);
      await waitReady(victim);
      progress(`killed and restarted ${victim.name}; ${activations.size} pairs, ${figures.requests} requests`);
    }
    stormOver = true;
    await storm;
    progress('storm over');
    const limitFigures = await limits;
    progress(`limits: ${JSON.stringify(limitFigures)}`);
    assert.deepEqual(failures, []);

    // Settled: every activation that was answered 2xx ends active (a killed worker's jobs wait out their lease).
    const { db } = database.handle;
    const ids = [...activations.keys(), probeId];
    const deadline = Date.now() + 120_000;
    for (;;) {
      const open = await db.selectFrom('subscriptions').select(['id', 'status']).where('status', 'in', ['pending', 'provisioning']).execute();
      if (open.length === 0) break;
      if (Date.now() > deadline) assert.fail(`still not active: ${open.map((s) => `${s.id} ${s.status}`).slice(0, 10).join(', ')}\n${members.map((m) => `${m.name}:\n${m.process?.output()}`).join('\n')}`);
      await sleep(250);
    }
    const subscriptions = await db.selectFrom('subscriptions').selectAll().execute();
    const byId = new Map(subscriptions.map((s) => [s.id, s]));
    for (const id of ids) assert.equal(byId.get(id)?.status, 'active', `subscription ${id} answered 2xx ends active`);
    assert.equal(subscriptions.length, ids.length, 'no subscription nobody was answered for');

    // Codes and redemptions: each code redeemed at most once, each redemption at most one subscription.
    const redemptions = await db.selectFrom('redemptions').selectAll().where('state', '!=', 'released').execute();
    assert.equal(new Set(redemptions.map((r) => r.code_hash)).size, redemptions.length, 'every code redeemed at most once');
    const codes = await db.selectFrom('pass_codes').select(['code_hash', 'state', 'account_id']).where('state', '=', 'redeemed').execute();
    assert.equal(codes.length, redemptions.length, 'every redeemed code has one redemption');
    const perRedemption = new Map<string, number>();
    for (const s of subscriptions) perRedemption.set(s.redemption_id!, (perRedemption.get(s.redemption_id!) ?? 0) + 1);
    assert.ok([...perRedemption.values()].every((n) => n === 1), 'every redemption at most one subscription');

    // The platform: one Idempotency-Key per subscription however often it was sent, each created once, signed.
    assert.equal(platform.badSignatures, 0, 'every webhook signed');
    for (const s of subscriptions) {
      assert.equal(platform.keysBySubscription.get(s.id)?.size, 1, `one Idempotency-Key for ${s.id}`);
      assert.equal(platform.created.get(s.id), 1, `created once on the platform: ${s.id}`);
      assert.equal(s.external_id, platform.externalIdByKey.get([...platform.keysBySubscription.get(s.id)!][0]!), 'with the platform\'s id');
    }

    // The ledger: one grant of the campaign's credit per subscription; sums are grants minus usage.
    const ledger = await db.selectFrom('credit_ledger').selectAll().execute();
    const grants = ledger.filter((e) => e.kind === 'grant');
    assert.equal(grants.length, subscriptions.length);
    assert.equal(new Set(grants.map((g) => g.subscription_id)).size, subscriptions.length, 'one grant each');
    assert.ok(grants.every((g) => g.amount === CREDIT));
    const usage = ledger.filter((e) => e.kind === 'usage').reduce((sum, e) => sum + e.amount, 0);
    assert.equal(ledger.reduce((sum, e) => sum + e.amount, 0), CREDIT * subscriptions.length + usage);

    // Limits held across the serve processes: no more failures counted than one process would allow.
    if (kind === 'postgres') assert.ok(servedBy.has('serve-a') && servedBy.has('serve-b'), `both serve processes answered: ${[...servedBy].join(', ')}`);
    if (useRedis) {
      assert.ok(limitFigures.guessesCounted <= MAX_FAILURES_PER_ACCOUNT_PER_HOUR, `guesses counted ${limitFigures.guessesCounted} ≤ ${MAX_FAILURES_PER_ACCOUNT_PER_HOUR}`);
      assert.ok(limitFigures.guessesRefused >= MAX_FAILURES_PER_ACCOUNT_PER_HOUR - 1, 'then refused');
      assert.ok(limitFigures.signInsCounted <= MAX_CONSECUTIVE_FAILURES, `wrong passwords answered ${limitFigures.signInsCounted} ≤ ${MAX_CONSECUTIVE_FAILURES}`);
      assert.ok(limitFigures.signInsRefused >= MAX_CONSECUTIVE_FAILURES - 1, 'then refused');
    }

    // Email: none delivered twice.
    const sent = smtp.mails.map((m) => `${m.to.join(',')} ${m.subject}`);
    const twice = sent.filter((key, i) => sent.indexOf(key) !== i);
    assert.deepEqual(twice, [], 'no email sent twice');

    const slowest = Math.max(...subscriptions.map((s) => Date.parse(s.starts_at!) - Date.parse(s.created_at)));
    const webhookRetries = platform.requests - platform.keysBySubscription.size;
    console.log(`chaos [${kind}]: ${members.length} processes behind HAProxy, ${kills} SIGKILLs (${members.map((m) => `${m.name} started ${m.starts}×`).join(', ')}); `
      + `${figures.requests} requests through the proxy, ${figures.retries} resent after a 5xx or no answer (${JSON.stringify(figures.resentAfter)}); ${activations.size} pairs; `
      + `${platform.requests} webhooks for ${platform.keysBySubscription.size} subscriptions (${webhookRetries} retries); slowest to active ${(slowest / 1000).toFixed(1)} s; `
      + `${smtp.mails.length} emails; live status across serves in ${liveMs} ms; guesses counted ${limitFigures.guessesCounted}, refused ${limitFigures.guessesRefused}; `
      + `wrong passwords counted ${limitFigures.signInsCounted}, refused ${limitFigures.signInsRefused}`);
    assert.ok(kills >= KILLS, 'every kill happened');
    assert.ok(figures.retries > 0 || webhookRetries > 0, 'the kills were felt');
  } finally {
    haproxy?.kill('SIGKILL');
    for (const member of members) member.process?.child.kill('SIGKILL');
    await Promise.all(members.flatMap((m) => (m.process ? [m.process.exited] : [])));
    await platform.close();
    await smtp?.close();
    await database?.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('chaos: processes killed during a redemption storm behind HAProxy', () => {
  const pgSkip = haproxyMissing
    ?? (!process.env.TEST_DATABASE_URL ? 'TEST_DATABASE_URL is not set: PostgreSQL chaos test skipped' : undefined)
    ?? (!testRedisUrl ? 'TEST_REDIS_URL is not set: PostgreSQL chaos test (two serve processes share limits in Redis) skipped' : undefined);
  test('PostgreSQL: two serve, two worker, Redis', { skip: pgSkip, timeout: 300_000 }, () => chaos('postgres'));
  test('SQLite: one serve, one worker', { skip: haproxyMissing, timeout: 300_000 }, () => chaos('sqlite'));
});
