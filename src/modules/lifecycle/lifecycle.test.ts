// The life of a pass after activation, run by the job queue with the time moved by the injected clock:
// credit used up → disabled (the platform told once, signed); end date passed → expired within a minute;
// the retention period over → deleted; end moved later → running again; each email once, with two workers;
// and a service that was down over an end date catches up when it starts.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { buildApp, type App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { apiKeyHeader, createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase, manualClock } from '../../testing/harness.ts';
import type { JobLog } from '../jobs/job-worker.ts';
import { verifySignature } from '../provisioning/webhook-signature.ts';
import { activate, createPass, moveSubscription, profileOf } from '../subscriptions/subscriptions.testing.ts';

const silent: JobLog = { info: () => {}, warn: () => {}, error: () => {} };
const SECRET = 'lifecycle-platform-secret-0123456789';
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

// A platform that accepts every webhook and answers provisioning with the subscription's own externalId.
interface Received { body: string; signature: string; json: { id: string; type: string; reason?: string; subscription: { id: string; externalId: string | null } } }
const received: Received[] = [];
const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const json = JSON.parse(body) as Received['json'];
    received.push({ body, signature: String(request.headers['cloudpass-signature']), json });
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ externalId: json.subscription.externalId ?? `plat-${json.subscription.id}` }));
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const platformUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
after(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

const webhooksFor = (id: string) => received.filter((r) => r.json.subscription.id === id);

const clock = manualClock(new Date('2026-12-01T12:00:00.000Z'));

describeEachDatabase('subscription lifecycle', (ctx, target) => {
  let operator: string;
  let platform: string;

  async function activeSubscription(app: App, config: Config, options: { credit?: number; endsInMs?: number; country?: string } = {}) {
    const account = await createAccount(app, config, { displayName: 'Grace Hopper', country: options.country ?? 'SE' });
    const pass = await createPass(app, account, { credit: options.credit ?? 1000, name: 'Lifecycle Pass', country: options.country ?? 'SE' });
    const created = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account, options.country ?? 'SE') });
    assert.equal(created.statusCode, 202, created.body);
    const id = created.json().id as string;
    const now = clock.now();
    await moveSubscription(app, id, { to: 'active', externalId: `plat-${id}`, startsAt: iso(now), endsAt: iso(addMs(now, options.endsInMs ?? 30 * DAY)) });
    return { account, id };
  }

  async function ready(app: App) {
    operator ??= await apiKeyHeader(app, 'operator');
    platform ??= await apiKeyHeader(app, 'platform');
  }

  const report = (app: App, id: string, amount: number) => app.inject({
    method: 'POST', url: '/api/v1/usage', headers: { authorization: platform },
    payload: { events: [{ id: randomUUID(), subscriptionId: id, amount, meter: 'compute', occurredAt: iso(clock.now()) }] },
  });
  const view = async (app: App, id: string) => (await app.inject({ url: `/api/v1/subscriptions/${id}`, headers: { authorization: operator } })).json();
  const runJobs = (app: App) => app.services.jobs.createWorker({ log: silent }).runDue();
  const mailTo = async (app: App, account: TestAccount) => (await app.services.mail.list({ limit: 500 })).filter((m) => m.to === account.email);
  const actions = async (app: App, id: string) => (await app.services.audit.list({ subjectId: id })).map((e) => e.action);
  const setLifecycle = (app: App, body: object) =>
    app.inject({ method: 'PUT', url: '/api/v1/settings/lifecycle', headers: { authorization: operator }, payload: body as Record<string, unknown> });

  test('credit used up: disabled within seconds, the platform sent one signed disable, late usage is overage', async () => {
    const { app, config } = ctx();
    await ready(app);
    const { account, id } = await activeSubscription(app, config, { credit: 1000 });
    await runJobs(app);
    assert.equal((await report(app, id, 600)).statusCode, 202);
    assert.equal((await report(app, id, 500)).statusCode, 202);
    await runJobs(app);
    const disabled = await view(app, id);
    assert.equal(disabled.status, 'disabled');
    assert.equal(disabled.disabledReason, 'credit_exhausted');
    assert.deepEqual(disabled.credit.remaining, { amount: -100, currency: 'USD' });
    assert.equal(disabled.deleteAt, iso(addMs(clock.now(), 90 * DAY)));
    const disables = webhooksFor(id).filter((r) => r.json.type === 'subscription.disable');
    assert.equal(disables.length, 1, 'one disable webhook');
    assert.equal(disables[0]!.json.reason, 'credit_exhausted');
    assert.equal(verifySignature(SECRET, disables[0]!.signature, disables[0]!.body, 10 ** 9), true, 'signed with PROVISIONER_SECRET');
    assert.ok((await actions(app, id)).includes('subscription.disabled'));

    const late = await report(app, id, 50);
    assert.equal(late.statusCode, 202, 'usage after it was disabled is still recorded');
    await runJobs(app);
    assert.deepEqual((await view(app, id)).credit.remaining, { amount: -150, currency: 'USD' });
    assert.equal(webhooksFor(id).filter((r) => r.json.type === 'subscription.disable').length, 1, 'still one');
    const mails = await mailTo(app, account);
    assert.equal(mails.filter((m) => m.subject === 'Your subscription is disabled: its credit is used up').length, 1);
    const stopMail = mails.find((m) => m.subject.startsWith('Your subscription is disabled'))!;
    assert.match(stopMail.text, /will be deleted on/);
    assert.match(stopMail.text, new RegExp(`/subscriptions/${id}`));

    // Credit added back by an operator: it runs again, and the platform is asked to run it as the same externalId.
    const added = await app.inject({ method: 'PATCH', url: `/api/v1/subscriptions/${id}`, headers: { authorization: operator }, payload: { creditAdjustment: { amount: 1000, reason: 'top-up' } } });
    assert.equal(added.json().status, 'active');
    await runJobs(app);
    const again = webhooksFor(id).filter((r) => r.json.type === 'subscription.provision');
    assert.equal(again.length, 1);
    assert.equal(again[0]!.json.subscription.externalId, `plat-${id}`);
  });

  test('end date moved into the past: expired within a minute; moved later: running again', async () => {
    const { app, config } = ctx();
    await ready(app);
    const { account, id } = await activeSubscription(app, config);
    await runJobs(app);
    const past = iso(addMs(clock.now(), -MINUTE));
    const moved = await app.inject({ method: 'PATCH', url: `/api/v1/subscriptions/${id}`, headers: { authorization: operator }, payload: { endsAt: past } });
    assert.equal(moved.statusCode, 200, moved.body);
    clock.advance(MINUTE);
    await runJobs(app);
    const expired = await view(app, id);
    assert.equal(expired.status, 'expired');
    assert.equal(expired.disabledReason, 'expired');
    const disables = webhooksFor(id).filter((r) => r.json.type === 'subscription.disable');
    assert.deepEqual(disables.map((r) => r.json.reason), ['expired']);
    assert.equal((await mailTo(app, account)).filter((m) => m.subject === 'Your subscription has ended').length, 1);

    const later = iso(addMs(clock.now(), 10 * DAY));
    const back = await app.inject({ method: 'PATCH', url: `/api/v1/subscriptions/${id}`, headers: { authorization: operator }, payload: { endsAt: later } });
    assert.equal(back.json().status, 'active');
    assert.equal(back.json().disabledReason, null);
    await runJobs(app);
    const provisions = webhooksFor(id).filter((r) => r.json.type === 'subscription.provision');
    assert.equal(provisions.length, 1);
    assert.equal(provisions[0]!.json.subscription.externalId, `plat-${id}`);
    const trail = await actions(app, id);
    for (const action of ['subscription.end_moved', 'subscription.expired', 'subscription.reenabled']) assert.ok(trail.includes(action), action);
  });

  test('retention 0: deleted at once, subscription.delete sent, the recipient\'s data gone but the totals kept', async () => {
    const { app, config } = ctx();
    await ready(app);
    assert.equal((await setLifecycle(app, { retentionDays: 0, creditWarningsPercent: [50, 80, 95], endWarningsDays: [7, 1] })).statusCode, 200);
    try {
      const { id } = await activeSubscription(app, config, { endsInMs: 30 * MINUTE });
      await report(app, id, 120);
      await runJobs(app);
      clock.advance(31 * MINUTE);
      await runJobs(app);
      const gone = await view(app, id);
      assert.equal(gone.status, 'deleted');
      assert.deepEqual(gone.credit.used, { amount: 120, currency: 'USD' }, 'the ledger totals stay');
      const types = webhooksFor(id).map((r) => `${r.json.type}${r.json.reason ? `:${r.json.reason}` : ''}`);
      assert.deepEqual(types.sort(), ['subscription.delete', 'subscription.disable:expired'], 'both, each once (in either order: two jobs)');
      const row = await app.services.subscriptions.find(app.services.db, id);
      assert.deepEqual(row?.profile, {}, 'the activation profile is forgotten');
      const usage = await app.services.db.selectFrom('credit_ledger').selectAll().where('subscription_id', '=', id).where('kind', '=', 'usage').execute();
      assert.deepEqual(usage.map((u) => [Number(u.amount), u.meter, u.usage_event_id]), [[-120, null, null]], 'usage kept only as its sum');
      assert.equal((await app.inject({ url: `/api/v1/subscriptions/${id}/export`, headers: { authorization: operator } })).statusCode, 404);
      assert.equal((await report(app, id, 1)).statusCode, 404, 'no usage for a deleted subscription');
      assert.ok((await actions(app, id)).includes('subscription.deleted'));
    } finally {
      await setLifecycle(app, { retentionDays: 90, creditWarningsPercent: [50, 80, 95], endWarningsDays: [7, 1] });
    }
  });

  test('a cancelled subscription is deleted after the retention period too', async () => {
    const { app, config } = ctx();
    await ready(app);
    const { account, id } = await activeSubscription(app, config);
    const cancelled = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${id}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancelled.json().status, 'cancelled');
    assert.equal(cancelled.json().deleteAt, iso(addMs(clock.now(), 90 * DAY)));
    await runJobs(app);
    clock.advance(90 * DAY - MINUTE);
    await runJobs(app);
    assert.equal((await view(app, id)).status, 'cancelled');
    clock.advance(2 * MINUTE);
    await runJobs(app);
    assert.equal((await view(app, id)).status, 'deleted');
    assert.equal(webhooksFor(id).filter((r) => r.json.type === 'subscription.delete').length, 1);
  });

  test('each warning once, with two workers and two sweeps at the same moment', async () => {
    const { app, config } = ctx();
    await ready(app);
    const { account, id } = await activeSubscription(app, config, { credit: 1000, endsInMs: 20 * DAY, country: 'FI' });
    await runJobs(app);
    const w1 = app.services.jobs.createWorker({ log: silent });
    const w2 = app.services.jobs.createWorker({ log: silent });
    await report(app, id, 850);
    await Promise.all([w1.runDue(), w2.runDue(), app.services.lifecycle.checkCredit(id)]);
    let mails = await mailTo(app, account);
    assert.deepEqual(mails.map((m) => m.subject), ['Olet käyttänyt 80 % krediitistäsi'], 'the highest threshold reached, once, in Finnish for an account in Finland');
    await report(app, id, 100);
    await Promise.all([w1.runDue(), w2.runDue()]);
    mails = await mailTo(app, account);
    assert.equal(mails.filter((m) => m.subject.startsWith('Olet käyttänyt 95')).length, 1);

    const sweep = () => Promise.all([app.services.lifecycle.sweep(), app.services.lifecycle.sweep(), w1.runDue(), w2.runDue()]);
    clock.advance(13 * DAY + MINUTE); // 7 days less a minute before the end
    await sweep();
    await sweep();
    clock.advance(6 * DAY); // 1 day less a minute before the end
    await sweep();
    await sweep();
    mails = await mailTo(app, account);
    const endWarnings = mails.filter((m) => m.subject.startsWith('Tilauksesi päättyy'));
    assert.equal(endWarnings.length, 2, endWarnings.map((m) => m.subject).join('; '));

    clock.advance(DAY);
    await sweep();
    assert.equal((await view(app, id)).status, 'expired');
    clock.advance(83 * DAY + MINUTE); // 7 days less a minute before deletion
    await sweep();
    await sweep();
    mails = await mailTo(app, account);
    assert.equal(mails.filter((m) => m.subject === 'Tilauksesi poistetaan 7 päivän kuluttua').length, 1);
    assert.equal(mails.filter((m) => m.subject === 'Tilauksesi on päättynyt').length, 1);
    assert.equal(mails.length, 6, mails.map((m) => m.subject).join('; '));
  });

  test('the whole service down over an end date: it catches up when it starts again', async () => {
    const { app, config, database } = ctx();
    await ready(app);
    const { id } = await activeSubscription(app, config, { endsInMs: 2 * 60 * MINUTE });
    await runJobs(app); // the sweep is armed in the database
    clock.advance(2 * DAY); // nothing runs meanwhile
    assert.equal((await view(app, id)).status, 'active');
    // A new process on the same database: its worker finds the sweep long due.
    const restarted = await buildApp({ config, database: database.handle, logger: false, clock });
    try {
      await restarted.services.jobs.createWorker({ log: silent }).runDue();
    } finally {
      await restarted.close().catch(() => {});
    }
    assert.equal((await view(app, id)).status, 'expired', `on ${target}`);
  });
}, { clock, env: { PROVISIONER_URL: platformUrl, PROVISIONER_SECRET: SECRET } });
