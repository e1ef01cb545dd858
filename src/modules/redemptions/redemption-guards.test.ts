// The conditional writes that guard a code's and a redemption's state, each tested where only the guard
// stands between two operations: called directly on a row another operation already moved (the moment
// between one request's check and its write), and as real races between different operations. Each test
// fails when its guard's condition is removed (scripts/guard-mutations.mjs removes them one by one).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import { iso } from '../../lib/clock.ts';
import { systemActor } from '../audit/audit.service.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { activate, profileOf } from '../subscriptions/subscriptions.testing.ts';
import { markReleased } from './redemptions.repository.ts';
import { createCampaignWithCodes, uniqueAddress } from './redemptions.testing.ts';

const ROUNDS = 12;

describeEachDatabase('guarded writes of codes and redemptions', (ctx) => {
  const services = () => ctx().app.services;
  const account = () => createAccount(ctx().app, ctx().config);
  const redeem = (who: TestAccount, code: string) => ctx().app.inject({
    method: 'POST', url: '/api/v1/redemptions', remoteAddress: uniqueAddress(),
    headers: { cookie: who.cookie, 'content-type': 'application/json' }, payload: { code, country: 'FI' },
  });
  const codeRow = (app: App, code: string) => app.services.db.selectFrom('pass_codes').selectAll()
    .where('code_hash', '=', app.services.codes.parse(code).hash).executeTakeFirstOrThrow();
  const liveRedemptions = (app: App, code: string) => app.services.db.selectFrom('redemptions').selectAll()
    .where('code_hash', '=', app.services.codes.parse(code).hash).where('state', '<>', 'released').execute();

  // ---- binding: only an issued code ------------------------------------------------------------------

  test('binding: a code revoked, or bound, since it was checked is not bound again', async () => {
    const { app, config } = ctx();
    const { codes, db } = services();
    const c = await createCampaignWithCodes(app, config, { count: 2 });
    const [first, second] = [await account(), await account()];
    await codes.revoke([c.codes[0]!], systemActor);
    const bound = (code: string, who: TestAccount) =>
      db.transaction().execute((trx) => codes.bindIssued(trx, codes.parse(code), who.id, iso(new Date())));
    assert.equal(await bound(c.codes[0]!, first), false, 'a revoked code is not bound');
    assert.equal((await codeRow(app, c.codes[0]!)).state, 'revoked');
    assert.equal(await bound(c.codes[1]!, first), true);
    assert.equal(await bound(c.codes[1]!, second), false, 'a bound code is not bound to another account');
    assert.equal((await codeRow(app, c.codes[1]!)).account_id, first.id);
  });

  test('race: revoke against redeem — the code ends revoked with no holder, or redeemed by exactly one', async () => {
    const { app, config } = ctx();
    const c = await createCampaignWithCodes(app, config, { count: ROUNDS });
    const people = await Promise.all(Array.from({ length: 4 }, account));
    for (const code of c.codes) {
      await Promise.all([services().codes.revoke([code], systemActor), ...people.map((who) => redeem(who, code))]);
      const row = await codeRow(app, code);
      const live = await liveRedemptions(app, code);
      if (row.state === 'revoked') assert.equal(live.length, 0, 'a revoked code has no holder');
      else {
        assert.equal(row.state, 'redeemed');
        assert.equal(live.length, 1);
        assert.equal(live[0]!.account_id, row.account_id);
      }
    }
  });

  // ---- revoking: only an issued code -----------------------------------------------------------------

  test('revoking leaves a redeemed code with its holder', async () => {
    const { app, config } = ctx();
    const c = await createCampaignWithCodes(app, config, { count: 1 });
    const who = await account();
    assert.equal((await redeem(who, c.codes[0]!)).statusCode, 201);
    assert.deepEqual(await services().codes.revoke([c.codes[0]!], systemActor), { revoked: 0 });
    const row = await codeRow(app, c.codes[0]!);
    assert.equal(row.state, 'redeemed');
    assert.equal(row.account_id, who.id);
  });

  // ---- releasing and activating: only a redemption still 'redeemed' -------------------------------------

  test('releasing: an activated pass is not released, and a code goes back only from its own holder', async () => {
    const { app, config } = ctx();
    const { codes, redemptions, db } = services();
    const c = await createCampaignWithCodes(app, config, { count: 2, passesPerAccount: 2 });
    const [holder, other] = [await account(), await account()];
    const redemption = (await redeem(holder, c.codes[0]!)).json<{ id: string }>();
    assert.equal((await activate(app, holder, { offer: 'pass', redemptionId: redemption.id, profile: profileOf(holder) })).statusCode, 202);
    await assert.rejects(redemptions.releaseOwn(holder.id, redemption.id, systemActor), { code: 'already_activated' });
    // The moment between a release's read of "redeemed" and its write: the activation came first.
    assert.equal(await db.transaction().execute((trx) => markReleased(trx, redemption.id, iso(new Date()))), false);
    assert.equal((await db.selectFrom('redemptions').select('state').where('id', '=', redemption.id).executeTakeFirstOrThrow()).state, 'activated');
    assert.equal((await codeRow(app, c.codes[0]!)).state, 'redeemed');
    // The code of another holder is not reissued for someone who does not hold it.
    assert.equal((await redeem(holder, c.codes[1]!)).statusCode, 201);
    const reissued = await db.transaction().execute((trx) => codes.reissue(trx, codes.parse(c.codes[1]!).hash, other.id));
    assert.equal(reissued, false);
    assert.equal((await codeRow(app, c.codes[1]!)).account_id, holder.id);
    // A code taken out of use while held (as an operator's revocation of a held code would) is not put back.
    const hash = codes.parse(c.codes[1]!).hash;
    await db.updateTable('pass_codes').set({ state: 'revoked' }).where('code_hash', '=', hash).execute();
    assert.equal(await db.transaction().execute((trx) => codes.reissue(trx, hash, holder.id)), false);
    assert.equal((await codeRow(app, c.codes[1]!)).state, 'revoked');
  });

  test('activating: a released pass is not activated, and an activated one not twice', async () => {
    const { app, config } = ctx();
    const { redemptions, db } = services();
    const c = await createCampaignWithCodes(app, config, { count: 2 });
    const who = await account();
    const released = (await redeem(who, c.codes[0]!)).json<{ id: string }>();
    await redemptions.releaseOwn(who.id, released.id, systemActor);
    const mark = (id: string) => db.transaction().execute((trx) => redemptions.markActivated(trx, id, 'sub-x', iso(new Date())));
    assert.equal(await mark(released.id), false, 'a released pass is not activated');
    const kept = (await redeem(who, c.codes[1]!)).json<{ id: string }>();
    assert.equal((await activate(app, who, { offer: 'pass', redemptionId: kept.id, profile: profileOf(who) })).statusCode, 202);
    assert.equal(await mark(kept.id), false, 'an activated pass is not activated again');
    const row = await db.selectFrom('redemptions').select(['state', 'subscription_id']).where('id', '=', kept.id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'activated');
    assert.notEqual(row.subscription_id, 'sub-x');
  });

  test('race: release against activate — the pass ends released with no subscription, or activated with one', async () => {
    const { app, config } = ctx();
    const c = await createCampaignWithCodes(app, config, { count: ROUNDS });
    const who = await account();
    const outcomes = { released: 0, activated: 0 };
    for (const code of c.codes) {
      const { id } = (await redeem(who, code)).json<{ id: string }>();
      await Promise.allSettled([
        services().redemptions.releaseOwn(who.id, id, systemActor),
        activate(app, who, { offer: 'pass', redemptionId: id, profile: profileOf(who) }),
      ]);
      const row = await services().db.selectFrom('redemptions').select(['state', 'subscription_id']).where('id', '=', id).executeTakeFirstOrThrow();
      const subscriptions = await services().db.selectFrom('subscriptions').select('id').where('redemption_id', '=', id).execute();
      const codeState = (await codeRow(app, code)).state;
      if (row.state === 'released') {
        assert.equal(subscriptions.length, 0, 'a released pass has no subscription');
        assert.equal(codeState, 'issued');
        outcomes.released++;
      } else {
        assert.equal(row.state, 'activated');
        assert.equal(subscriptions.length, 1);
        assert.equal(row.subscription_id, subscriptions[0]!.id);
        assert.equal(codeState, 'redeemed');
        outcomes.activated++;
      }
    }
    assert.equal(outcomes.released + outcomes.activated, ROUNDS);
  });
});
