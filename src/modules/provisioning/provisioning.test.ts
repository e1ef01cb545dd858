import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { apiKeyHeader, createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase, manualClock } from '../../testing/harness.ts';
import { activate, createPass, profileOf } from '../subscriptions/subscriptions.testing.ts';
import { createJobWorker, type JobLog } from '../jobs/job-worker.ts';
import { ACTIVE_SUBJECT, FAILED_SUBJECT } from './provisioning.mails.ts';
import { createProvisioningService, NOTIFY_JOB, PROVISION_JOB } from './provisioning.service.ts';
import { createWebhookProvisioner } from './provisioners.ts';
import { verifySignature } from './webhook-signature.ts';

const silent: JobLog = { info: () => {}, warn: () => {}, error: () => {} };
const DAY_MS = 24 * 60 * 60 * 1000;
const SECRET = 'provisioner-secret-0123456789';

// ---- a real platform: an HTTP server on 127.0.0.1 that answers as each test scripts it ----------------

interface Received { headers: IncomingHttpHeaders; body: string; json: { id: string; type: string; createdAt: string; subscription: Record<string, unknown> } }
type Answer = { status: number; body?: object } | 'hang';

async function startPlatform() {
  const received: Received[] = [];
  const script: Answer[] = [];
  const hanging = new Set<ServerResponse>();
  let fallback: Answer = { status: 500, body: { error: 'the platform is down' } };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      received.push({ headers: request.headers, body, json: JSON.parse(body) });
      const answer = script.shift() ?? fallback;
      if (answer === 'hang') { hanging.add(response); return; }
      response.writeHead(answer.status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/provision`,
    received,
    script,
    reset() { received.length = 0; script.length = 0; fallback = { status: 500, body: { error: 'the platform is down' } }; },
    set fallback(answer: Answer) { fallback = answer; },
    async close() {
      for (const response of hanging) response.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const platform = await startPlatform();
after(() => platform.close());

// ---- helpers ------------------------------------------------------------------------------------------

async function signUp(app: App, config: Config): Promise<{ account: TestAccount; subscriptionId: string }> {
  const account = await createAccount(app, config, { displayName: 'Ada Lovelace' });
  const pass = await createPass(app, account, { credit: 5000, currency: 'USD', days: 30, name: 'Workshop Pass' });
  const response = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) }, randomUUID());
  assert.equal(response.statusCode, 202, response.body);
  return { account, subscriptionId: response.json().id };
}

const subscriptionRow = (app: App, id: string) =>
  app.services.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

async function provisionJob(app: App, subscriptionId: string) {
  const jobs = await app.services.db.selectFrom('jobs').selectAll().where('type', '=', PROVISION_JOB).execute();
  const job = jobs.find((j) => JSON.parse(j.payload).subscriptionId === subscriptionId);
  assert.ok(job, 'the provisioning job exists');
  return job;
}

const mailsTo = (app: App, to: string) =>
  app.services.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', to).orderBy('created_at').execute();

/** Sorted: entries written at the same (manual) instant have no order among them. */
async function auditActions(app: App, subscriptionId: string) {
  return (await app.services.audit.list({ subjectId: subscriptionId })).map((e) => e.action).sort();
}

function watchStatuses(app: App, subscriptionId: string): string[] {
  const statuses: string[] = [];
  app.services.subscriptionEvents.subscribe(subscriptionId, (event) => statuses.push(event.status));
  return statuses;
}

const worker = (app: App) => app.services.jobs.createWorker({ log: silent, workerId: `test-${randomUUID().slice(0, 8)}` });

// ---- built-in provisioner -----------------------------------------------------------------------------

const builtinClock = manualClock();
describeEachDatabase('built-in provisioner', (ctx) => {
  test('activates after the configured delay: the job puts itself back rather than sleeping', async () => {
    const { app, config } = ctx();
    const { account, subscriptionId } = await signUp(app, config);
    const statuses = watchStatuses(app, subscriptionId);
    const jobs = worker(app);
    const firstTry = builtinClock.now();

    await jobs.runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');
    const job = await provisionJob(app, subscriptionId);
    assert.equal(job.run_at, iso(addMs(firstTry, 5000)));
    assert.equal(job.done_at, null);
    assert.equal(job.last_error, null);

    builtinClock.advance(4999);
    await jobs.runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');

    builtinClock.advance(1);
    await jobs.runDue();
    const row = await subscriptionRow(app, subscriptionId);
    assert.equal(row.status, 'active');
    assert.match(row.external_id ?? '', /^builtin-[0-9a-f-]{36}$/);
    assert.equal(row.starts_at, iso(builtinClock.now()));
    assert.equal(row.ends_at, iso(addMs(builtinClock.now(), 30 * DAY_MS)));
    assert.ok((await provisionJob(app, subscriptionId)).done_at);
    assert.deepEqual(statuses, ['provisioning', 'active']);
    assert.deepEqual(await auditActions(app, subscriptionId), ['subscription.activated', 'subscription.created', 'subscription.provisioning']);

    const mails = await mailsTo(app, account.email);
    const active = mails.filter((m) => m.subject === ACTIVE_SUBJECT);
    assert.equal(active.length, 1);
    assert.ok(active[0]!.text_body.includes(`${config.publicUrl.origin}/subscriptions/${subscriptionId}`));
    assert.ok(active[0]!.text_body.includes(`${config.publicUrl.origin}/portal`));
    assert.match(active[0]!.text_body, /\$50\.00 of credit until/);

    const view = await app.inject({ method: 'GET', url: `/api/v1/subscriptions/${subscriptionId}`, headers: { cookie: account.cookie } });
    assert.equal(view.json().status, 'active');
    assert.equal(view.json().externalId, row.external_id);

    await jobs.runDue();
    assert.equal((await mailsTo(app, account.email)).filter((m) => m.subject === ACTIVE_SUBJECT).length, 1, 'nothing is sent twice');
  });

  test('the "active" email is written with the activation, in its transaction: no notify job, and once however often it is confirmed', async () => {
    const { app, config } = ctx();
    const { account, subscriptionId } = await signUp(app, config);
    const jobs = worker(app);
    await jobs.runDue();
    builtinClock.advance(5000);
    // The job's last run: the status change and the email commit together, nothing is left to run.
    const ran = await jobs.runDue();
    assert.equal(ran, 1, 'the provisioning job alone ran: no notify job was queued');
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'active');
    const notify = await app.services.db.selectFrom('jobs').select('id').where('type', '=', NOTIFY_JOB).execute();
    assert.equal(notify.length, 0);
    const active = (await mailsTo(app, account.email)).filter((m) => m.subject === ACTIVE_SUBJECT);
    assert.equal(active.length, 1);
    assert.match(active[0]!.text_body, /\$50\.00 of credit until/);

    const externalId = (await subscriptionRow(app, subscriptionId)).external_id!;
    await app.services.provisioning.completeProvisioning(subscriptionId, externalId);
    await app.services.provisioning.completeProvisioning(subscriptionId, externalId);
    assert.equal((await mailsTo(app, account.email)).filter((m) => m.subject === ACTIVE_SUBJECT).length, 1, 'a repeated confirmation writes no second email');
  });

  test('an activation whose transaction fails leaves neither the status nor the email', async () => {
    const { app, config } = ctx();
    const { account, subscriptionId } = await signUp(app, config);
    const { db } = app.services;
    await worker(app).runDue();
    // The outbox refuses the write: the status change rolls back with it, and the job is retried.
    const broken = app.services.jobs.createWorker({ log: silent, workerId: `test-${randomUUID().slice(0, 8)}` });
    await db.schema.alterTable('mail_outbox').renameTo('mail_outbox_away').execute();
    try {
      builtinClock.advance(5000);
      await broken.runDue();
    } finally {
      await db.schema.alterTable('mail_outbox_away').renameTo('mail_outbox').execute();
    }
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');
    assert.equal((await mailsTo(app, account.email)).length, 0);
    assert.ok((await provisionJob(app, subscriptionId)).last_error, 'the failed try is recorded and retried');
  });

  test('the "active" email is written in the language the recipient last used', async () => {
    const { app, config } = ctx();
    const { account, subscriptionId } = await signUp(app, config);
    await app.services.db.updateTable('accounts').set({ locale: 'fi' }).where('id', '=', account.id).execute();
    const jobs = worker(app);
    await jobs.runDue();
    builtinClock.advance(5000);
    await jobs.runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'active');
    await jobs.runDue();
    const mails = (await mailsTo(app, account.email)).filter((m) => m.subject === 'Tilauksesi on käytössä');
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.text_body, /^Hei Ada Lovelace,/);
    assert.match(mails[0]!.text_body, /Tilauksesi Workshop Pass on valmis käyttöön\. Siinä on 50,00\s\$ krediittiä/);
  });

  test('a cancelled subscription is not provisioned', async () => {
    const { app, config } = ctx();
    const { account, subscriptionId } = await signUp(app, config);
    const cancel = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancel.statusCode, 200, cancel.body);
    builtinClock.advance(10_000);
    await worker(app).runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'cancelled');
    assert.ok((await provisionJob(app, subscriptionId)).done_at);
  });
}, { env: { PROVISION_DELAY_MS: '5000' }, clock: builtinClock });

// ---- webhook provisioner ------------------------------------------------------------------------------

function checkSigned(requests: Received[]) {
  for (const request of requests) {
    assert.equal(verifySignature(SECRET, request.headers['cloudpass-signature'] as string, request.body, 300), true, 'signed with PROVISIONER_SECRET');
    assert.equal(verifySignature('another-secret-0123456789', request.headers['cloudpass-signature'] as string, request.body, 300), false);
    assert.match(request.headers['content-type'] ?? '', /^application\/json/);
    assert.equal(request.headers['idempotency-key'], request.json.id);
  }
  assert.equal(new Set(requests.map((r) => r.headers['idempotency-key'])).size, 1, 'the same Idempotency-Key on every retry');
}

const webhookClock = manualClock();
describeEachDatabase('webhook provisioner', (ctx) => {
  test('a 500, then a 200 with an externalId: retried with backoff, then active; every call signed with one Idempotency-Key', async () => {
    const { app, config } = ctx();
    platform.reset();
    platform.script.push({ status: 500, body: { error: 'busy' } }, { status: 200, body: { externalId: 'plat-123' } });
    const { account, subscriptionId } = await signUp(app, config);
    const jobs = worker(app);

    await jobs.runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');
    const job = await provisionJob(app, subscriptionId);
    assert.match(job.last_error ?? '', /answered 500/);
    const wait = new Date(job.run_at).getTime() - webhookClock.now().getTime();
    assert.ok(wait >= 500 && wait <= 1000, `first retry after ${wait} ms`);

    webhookClock.advance(1000);
    await jobs.runDue();
    const row = await subscriptionRow(app, subscriptionId);
    assert.equal(row.status, 'active');
    assert.equal(row.external_id, 'plat-123');
    assert.equal(row.ends_at, iso(addMs(webhookClock.now(), 30 * DAY_MS)));

    assert.equal(platform.received.length, 2);
    checkSigned(platform.received);
    const [first, second] = platform.received;
    assert.equal(first!.body, second!.body, 'the retry sends the same request');
    assert.equal(first!.json.type, 'subscription.provision');
    assert.equal(first!.json.id, job.id);
    assert.equal(first!.json.createdAt, job.created_at);
    const sent = first!.json.subscription;
    assert.equal(sent.id, subscriptionId);
    assert.equal(sent.offer, 'pass');
    assert.equal(sent.accountId, account.id);
    assert.equal(sent.validityDays, 30);
    assert.deepEqual(sent.credit, { amount: 5000, currency: 'USD' });
    assert.equal((sent.profile as { email: string }).email, account.email);

    assert.equal((await mailsTo(app, account.email)).filter((m) => m.subject === ACTIVE_SUBJECT).length, 1);
  });

  test('a platform that does not answer in time is retried, not waited on', async () => {
    const { app, config } = ctx();
    platform.reset();
    platform.script.push('hang', { status: 201, body: { externalId: 'plat-late' } });
    const { subscriptionId } = await signUp(app, config);
    const { db, audit, mail, accounts, subscriptionEvents, subscriptions, support, credit, jobs: jobService } = app.services;
    // The hanging answer never comes; the timeout only has to be longer than a real answer takes on a
    // loaded machine (at 200 ms, a busy CI box timed out the good answer too).
    const impatient = createProvisioningService({
      db, clock: webhookClock, config, metrics: app.metrics, audit, mail, accounts, subscriptionEvents, subscriptions, support, credit, jobs: jobService,
      provisioner: createWebhookProvisioner({ url: platform.url, secret: SECRET, timeoutMs: 3000 }),
    });
    const jobs = createJobWorker({ db, dialect: jobService.dialect, clock: webhookClock, handlers: impatient.handlers, log: silent });

    await jobs.runDue();
    const job = await provisionJob(app, subscriptionId);
    assert.match(job.last_error ?? '', /did not answer within 3000 ms/);
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');

    webhookClock.advance(1000);
    await jobs.runDue();
    const row = await subscriptionRow(app, subscriptionId);
    assert.equal(row.status, 'active');
    assert.equal(row.external_id, 'plat-late');
    assert.equal(platform.received.length, 2);
    checkSigned(platform.received);
  });

  test('a 202 waits for the platform to call /provisioned; that call is idempotent and guarded', async () => {
    const { app, config } = ctx();
    platform.reset();
    platform.script.push({ status: 202, body: { status: 'accepted' } });
    const { account, subscriptionId } = await signUp(app, config);
    const statuses = watchStatuses(app, subscriptionId);
    const jobs = worker(app);

    await jobs.runDue();
    assert.equal(platform.received.length, 1);
    checkSigned(platform.received);
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');
    assert.ok((await provisionJob(app, subscriptionId)).done_at, 'no retries while the platform works');
    webhookClock.advance(DAY_MS / 2);
    await jobs.runDue();
    assert.equal(platform.received.length, 1);

    const url = `/api/v1/subscriptions/${subscriptionId}/provisioned`;
    const platformKey = await apiKeyHeader(app, 'platform');
    const call = (payload: object, authorization?: string, path = url) =>
      app.inject({ method: 'POST', url: path, headers: authorization ? { authorization } : {}, payload });

    assert.equal((await call({ externalId: 'plat-202' })).statusCode, 401);
    assert.equal((await call({ externalId: 'plat-202' }, await apiKeyHeader(app, 'operator'))).statusCode, 403);
    const empty = await call({ externalId: '' }, platformKey);
    assert.equal(empty.statusCode, 400);
    assert.equal(empty.json().code, 'validation_failed');
    assert.equal((await call({ externalId: 'plat-202' }, platformKey, `/api/v1/subscriptions/${randomUUID()}/provisioned`)).statusCode, 404);
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning', 'refused calls change nothing');

    const confirmed = await call({ externalId: 'plat-202' }, platformKey);
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(confirmed.json().status, 'active');
    assert.equal(confirmed.json().externalId, 'plat-202');
    assert.equal(confirmed.json().endsAt, iso(addMs(webhookClock.now(), 30 * DAY_MS)));
    const again = await call({ externalId: 'plat-202' }, platformKey);
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), confirmed.json());
    const other = await call({ externalId: 'plat-other' }, platformKey);
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().code, 'conflict');

    await jobs.runDue();
    assert.deepEqual(statuses, ['provisioning', 'active']);
    assert.equal((await mailsTo(app, account.email)).filter((m) => m.subject === ACTIVE_SUBJECT).length, 1);
    const actions = await auditActions(app, subscriptionId);
    assert.equal(actions.filter((a) => a === 'subscription.activated').length, 1);
    assert.ok(actions.includes('subscription.provisioning_accepted'));
    const activated = (await app.services.audit.list({ subjectId: subscriptionId })).find((e) => e.action === 'subscription.activated');
    assert.equal(activated?.actor.type, 'apikey');
  });

  test('/provisioned for a cancelled subscription is 409 and changes nothing', async () => {
    const { app, config } = ctx();
    platform.reset();
    const { account, subscriptionId } = await signUp(app, config);
    const cancel = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancel.statusCode, 200);
    const response = await app.inject({
      method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/provisioned`,
      headers: { authorization: await apiKeyHeader(app, 'platform') }, payload: { externalId: 'too-late' },
    });
    assert.equal(response.statusCode, 409);
    assert.equal(response.json().code, 'conflict');
    const row = await subscriptionRow(app, subscriptionId);
    assert.equal(row.status, 'cancelled');
    assert.equal(row.external_id, null);
    await worker(app).runDue();
    assert.equal(platform.received.length, 0, 'a cancelled subscription is never sent to the platform');
  });

  test('cancelling an active subscription tells the platform to stop it: a signed subscription.disable, retried until it succeeds', async () => {
    const { app, config } = ctx();
    platform.reset();
    platform.script.push({ status: 200, body: { externalId: 'plat-stop' } }, { status: 500, body: { error: 'busy' } }, { status: 204 });
    const { account, subscriptionId } = await signUp(app, config);
    const jobs = worker(app);
    await jobs.runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'active');

    const cancel = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancel.statusCode, 200, cancel.body);
    await jobs.runDue();
    assert.ok(!(await auditActions(app, subscriptionId)).includes('subscription.disabled_on_platform'), 'not yet: the platform answered 500');
    webhookClock.advance(1000);
    await jobs.runDue();

    const disables = platform.received.filter((r) => r.json.type === 'subscription.disable');
    assert.equal(disables.length, 2);
    checkSigned(disables);
    assert.equal(disables[0]!.json.subscription.id, subscriptionId);
    assert.equal(disables[0]!.json.subscription.externalId, 'plat-stop');
    assert.equal((disables[0]!.json as { reason?: string }).reason, 'cancelled', 'the top-level reason of API.md');
    assert.ok((await auditActions(app, subscriptionId)).includes('subscription.disabled_on_platform'));
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'cancelled');
    await jobs.runDue();
    assert.equal(platform.received.filter((r) => r.json.type === 'subscription.disable').length, 2, 'sent until it succeeded, then never again');
  });

  test('cancelled while the platform was creating it: once it answers, it is told to stop it, with its externalId', async () => {
    const { app, config } = ctx();
    const { account, subscriptionId } = await signUp(app, config);
    const { db, audit, mail, accounts, subscriptionEvents, subscriptions, support, credit, jobs: jobService } = app.services;
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => { answer = resolve; });
    let provisionCalled!: () => void;
    const calling = new Promise<void>((resolve) => { provisionCalled = resolve; });
    const disabled: string[] = [];
    // The platform at the edge of the world: it takes its time creating the subscription.
    const slowPlatform = createProvisioningService({
      db, clock: webhookClock, config, metrics: app.metrics, audit, mail, accounts, subscriptionEvents, subscriptions, support, credit, jobs: jobService,
      provisioner: {
        name: 'webhook',
        async provision() { provisionCalled(); await answered; return { kind: 'provisioned', externalId: 'plat-slow' }; },
        async disable(request) { disabled.push(`${request.subscription.id} ${request.subscription.externalId}`); },
        async remove() {},
      },
    });
    const jobs = createJobWorker({ db, dialect: jobService.dialect, clock: webhookClock, handlers: slowPlatform.handlers, log: silent });
    const running = jobs.runDue();
    await calling;
    const cancel = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancel.statusCode, 200, cancel.body);
    answer();
    await running;
    const row = await subscriptionRow(app, subscriptionId);
    assert.deepEqual([row.status, row.external_id], ['cancelled', 'plat-slow']);
    // Cancelled while provisioning, so a disable was also queued at once; the platform may get both,
    // but the one sent after its answer names what it created.
    assert.ok(disabled.includes(`${subscriptionId} plat-slow`), `told to stop what it just created: ${disabled.join(', ')}`);
    assert.ok(disabled.every((d) => d.startsWith(subscriptionId)));
  });

  test('cancelling before provisioning started sends nothing to the platform', async () => {
    const { app, config } = ctx();
    platform.reset();
    const { account, subscriptionId } = await signUp(app, config);
    const cancel = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancel.statusCode, 200);
    await worker(app).runDue();
    assert.equal(platform.received.length, 0);
  });

  test('a 202 the platform never confirms fails after a day, with a support case', async () => {
    const { app, config } = ctx();
    platform.reset();
    platform.script.push({ status: 202 });
    const { account, subscriptionId } = await signUp(app, config);
    const jobs = worker(app);
    await jobs.runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');
    webhookClock.advance(DAY_MS - 1);
    await jobs.runDue();
    assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning', 'still within the day');
    webhookClock.advance(1);
    await jobs.runDue();
    const row = await subscriptionRow(app, subscriptionId);
    assert.equal(row.status, 'failed');
    assert.match(row.failure_reason ?? '', /never confirmed/);
    const cases = await app.services.db.selectFrom('support_cases').select('id').where('subscription_id', '=', subscriptionId).execute();
    assert.equal(cases.length, 1);
    assert.equal((await mailsTo(app, account.email)).filter((m) => m.subject === FAILED_SUBJECT).length, 1);
    assert.equal(platform.received.length, 1);
  });

  test('after 24 hours of failures: failed, a support case, emails to the recipient and every operator admin, a metric', async () => {
    const { app, config } = ctx();
    platform.reset();
    const operator = await createAccount(app, config, { operatorAdmin: true, displayName: 'Olga Operator' });
    const { account, subscriptionId } = await signUp(app, config);
    const statuses = watchStatuses(app, subscriptionId);
    const errors: string[] = [];
    const jobs = app.services.jobs.createWorker({ log: { ...silent, error: (_o, msg) => { errors.push(msg); } } });
    const start = webhookClock.now();

    const waits: number[] = [];
    for (let tries = 1; ; tries++) {
      assert.ok(tries < 100, 'gives up eventually');
      await jobs.runDue();
      const job = await provisionJob(app, subscriptionId);
      if (job.failed_at) break;
      assert.equal((await subscriptionRow(app, subscriptionId)).status, 'provisioning');
      const wait = new Date(job.run_at).getTime() - webhookClock.now().getTime();
      waits.push(wait);
      webhookClock.set(new Date(job.run_at));
    }
    assert.ok(waits.every((w) => w > 0 && w <= 60 * 60 * 1000), 'never more than an hour between tries');
    assert.ok(waits[5]! > waits[0]! * 8, 'the waits grow exponentially');
    assert.ok(webhookClock.now().getTime() - start.getTime() >= DAY_MS, 'retried for at least a day');
    assert.equal(platform.received.length, waits.length + 1);
    checkSigned(platform.received);

    const row = await subscriptionRow(app, subscriptionId);
    assert.equal(row.status, 'failed');
    assert.match(row.failure_reason ?? '', /answered 500/);
    assert.deepEqual(statuses.slice(-1), ['failed']);

    const db = app.services.db;
    const cases = await db.selectFrom('support_cases').selectAll().where('subscription_id', '=', subscriptionId).execute();
    assert.equal(cases.length, 1);
    assert.equal(cases[0]!.category, 'activation');
    assert.equal(cases[0]!.status, 'open');
    assert.equal(cases[0]!.account_id, account.id);
    assert.equal(cases[0]!.subject, `Provisioning failed for subscription ${subscriptionId}`);
    const messages = await db.selectFrom('support_messages').selectAll().where('case_id', '=', cases[0]!.id).execute();
    assert.deepEqual(messages.map((m) => m.author_type), ['system']);

    const recipientMail = (await mailsTo(app, account.email)).filter((m) => m.subject === FAILED_SUBJECT);
    assert.equal(recipientMail.length, 1);
    assert.ok(recipientMail[0]!.text_body.includes(`${config.publicUrl.origin}/subscriptions/${subscriptionId}`));
    assert.ok(recipientMail[0]!.text_body.includes(cases[0]!.id));
    const operatorMail = (await mailsTo(app, operator.email)).filter((m) => m.subject.includes(subscriptionId));
    assert.equal(operatorMail.length, 1);
    assert.match(operatorMail[0]!.text_body, /answered 500/);
    assert.ok(errors.some((msg) => /provisioning failed for good/.test(msg)), 'logged at error level');
    const metric = (await app.metrics.provisioning.get()).values.find((v) => v.labels.outcome === 'failed');
    assert.ok((metric?.value ?? 0) >= 1);
    const actions = await auditActions(app, subscriptionId);
    assert.equal(actions.filter((a) => a === 'subscription.failed').length, 1);

    // A late confirmation from the platform cannot revive it.
    const late = await app.inject({
      method: 'POST', url: `/api/v1/subscriptions/${subscriptionId}/provisioned`,
      headers: { authorization: await apiKeyHeader(app, 'platform') }, payload: { externalId: 'too-late' },
    });
    assert.equal(late.statusCode, 409);
    webhookClock.advance(DAY_MS);
    await jobs.runDue();
    assert.equal((await db.selectFrom('support_cases').selectAll().where('subscription_id', '=', subscriptionId).execute()).length, 1);
    assert.equal((await mailsTo(app, account.email)).filter((m) => m.subject === FAILED_SUBJECT).length, 1);
  });
}, { env: { PROVISIONER_URL: platform.url, PROVISIONER_SECRET: SECRET }, clock: webhookClock });
