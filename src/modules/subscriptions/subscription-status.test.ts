import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Trx } from '../../db/database.ts';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import type { App } from '../../app.ts';
import { systemActor } from '../audit/audit.service.ts';
import {
  ARRIVAL_ACTIONS, canMove, statusesLeadingTo, TRANSITIONS, type SubscriptionStatus,
} from './subscription-status.ts';
import { signUpForTrial } from './subscriptions.testing.ts';

const STATUSES = Object.keys(TRANSITIONS) as SubscriptionStatus[];

/** Every move a subscription may make today, written out: the table must say exactly this. */
const ALLOWED: Array<[SubscriptionStatus, SubscriptionStatus]> = [
  ['pending', 'provisioning'],
  ['pending', 'active'],
  ['pending', 'failed'],
  ['pending', 'cancelled'],
  ['provisioning', 'active'],
  ['provisioning', 'failed'],
  ['provisioning', 'cancelled'],
  ['active', 'cancelled'],
];

describe('subscription status transitions', () => {
  test('every allowed move is allowed, and nothing else is', () => {
    for (const [from, to] of ALLOWED) assert.ok(canMove(from, to), `${from} → ${to} is allowed`);
    const allowed = STATUSES.flatMap((from) => STATUSES.filter((to) => canMove(from, to)).map((to) => `${from} → ${to}`));
    assert.deepEqual(allowed.sort(), ALLOWED.map(([from, to]) => `${from} → ${to}`).sort());
  });

  test('refused: going back, leaving a final status, and staying put', () => {
    const refused: Array<[SubscriptionStatus, SubscriptionStatus]> = [
      ['provisioning', 'pending'], ['active', 'pending'], ['active', 'provisioning'], ['active', 'failed'],
      ['failed', 'active'], ['failed', 'provisioning'], ['failed', 'cancelled'], ['cancelled', 'active'],
      ['cancelled', 'provisioning'], ['pending', 'pending'], ['active', 'active'], ['cancelled', 'cancelled'],
    ];
    for (const [from, to] of refused) assert.equal(canMove(from, to), false, `${from} → ${to} is refused`);
  });

  test('the statuses leading to each status are the table read backwards', () => {
    assert.deepEqual(statusesLeadingTo('active'), ['pending', 'provisioning']);
    assert.deepEqual(statusesLeadingTo('failed'), ['pending', 'provisioning']);
    assert.deepEqual(statusesLeadingTo('cancelled'), ['pending', 'provisioning', 'active']);
    assert.deepEqual(statusesLeadingTo('provisioning'), ['pending']);
    assert.deepEqual(statusesLeadingTo('pending'), []);
    for (const to of STATUSES) {
      for (const from of STATUSES) assert.equal(statusesLeadingTo(to).includes(from), canMove(from, to));
    }
  });
});

// The one writer against the database: from every status a subscription can reach today, every move is
// tried; the conditional write must allow exactly the table's moves and audit exactly those.
const MOVES = ['provisioning', 'active', 'failed', 'cancelled'] as const;
type Move = (typeof MOVES)[number];

describeEachDatabase('subscription status writes', (ctx) => {
  async function moveTo(app: App, trx: Trx, id: string, to: Move, from: SubscriptionStatus): Promise<boolean> {
    const { subscriptions } = app.services;
    switch (to) {
      case 'provisioning': return subscriptions.markProvisioning(trx, id, systemActor);
      case 'active': return subscriptions.markActive(trx, id, { externalId: `ext-${id}`, startsAt: new Date().toISOString(), endsAt: '2099-01-01T00:00:00.000Z' }, systemActor);
      case 'failed': return subscriptions.markFailed(trx, id, 'test', systemActor);
      case 'cancelled': return subscriptions.markCancelled(trx, { id, status: from }, systemActor);
    }
  }

  async function subscriptionIn(app: App, status: 'pending' | Move): Promise<string> {
    const { config } = ctx();
    const account = await createAccount(app, config);
    const id = await signUpForTrial(app, account.id);
    if (status !== 'pending') {
      const moved = await app.services.db.transaction().execute((trx) => moveTo(app, trx, id, status, 'pending'));
      assert.ok(moved, `pending → ${status}`);
    }
    return id;
  }

  const actionsOf = async (app: App, id: string) => (await app.services.audit.list({ subjectId: id })).map((e) => e.action);

  for (const from of ['pending', ...MOVES] as const) {
    test(`from ${from}: only the table's moves change the status, each with one audit entry`, async () => {
      const { app } = ctx();
      for (const to of MOVES) {
        const id = await subscriptionIn(app, from);
        const before = await actionsOf(app, id);
        const moved = await app.services.db.transaction().execute((trx) => moveTo(app, trx, id, to, from));
        const allowed = canMove(from, to);
        assert.equal(moved, allowed, `${from} → ${to}`);
        const after = await app.services.subscriptions.find(app.services.db, id);
        assert.equal(after?.status, allowed ? to : from, `${from} → ${to} leaves it ${allowed ? to : from}`);
        const added = (await actionsOf(app, id)).filter((action) => action === ARRIVAL_ACTIONS[to]).length
          - before.filter((action) => action === ARRIVAL_ACTIONS[to]).length;
        assert.equal(added, allowed ? 1 : 0, `${from} → ${to} audited ${allowed ? 'once' : 'never'}`);
      }
    });
  }

  test('a move records what its status keeps: the platform\'s id and dates, or the reason of a failure', async () => {
    const { app } = ctx();
    const { subscriptions, db } = app.services;
    const active = await subscriptionIn(app, 'provisioning');
    await db.transaction().execute((trx) => subscriptions.markActive(trx, active, {
      externalId: 'plat-1', startsAt: '2026-11-27T12:00:00.000Z', endsAt: '2026-12-27T12:00:00.000Z',
    }, systemActor, { provisioner: 'builtin' }));
    assert.deepEqual(
      (({ status, externalId, startsAt, endsAt }) => ({ status, externalId, startsAt, endsAt }))((await subscriptions.find(db, active))!),
      { status: 'active', externalId: 'plat-1', startsAt: '2026-11-27T12:00:00.000Z', endsAt: '2026-12-27T12:00:00.000Z' },
    );
    const activated = (await app.services.audit.list({ subjectId: active })).find((e) => e.action === 'subscription.activated');
    assert.deepEqual(activated?.details, { externalId: 'plat-1', provisioner: 'builtin' });

    const failed = await subscriptionIn(app, 'failed');
    const record = await subscriptions.find(db, failed);
    assert.equal(record?.failureReason, 'test');
    assert.equal(record?.externalId, null);
  });
});
