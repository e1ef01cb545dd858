import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { newId } from '../../lib/ids.ts';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { signUpForTrial } from '../subscriptions/subscriptions.testing.ts';
import { insertLedgerEntry } from './credit.repository.ts';
import { toCreditBalance } from './credit.service.ts';

test('a balance: granted is the sum of grants, remaining the sum of everything, never below zero', () => {
  assert.deepEqual(toCreditBalance(undefined), { granted: 0, remaining: 0, balance: 0 });
  assert.deepEqual(toCreditBalance({ granted: 1000, total: 250 }), { granted: 1000, remaining: 250, balance: 250 });
  assert.deepEqual(toCreditBalance({ granted: 1000, total: -20 }), { granted: 1000, remaining: 0, balance: -20 });
});

describeEachDatabase('credit ledger', (ctx) => {
  /** A free trial signed up through the subscriptions service: a subscription with the trial's grant. */
  async function trial(app: App, config: Config): Promise<{ id: string; granted: number }> {
    const account = await createAccount(app, config);
    const id = await signUpForTrial(app, account.id);
    return { id, granted: (await app.services.credit.balance(app.services.db, id)).granted };
  }

  test('grants inside a transaction; balances of many subscriptions in one grouped query', async () => {
    const { app, config } = ctx();
    const { credit, db } = app.services;
    const first = await trial(app, config);
    const second = await trial(app, config);
    assert.ok(first.granted > 0, 'the sign-up granted the trial\'s credit');
    await db.transaction().execute(async (trx) => {
      await credit.grant(trx, first.id, 10000, 'usd');
      await credit.grant(trx, second.id, 5000, 'USD');
      await credit.grant(trx, second.id, 2500, 'USD');
    });
    // Usage has no service of its own until the usage API lands; its entry goes through this module's repository.
    await insertLedgerEntry(db, {
      id: newId(), subscriptionId: first.id, kind: 'usage', amount: -1234, currency: 'USD', usageEventId: newId(), createdAt: new Date().toISOString(),
    });

    const firstLeft = first.granted + 10000 - 1234;
    assert.deepEqual(await credit.balance(db, first.id), { granted: first.granted + 10000, remaining: firstLeft, balance: firstLeft });
    const nothing = newId();
    const balances = await credit.balances(db, [first.id, second.id, nothing]);
    assert.deepEqual(Object.fromEntries(balances), {
      [first.id]: { granted: first.granted + 10000, remaining: firstLeft, balance: firstLeft },
      [second.id]: { granted: second.granted + 7500, remaining: second.granted + 7500, balance: second.granted + 7500 },
      [nothing]: { granted: 0, remaining: 0, balance: 0 },
    });
    assert.deepEqual(await credit.balances(db, []), new Map());
    const grants = await db.selectFrom('credit_ledger').select('currency').where('subscription_id', '=', first.id).where('kind', '=', 'grant').execute();
    assert.deepEqual(grants.map((g) => g.currency), ['USD', 'USD'], 'currencies are kept upper-case');
  });

  test('a grant that fails rolls back with its transaction', async () => {
    const { app, config } = ctx();
    const { credit, db } = app.services;
    const subscription = await trial(app, config);
    const before = await credit.balance(db, subscription.id);
    await assert.rejects(db.transaction().execute(async (trx) => {
      await credit.grant(trx, subscription.id, 100, 'USD');
      throw new Error('the rest of the activation failed');
    }));
    assert.deepEqual(await credit.balance(db, subscription.id), before);
    await assert.rejects(credit.grant(db, subscription.id, -5, 'USD'), RangeError);
    assert.deepEqual(await credit.balance(db, subscription.id), before);
  });
});
