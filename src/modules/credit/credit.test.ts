import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { newId } from '../../lib/ids.ts';
import type { App } from '../../app.ts';
import { toCreditBalance } from './credit.service.ts';

async function bareSubscription(app: App, accountId: string, currency = 'USD'): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await app.services.db.insertInto('subscriptions').values({
    id, account_id: accountId, offer: 'pass', redemption_id: null, status: 'active', credit_currency: currency, validity_days: 30,
    starts_at: null, ends_at: null, external_id: null, profile: '{}', failure_reason: null, created_at: now, updated_at: now,
  }).execute();
  return id;
}

test('a balance: granted is the sum of grants, remaining the sum of everything, never below zero', () => {
  assert.deepEqual(toCreditBalance(undefined), { granted: 0, remaining: 0, balance: 0 });
  assert.deepEqual(toCreditBalance({ granted: 1000, total: 250 }), { granted: 1000, remaining: 250, balance: 250 });
  assert.deepEqual(toCreditBalance({ granted: 1000, total: -20 }), { granted: 1000, remaining: 0, balance: -20 });
});

describeEachDatabase('credit ledger', (ctx) => {
  test('grants inside a transaction; balances of many subscriptions in one grouped query', async () => {
    const { app, config } = ctx();
    const { credit, db } = app.services;
    const account = await createAccount(app, config);
    const first = await bareSubscription(app, account.id);
    const second = await bareSubscription(app, account.id, 'EUR');
    const empty = await bareSubscription(app, account.id);
    await db.transaction().execute(async (trx) => {
      await credit.grant(trx, first, 10000, 'usd');
      await credit.grant(trx, second, 5000, 'EUR');
      await credit.grant(trx, second, 2500, 'EUR');
    });
    await db.insertInto('credit_ledger').values({ id: newId(), subscription_id: first, kind: 'usage', amount: -1234, currency: 'USD', usage_event_id: newId(), created_at: new Date().toISOString() }).execute();

    assert.deepEqual(await credit.balance(db, first), { granted: 10000, remaining: 8766, balance: 8766 });
    const balances = await credit.balances(db, [first, second, empty]);
    assert.deepEqual(Object.fromEntries(balances), {
      [first]: { granted: 10000, remaining: 8766, balance: 8766 },
      [second]: { granted: 7500, remaining: 7500, balance: 7500 },
      [empty]: { granted: 0, remaining: 0, balance: 0 },
    });
    assert.deepEqual(await credit.balances(db, []), new Map());
    const [grant] = await db.selectFrom('credit_ledger').select('currency').where('subscription_id', '=', first).where('kind', '=', 'grant').execute();
    assert.equal(grant?.currency, 'USD');
  });

  test('a grant that fails rolls back with its transaction', async () => {
    const { app, config } = ctx();
    const { credit, db } = app.services;
    const account = await createAccount(app, config);
    const id = await bareSubscription(app, account.id);
    await assert.rejects(db.transaction().execute(async (trx) => {
      await credit.grant(trx, id, 100, 'USD');
      throw new Error('the rest of the activation failed');
    }));
    assert.deepEqual(await credit.balance(db, id), { granted: 0, remaining: 0, balance: 0 });
    await assert.rejects(credit.grant(db, id, -5, 'USD'), RangeError);
  });
});
