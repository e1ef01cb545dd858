import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Trx } from '../../db/database.ts';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import type { App } from '../../app.ts';
import { systemActor } from '../audit/audit.service.ts';
import {
  allows, canMove, MOVES, STATUSES, TRANSITIONS, type MoveName, type SubscriptionStatus,
} from './subscription-status.ts';
import { signUpForTrial } from './subscriptions.testing.ts';

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
  ['active', 'disabled'],
  ['active', 'expired'],
  ['disabled', 'expired'],
  ['disabled', 'active'],
  ['expired', 'active'],
  ['disabled', 'deleted'],
  ['expired', 'deleted'],
  ['cancelled', 'deleted'],
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

  test('each move starts from its own statuses, and the table is the moves read from each status', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(MOVES).map(([name, move]) => [name, `${move.from.join('|')} → ${move.to}`])), {
      provisioning: 'pending → provisioning',
      activation: 'pending|provisioning → active',
      failure: 'pending|provisioning → failed',
      cancellation: 'pending|provisioning|active → cancelled',
      disabling: 'active → disabled',
      expiry: 'active|disabled → expired',
      reenabling: 'disabled|expired → active',
      deletion: 'disabled|expired|cancelled → deleted',
    });
    for (const name of Object.keys(MOVES) as MoveName[]) {
      for (const from of STATUSES) {
        if (allows(name, from)) assert.ok(canMove(from, MOVES[name].to), `${name} from ${from} is in the table`);
      }
    }
    assert.deepEqual(TRANSITIONS.failed, []);
    assert.deepEqual(TRANSITIONS.cancelled, ['deleted']);
    assert.deepEqual(TRANSITIONS.deleted, []);
    assert.equal(allows('activation', 'failed'), false);
    assert.equal(allows('cancellation', 'cancelled'), false);
  });
});

// The one writer against the database: from every status a subscription can reach today, every move is
// tried; the conditional write must make exactly the moves the table allows and audit exactly those.
const MOVE_NAMES = Object.keys(MOVES) as MoveName[];
const REACHABLE = ['pending', 'provisioning', 'active', 'failed', 'cancelled', 'disabled', 'expired', 'deleted'] as const;
/** How each status is reached from pending, move by move. */
const ROUTE: Record<(typeof REACHABLE)[number], MoveName[]> = {
  pending: [], provisioning: ['provisioning'], active: ['activation'], failed: ['failure'], cancelled: ['cancellation'],
  disabled: ['activation', 'disabling'], expired: ['activation', 'expiry'], deleted: ['activation', 'expiry', 'deletion'],
};

describeEachDatabase('subscription status writes', (ctx) => {
  async function make(app: App, trx: Trx, id: string, name: MoveName, from: SubscriptionStatus): Promise<boolean> {
    const { subscriptions } = app.services;
    switch (name) {
      case 'provisioning': return subscriptions.markProvisioning(trx, id, systemActor);
      case 'activation': return subscriptions.markActive(trx, id, { externalId: `ext-${id}`, startsAt: new Date().toISOString(), endsAt: '2099-01-01T00:00:00.000Z' }, systemActor);
      case 'failure': return subscriptions.markFailed(trx, id, 'test', systemActor);
      case 'cancellation': return subscriptions.markCancelled(trx, { id, status: from }, systemActor);
      case 'disabling': return subscriptions.markDisabled(trx, id, 'operator', systemActor);
      case 'expiry': return subscriptions.markExpired(trx, { id, status: from }, systemActor);
      case 'reenabling': return subscriptions.markReenabled(trx, id, systemActor);
      case 'deletion': return subscriptions.markDeleted(trx, id, systemActor);
    }
  }

  /** A new subscription brought to `status` by the moves themselves. */
  async function subscriptionIn(app: App, status: (typeof REACHABLE)[number]): Promise<string> {
    const { config } = ctx();
    const account = await createAccount(app, config);
    const id = await signUpForTrial(app, account.id);
    let at: SubscriptionStatus = 'pending';
    for (const name of ROUTE[status]) {
      const moved = await app.services.db.transaction().execute((trx) => make(app, trx, id, name, at));
      assert.ok(moved, `${at} → ${MOVES[name].to}`);
      at = MOVES[name].to;
    }
    return id;
  }

  const actionsOf = async (app: App, id: string) => (await app.services.audit.list({ subjectId: id })).map((e) => e.action);

  for (const from of REACHABLE) {
    test(`from ${from}: only the moves the table allows change the status, each with one audit entry`, async () => {
      const { app } = ctx();
      for (const name of MOVE_NAMES) {
        const { to, audit } = MOVES[name];
        const id = await subscriptionIn(app, from);
        const before = await actionsOf(app, id);
        const moved = await app.services.db.transaction().execute((trx) => make(app, trx, id, name, from));
        const allowed = allows(name, from);
        assert.equal(moved, allowed, `${name} from ${from}`);
        const after = await app.services.subscriptions.find(app.services.db, id);
        assert.equal(after?.status, allowed ? to : from, `${name} from ${from} leaves it ${allowed ? to : from}`);
        const added = (await actionsOf(app, id)).filter((action) => action === audit).length - before.filter((action) => action === audit).length;
        assert.equal(added, allowed ? 1 : 0, `${name} from ${from} audited ${allowed ? 'once' : 'never'}`);
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
