import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { activate, profileOf } from '../subscriptions/subscriptions.testing.ts';

// A database of its own: what the free trial is before any operator has set it.
describeEachDatabase('settings API, nothing set yet', (ctx) => {
  test('the free trial is 200.00 USD for 30 days until the operator sets it', async () => {
    const { app } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const initial = await app.inject({ method: 'GET', url: '/api/v1/settings/free-trial', headers: { authorization: operator } });
    assert.equal(initial.statusCode, 200);
    assert.deepEqual(initial.json(), { credit: { amount: 20000, currency: 'USD' }, days: 30 });
  });
});

// Every test sets the values it reads, so none depends on another having run.
describeEachDatabase('settings API', (ctx) => {
  test('operator settings for the free trial', async () => {
    const { app, config } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const bad = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { authorization: operator }, payload: { credit: { amount: -5, currency: 'usd' }, days: 0 } });
    assert.equal(bad.statusCode, 400);
    const put = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { authorization: operator }, payload: { credit: { amount: 5000, currency: 'eur' }, days: 14 } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { credit: { amount: 5000, currency: 'EUR' }, days: 14 });
    const read = await app.inject({ method: 'GET', url: '/api/v1/settings/free-trial', headers: { authorization: operator } });
    assert.deepEqual(read.json(), { credit: { amount: 5000, currency: 'EUR' }, days: 14 });
    const recipient = await createAccount(app, config);
    const forbidden = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { cookie: recipient.cookie }, payload: { credit: { amount: 1, currency: 'EUR' }, days: 1 } });
    assert.equal(forbidden.statusCode, 403);
    const platform = await app.inject({ method: 'GET', url: '/api/v1/settings/free-trial', headers: { authorization: await apiKeyHeader(app, 'platform') } });
    assert.equal(platform.statusCode, 403);

    const trial = await activate(app, recipient, { offer: 'free-trial', profile: profileOf(recipient) });
    assert.deepEqual(trial.json().credit.granted, { amount: 5000, currency: 'EUR' });
    assert.equal(trial.json().validityDays, 14);
  });

  test('the change is audited', async () => {
    const { app } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const put = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { authorization: operator }, payload: { credit: { amount: 7500, currency: 'USD' }, days: 7 } });
    assert.equal(put.statusCode, 200);
    const entries = (await app.services.audit.list({ subjectId: 'free-trial' })).filter((e) => e.action === 'settings.free_trial_updated');
    const entry = entries.find((e) => JSON.stringify(e.details) === JSON.stringify({ credit: { amount: 7500, currency: 'USD' }, days: 7 }));
    assert.ok(entry, 'an entry with the new values');
    assert.equal(entry.actor.type, 'apikey');
  });
});
