import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { newId } from '../../lib/ids.ts';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { signUpForTrial } from '../subscriptions/subscriptions.testing.ts';
import { percentUsed, toCreditBalance } from './credit.service.ts';
import { forecastRunOut, recentWindowStart } from './forecast.ts';

test('a balance: what was granted, adjusted and used, and what remains, which may be below zero', () => {
  assert.deepEqual(toCreditBalance(undefined), { granted: 0, adjusted: 0, used: 0, remaining: 0 });
  assert.deepEqual(toCreditBalance({ granted: 1000, adjusted: 0, used: 750, balance: 250 }), { granted: 1000, adjusted: 0, used: 750, remaining: 250 });
  assert.deepEqual(toCreditBalance({ granted: 1000, adjusted: 0, used: 1020, balance: -20 }), { granted: 1000, adjusted: 0, used: 1020, remaining: -20 });
  assert.equal(percentUsed({ granted: 1000, adjusted: 0, used: 500, remaining: 500 }), 50);
  assert.equal(percentUsed({ granted: 1000, adjusted: 1000, used: 500, remaining: 1500 }), 25, 'adjustments count as credit to spend');
  assert.equal(percentUsed({ granted: 0, adjusted: 0, used: 0, remaining: 0 }), 0);
});

test('the forecast: the recent daily rate, null without usage or past the end', () => {
  const now = new Date('2026-12-10T12:00:00.000Z');
  const since = recentWindowStart(now, '2026-11-01T00:00:00.000Z');
  assert.equal(since, '2026-12-04T00:00:00.000Z', 'six days before today, at midnight UTC');
  assert.equal(recentWindowStart(now, '2026-12-09T08:00:00.000Z'), '2026-12-09T08:00:00.000Z', 'or the start, if later');
  // 6.5 days, 650 used: 100 a day; 300 left lasts 3 days.
  const recent = [{ amount: 650 }];
  assert.equal(forecastRunOut({ remaining: 300, recent, since, now, endsAt: '2027-01-01T00:00:00.000Z' }), '2026-12-13T12:00:00.000Z');
  assert.equal(forecastRunOut({ remaining: 300, recent, since, now, endsAt: '2026-12-12T00:00:00.000Z' }), null, 'lasts past the end');
  assert.equal(forecastRunOut({ remaining: 300, recent: [], since, now, endsAt: null }), null, 'no usage: no forecast');
  assert.equal(forecastRunOut({ remaining: -5, recent, since, now, endsAt: null }), now.toISOString(), 'nothing left: now');
  // Started an hour ago: the window counts as a day.
  assert.equal(forecastRunOut({ remaining: 100, recent: [{ amount: 100 }], since: '2026-12-10T11:00:00.000Z', now, endsAt: null }), '2026-12-11T12:00:00.000Z');
});

describeEachDatabase('credit ledger', (ctx) => {
  /** A free trial signed up through the subscriptions service: a subscription with the trial's grant. */
  async function trial(app: App, config: Config): Promise<{ id: string; granted: number }> {
    const account = await createAccount(app, config);
    const id = await signUpForTrial(app, account.id);
    return { id, granted: (await app.services.credit.balance(app.services.db, id)).granted };
  }

  const usage = (subscriptionId: string, eventId: string, amount: number) => ({
    id: newId(), subscriptionId, eventId, amount, currency: 'USD', meter: 'compute', occurredAt: '2026-12-01T10:00:00.000Z',
  });

  test('grants, adjustments and usage move the totals in the same transaction; balances of many in one query', async () => {
    const { app, config } = ctx();
    const { credit, db } = app.services;
    const first = await trial(app, config);
    const second = await trial(app, config);
    assert.ok(first.granted > 0, 'the sign-up granted the trial\'s credit');
    await db.transaction().execute(async (trx) => {
      await credit.grant(trx, first.id, 10000, 'usd');
      await credit.grant(trx, second.id, 5000, 'USD');
      await credit.adjust(trx, second.id, 2500, 'USD', 'goodwill');
    });
    const applied = await db.transaction().execute((trx) => credit.applyUsage(trx, [usage(first.id, `a-${first.id}`, 1234)]));
    assert.equal(applied.accepted, 1);
    assert.deepEqual(applied.applied[0]!.before.remaining - applied.applied[0]!.after.remaining, 1234);

    const firstLeft = first.granted + 10000 - 1234;
    assert.deepEqual(await credit.balance(db, first.id), { granted: first.granted + 10000, adjusted: 0, used: 1234, remaining: firstLeft });
    const nothing = newId();
    const balances = await credit.balances(db, [first.id, second.id, nothing]);
    assert.deepEqual(Object.fromEntries(balances), {
      [first.id]: { granted: first.granted + 10000, adjusted: 0, used: 1234, remaining: firstLeft },
      [second.id]: { granted: second.granted + 5000, adjusted: 2500, used: 0, remaining: second.granted + 7500 },
      [nothing]: { granted: 0, adjusted: 0, used: 0, remaining: 0 },
    });
    assert.deepEqual(await credit.balances(db, []), new Map());
    const grants = await db.selectFrom('credit_ledger').select('currency').where('subscription_id', '=', first.id).where('kind', '=', 'grant').execute();
    assert.deepEqual(grants.map((g) => g.currency), ['USD', 'USD'], 'currencies are kept upper-case');
  });

  test('an event id already in the ledger is skipped by the database, and the totals count it once', async () => {
    const { app, config } = ctx();
    const { credit, db } = app.services;
    const sub = await trial(app, config);
    const one = `dup-${sub.id}`;
    const first = await db.transaction().execute((trx) => credit.applyUsage(trx, [usage(sub.id, one, 100), usage(sub.id, `x-${sub.id}`, 50)]));
    const again = await db.transaction().execute((trx) => credit.applyUsage(trx, [usage(sub.id, one, 100)]));
    assert.equal(first.accepted, 2);
    assert.equal(again.accepted, 0);
    assert.deepEqual(again.applied, []);
    assert.equal((await credit.balance(db, sub.id)).used, 150);
    const sum = await db.selectFrom('credit_ledger').select((eb) => eb.fn.sum<number>('amount').as('s')).where('subscription_id', '=', sub.id).where('kind', '=', 'usage').executeTakeFirstOrThrow();
    assert.equal(Number(sum.s), -150, 'the totals agree with the ledger');
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
    await assert.rejects(db.transaction().execute((trx) => credit.grant(trx, subscription.id, -5, 'USD')), RangeError);
    assert.deepEqual(await credit.balance(db, subscription.id), before);
  });
});
