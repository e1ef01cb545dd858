import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { apiKeyHeader, createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { createPass, profileOf, activate, enableFreeTrial, moveSubscription } from './subscriptions.testing.ts';

async function signedUp(app: App, config: Config, options: { country?: string; verified?: boolean; displayName?: string } = {}): Promise<TestAccount> {
  return createAccount(app, config, { country: options.country ?? 'FI', verified: options.verified, displayName: options.displayName ?? 'Ada Lovelace' });
}

describeEachDatabase('subscriptions API', (ctx) => {
  // The free trial is off until an operator turns it on; these tests sign up for it.
  before(() => enableFreeTrial(ctx().app));

  test('activating a pass: 202 pending, a ledger grant, the redemption activated and a provisioning job, in one go', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const pass = await createPass(app, account, { credit: 12345, currency: 'EUR', days: 45 });
    const response = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) }, 'key-1');
    assert.equal(response.statusCode, 202, response.body);
    const body = response.json();
    assert.equal(body.status, 'pending');
    assert.equal(body.offer, 'pass');
    assert.equal(body.redemptionId, pass.redemptionId);
    assert.deepEqual(body.credit, {
      granted: { amount: 12345, currency: 'EUR' }, used: { amount: 0, currency: 'EUR' }, remaining: { amount: 12345, currency: 'EUR' }, currency: 'EUR',
    });
    assert.deepEqual([body.forecast, body.disabledReason, body.deleteAt], [{ runOutAt: null }, null, null]);
    assert.equal(body.startsAt, null);
    assert.equal(body.endsAt, null);
    assert.equal(body.externalId, null);
    assert.equal(body.validityDays, 45);

    const db = app.services.db;
    const ledger = await db.selectFrom('credit_ledger').selectAll().where('subscription_id', '=', body.id).execute();
    assert.deepEqual(ledger.map((e) => [e.kind, Number(e.amount), e.currency]), [['grant', 12345, 'EUR']]);
    const redemption = await db.selectFrom('redemptions').selectAll().where('id', '=', pass.redemptionId).executeTakeFirstOrThrow();
    assert.equal(redemption.state, 'activated');
    assert.equal(redemption.subscription_id, body.id);
    const jobs = await db.selectFrom('jobs').selectAll().where('type', '=', 'subscription.provision').execute();
    assert.equal(jobs.filter((j) => JSON.parse(j.payload).subscriptionId === body.id).length, 1);
    const audit = await app.services.audit.list({ subjectId: body.id });
    assert.deepEqual(audit.map((e) => e.action), ['subscription.created']);

    const list = await app.inject({ method: 'GET', url: '/api/v1/subscriptions', headers: { cookie: account.cookie } });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().items.map((s: { id: string }) => s.id), [body.id]);
    const one = await app.inject({ method: 'GET', url: `/api/v1/subscriptions/${body.id}`, headers: { cookie: account.cookie } });
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().credit.remaining.amount, 12345);
  });

  test('Idempotency-Key: the same key and body give the first response; another body is refused', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const pass = await createPass(app, account);
    const body = { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) };
    const first = await activate(app, account, body, 'same-key');
    const again = await activate(app, account, { profile: body.profile, redemptionId: body.redemptionId, offer: 'pass' }, 'same-key');
    assert.equal(first.statusCode, 202);
    assert.equal(again.statusCode, 202);
    assert.deepEqual(again.json(), first.json());

    const other = await activate(app, account, { ...body, profile: { ...body.profile, firstName: 'Augusta' } }, 'same-key');
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().code, 'idempotency_key_reused');

    const noKey = await activate(app, account, body);
    assert.equal(noKey.statusCode, 200);
    assert.equal(noKey.json().id, first.json().id);
    const count = await app.services.db.selectFrom('subscriptions').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('redemption_id', '=', pass.redemptionId).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
  });

  test('without a key, asking twice answers 200 with the same subscription', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const pass = await createPass(app, account);
    const body = { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) };
    const first = await activate(app, account, body);
    const second = await activate(app, account, body);
    assert.equal(first.statusCode, 202);
    assert.equal(second.statusCode, 200);
    assert.equal(second.json().id, first.json().id);
  });

  test('profile_mismatch: another email or another country than the pass was redeemed for; nothing changes', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const pass = await createPass(app, account, { country: 'FI' });
    const wrongEmail = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: { ...profileOf(account), email: 'someone.else@example.test' } }, 'k1');
    assert.equal(wrongEmail.statusCode, 422);
    assert.equal(wrongEmail.json().code, 'profile_mismatch');
    assert.deepEqual(wrongEmail.json().errors.map((e: { path: string }) => e.path), ['profile.email']);
    const wrongCountry = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: { ...profileOf(account), country: 'SE' } }, 'k2');
    assert.equal(wrongCountry.statusCode, 422);
    assert.equal(wrongCountry.json().code, 'profile_mismatch');
    assert.deepEqual(wrongCountry.json().errors.map((e: { path: string }) => e.path), ['profile.country']);

    const upperCase = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: { ...profileOf(account), email: account.email.toUpperCase(), country: 'fi' } }, 'k1');
    assert.equal(upperCase.statusCode, 202, 'the email is compared case-insensitively; a failed request does not burn its key');
  });

  test('bad input is a validation error; unknown, foreign and released redemptions are refused', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const stranger = await signedUp(app, config);
    const pass = await createPass(app, stranger);
    const foreign = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) });
    assert.equal(foreign.statusCode, 404);
    const unknown = await activate(app, account, { offer: 'pass', redemptionId: 'nope', profile: profileOf(account) });
    assert.equal(unknown.statusCode, 404);
    const missing = await activate(app, account, { offer: 'pass', profile: profileOf(account) });
    assert.equal(missing.statusCode, 400);
    assert.equal(missing.json().code, 'validation_failed');
    const blank = await activate(app, account, { offer: 'free-trial', profile: { firstName: ' ', lastName: '', email: 'x', country: 'ZZ', phone: 'call me' } });
    assert.equal(blank.statusCode, 400);
    assert.deepEqual(blank.json().errors.map((e: { path: string }) => e.path).sort(),
      ['profile.country', 'profile.email', 'profile.firstName', 'profile.lastName', 'profile.phone']);
    const garbage = await app.inject({ method: 'POST', url: '/api/v1/subscriptions', headers: { cookie: account.cookie, 'content-type': 'application/json' }, payload: '{"offer":' });
    assert.equal(garbage.statusCode, 400);
    const badKey = await activate(app, account, { offer: 'free-trial', profile: profileOf(account) }, 'x'.repeat(201));
    assert.equal(badKey.statusCode, 400);

    const mine = await createPass(app, account);
    await app.services.db.updateTable('redemptions').set({ state: 'released', released_at: new Date().toISOString() }).where('id', '=', mine.redemptionId).execute();
    const released = await activate(app, account, { offer: 'pass', redemptionId: mine.redemptionId, profile: profileOf(account) });
    assert.equal(released.statusCode, 409);
    const anonymous = await app.inject({ method: 'POST', url: '/api/v1/subscriptions', payload: { offer: 'free-trial', profile: profileOf(account) } });
    assert.equal(anonymous.statusCode, 401);
  });

  test('an unverified email cannot activate', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config, { verified: false });
    const response = await activate(app, account, { offer: 'free-trial', profile: profileOf(account) });
    assert.equal(response.statusCode, 403);
    assert.equal(response.json().code, 'email_not_verified');
  });

  test('30 concurrent activations of one redemption make one subscription, one grant and one job', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const pass = await createPass(app, account);
    const body = { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) };
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => activate(app, account, body, i % 3 === 0 ? 'shared-key' : i % 3 === 1 ? `key-${i}` : undefined)));
    assert.deepEqual([...new Set(responses.map((r) => r.statusCode))].filter((s) => s !== 200 && s !== 202), [], responses.map((r) => r.body).join('\n'));
    assert.equal(responses.filter((r) => r.statusCode === 202 && !(r.json().id === undefined)).length >= 1, true);
    const ids = new Set(responses.map((r) => r.json().id));
    assert.equal(ids.size, 1);
    const [id] = ids;
    const db = app.services.db;
    const subscriptions = await db.selectFrom('subscriptions').select('id').where('redemption_id', '=', pass.redemptionId).execute();
    assert.equal(subscriptions.length, 1);
    const grants = await db.selectFrom('credit_ledger').select('id').where('subscription_id', '=', id as string).execute();
    assert.equal(grants.length, 1);
    const jobs = await db.selectFrom('jobs').select('payload').where('type', '=', 'subscription.provision').execute();
    assert.equal(jobs.filter((j) => JSON.parse(j.payload).subscriptionId === id).length, 1);
    const orphans = await db.selectFrom('subscriptions').select('id').where('account_id', '=', account.id).execute();
    assert.equal(orphans.length, 1, 'rolled-back attempts leave nothing behind');
  });

  test('the free trial: once per account, with the operator\'s credit and length', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config, { country: 'SE' });
    const offers = await app.inject({ method: 'GET', url: '/api/v1/offers', headers: { cookie: account.cookie } });
    assert.equal(offers.statusCode, 200);
    const trialOffer = offers.json().items.find((o: { id: string }) => o.id === 'free-trial');
    assert.deepEqual({ credit: trialOffer.credit, days: trialOffer.days, eligible: trialOffer.eligible, paymentMethodRequired: trialOffer.paymentMethodRequired },
      { credit: { amount: 20000, currency: 'USD' }, days: 30, eligible: true, paymentMethodRequired: false });
    const pass = offers.json().items.find((o: { id: string }) => o.id === 'pass');
    assert.equal(pass.paymentMethodRequired, false);
    assert.equal(pass.eligible, true);

    const wrongCountry = await activate(app, account, { offer: 'free-trial', profile: { ...profileOf(account), country: 'FI' } });
    assert.equal(wrongCountry.statusCode, 422);
    assert.equal(wrongCountry.json().code, 'profile_mismatch');

    const trial = await activate(app, account, { offer: 'free-trial', profile: { ...profileOf(account), country: 'SE' } });
    assert.equal(trial.statusCode, 202, trial.body);
    assert.equal(trial.json().offer, 'free-trial');
    assert.equal(trial.json().name, 'Free trial');
    assert.deepEqual(trial.json().credit.granted, { amount: 20000, currency: 'USD' });
    assert.equal(trial.json().validityDays, 30);

    const second = await activate(app, account, { offer: 'free-trial', profile: { ...profileOf(account), country: 'SE' } });
    assert.equal(second.statusCode, 409);
    assert.equal(second.json().code, 'trial_already_used');
    const after = await app.inject({ method: 'GET', url: '/api/v1/offers', headers: { cookie: account.cookie } });
    assert.equal(after.json().items.find((o: { id: string }) => o.id === 'free-trial').eligible, false);
  });

  test('concurrent free trials of one account: one wins, the rest are trial_already_used', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const responses = await Promise.all(Array.from({ length: 10 }, () => activate(app, account, { offer: 'free-trial', profile: profileOf(account) })));
    assert.equal(responses.filter((r) => r.statusCode === 202).length, 1);
    assert.deepEqual(new Set(responses.filter((r) => r.statusCode !== 202).map((r) => r.json().code)), new Set(['trial_already_used']));
  });

  test('cancel: own subscriptions only, audited, and a cancelled one stays cancelled', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const stranger = await signedUp(app, config);
    const pass = await createPass(app, account);
    const created = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json();
    const foreign = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${created.id}/cancel`, headers: { cookie: stranger.cookie } });
    assert.equal(foreign.statusCode, 404);
    const foreignRead = await app.inject({ method: 'GET', url: `/api/v1/subscriptions/${created.id}`, headers: { cookie: stranger.cookie } });
    assert.equal(foreignRead.statusCode, 404);
    assert.equal(foreignRead.json().code, 'not_found');

    const heard: string[] = [];
    const stop = app.services.subscriptionEvents.subscribe(created.id, (e) => heard.push(e.status));
    const cancelled = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${created.id}/cancel`, headers: { cookie: account.cookie } });
    stop();
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    assert.equal(cancelled.json().status, 'cancelled');
    assert.deepEqual(heard, ['cancelled']);
    const again = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${created.id}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(again.statusCode, 200);
    const audit = await app.services.audit.list({ subjectId: created.id });
    assert.deepEqual(audit.map((e) => e.action).sort(), ['subscription.cancelled', 'subscription.created']);

    const other = await createPass(app, account);
    const doomed = (await activate(app, account, { offer: 'pass', redemptionId: other.redemptionId, profile: profileOf(account) })).json();
    await moveSubscription(app, doomed.id, { to: 'failed' });
    const failed = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${doomed.id}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(failed.statusCode, 409);
    assert.equal(failed.json().code, 'conflict');
  });

  test('credit remaining is derived from the ledger; usage past it shows as a negative remaining (overage)', async () => {
    const { app, config } = ctx();
    const account = await signedUp(app, config);
    const pass = await createPass(app, account, { credit: 1000 });
    const created = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json();
    const platform = await apiKeyHeader(app, 'platform');
    const report = (id: string, amount: number) => app.inject({
      method: 'POST', url: '/api/v1/usage', headers: { authorization: platform },
      payload: { events: [{ id: `${id}-${created.id}`, subscriptionId: created.id, amount, meter: 'compute', occurredAt: new Date().toISOString() }] },
    });
    assert.equal((await report('u1', 400)).statusCode, 202);
    let view = (await app.inject({ method: 'GET', url: `/api/v1/subscriptions/${created.id}`, headers: { cookie: account.cookie } })).json();
    assert.deepEqual(view.credit, {
      granted: { amount: 1000, currency: 'USD' }, used: { amount: 400, currency: 'USD' }, remaining: { amount: 600, currency: 'USD' }, currency: 'USD',
    });
    assert.equal((await report('u2', 900)).statusCode, 202);
    view = (await app.inject({ method: 'GET', url: '/api/v1/subscriptions', headers: { cookie: account.cookie } })).json().items[0];
    assert.deepEqual(view.credit.remaining, { amount: -300, currency: 'USD' });
    assert.deepEqual(await app.services.credit.balance(app.services.db, created.id), { granted: 1000, adjusted: 0, used: 1300, remaining: -300 });
  });
});
