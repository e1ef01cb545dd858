import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildApp, type App } from '../../app.ts';
import { createTestDatabase, describeEachDatabase, redisSkipReason, testConfig, testRedisUrl, type TestDatabase } from '../../testing/harness.ts';
import { apiKeyHeader, createAccount, type TestAccount } from '../../testing/factories.ts';
import { ADDRESS_LIMITS } from './guessing-limits.ts';
import {
  codeHashOf, createCampaignWithCodes, mistype, neverIssuedCode, typedCasually, uniqueAddress,
} from './redemptions.testing.ts';

const json = (cookie: string, body: unknown, remoteAddress = '127.0.0.1') =>
  ({ method: 'POST' as const, headers: { cookie, 'content-type': 'application/json' }, payload: JSON.stringify(body), remoteAddress });

/** What the throttles asked to wait, instead of waiting: the tests look at the waits. */
const waits: number[] = [];
const recordWait = async (ms: number) => { waits.push(ms); };

describeEachDatabase('redemptions API', (ctx) => {
  const redeem = (account: TestAccount, code: string, country = 'FI', remoteAddress = '127.0.0.1') =>
    ctx().app.inject({ url: '/api/v1/redemptions', ...json(account.cookie, { code, country }, remoteAddress) });
  const check = (body: unknown, options: { cookie?: string; remoteAddress?: string } = {}) =>
    ctx().app.inject({
      method: 'POST', url: '/api/v1/redemptions/check', payload: body as object, remoteAddress: options.remoteAddress ?? '127.0.0.1',
      headers: options.cookie ? { cookie: options.cookie } : {},
    });
  const account = (options: Parameters<typeof createAccount>[2] = {}) => createAccount(ctx().app, ctx().config, options);
  const campaign = (options: Parameters<typeof createCampaignWithCodes>[2] = {}) => createCampaignWithCodes(ctx().app, ctx().config, options);

  // ---- check ---------------------------------------------------------------------------

  test('check: a good code shows its campaign, credit and validity, typed casually', async () => {
    const c = await campaign({ name: 'Spring workshop', creditAmount: 10_000, validityDays: 30 });
    const response = await check({ code: typedCasually(c.codes[0]!), country: 'fi' });
    assert.equal(response.statusCode, 200);
    assert.deepEqual(response.json(), { campaign: { name: 'Spring workshop', credit: { amount: 10_000, currency: 'USD' }, validityDays: 30 } });
  });

  test('check: every refusal with its code and status', async () => {
    const c = await campaign({ count: 4, countries: ['FI', 'SE'] });
    const expect = async (body: unknown, status: number, code: string, cookie?: string) => {
      const response = await check(body, { cookie, remoteAddress: uniqueAddress() });
      assert.equal(response.statusCode, status, `${code}: ${response.body}`);
      assert.match(response.headers['content-type'] as string, /application\/problem\+json/);
      assert.equal(response.json().code, code);
      return response.json();
    };
    await expect({ code: mistype(c.codes[0]!), country: 'FI' }, 422, 'code_mistyped');
    await expect({ code: 'short', country: 'FI' }, 422, 'code_mistyped');
    await expect({ code: '', country: 'FI' }, 422, 'code_mistyped');
    // A typo is named as a typo even with a nonsense country: it comes before anything else.
    await expect({ code: mistype(c.codes[0]!), country: 'XX' }, 422, 'code_mistyped');
    await expect({ code: neverIssuedCode(), country: 'FI' }, 404, 'invalid_code');
    await expect({ code: c.codes[0], country: 'XX' }, 400, 'validation_failed');
    await expect({ code: c.codes[0] }, 400, 'validation_failed');
    const notHere = await expect({ code: c.codes[0], country: 'DE' }, 403, 'country_not_eligible');
    assert.match(notHere.detail, /not available in Germany/);

    const db = ctx().app.services.db;
    await db.updateTable('pass_codes').set({ state: 'revoked', revoked_at: new Date().toISOString() })
      .where('code_hash', '=', codeHashOf(ctx().config, c.codes[1]!)).execute();
    await expect({ code: c.codes[1], country: 'FI' }, 410, 'code_revoked');

    const owner = await account();
    assert.equal((await redeem(owner, c.codes[2]!)).statusCode, 201);
    const used = await expect({ code: c.codes[2], country: 'FI' }, 409, 'code_already_used');
    assert.equal(used.detail, 'This promo code is already used.');
    const someoneElse = await account();
    await expect({ code: c.codes[2], country: 'FI' }, 409, 'code_already_used', someoneElse.cookie);
    const mine = await check({ code: c.codes[2], country: 'FI' }, { cookie: owner.cookie });
    assert.equal(mine.statusCode, 200);
    assert.equal(mine.json().redeemedByYou, true);
    assert.equal(mine.json().redemption.state, 'redeemed');

    await db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', c.id).execute();
    await expect({ code: c.codes[3], country: 'FI' }, 423, 'campaign_paused');
    await db.updateTable('campaigns').set({ status: 'closed' }).where('id', '=', c.id).execute();
    const closed = await expect({ code: c.codes[3], country: 'FI' }, 410, 'code_expired');
    assert.equal(closed.reason, 'campaign_closed');
  });

  test('check: past the redeem-by date the code is expired', async () => {
    const c = await campaign({ redeemBy: '2020-01-31' });
    const response = await check({ code: c.codes[0], country: 'FI' }, { remoteAddress: uniqueAddress() });
    assert.equal(response.statusCode, 410);
    assert.equal(response.json().code, 'code_expired');
    assert.match(response.json().detail, /until 31 January 2020/);
  });

  test('check: malformed bodies are 400, never 500', async () => {
    for (const payload of [{}, { code: 5, country: 'FI' }, { code: 'x'.repeat(100), country: 'FI' }, { code: 'A', country: 'FI', extra: 1 }]) {
      const response = await check(payload);
      assert.ok([400, 422].includes(response.statusCode), `${JSON.stringify(payload)} → ${response.statusCode}`);
    }
    const notJson = await ctx().app.inject({ method: 'POST', url: '/api/v1/redemptions/check', payload: '{', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.statusCode, 400);
  });

  // ---- redeem ----------------------------------------------------------------------------

  test('redeem: binds the code once, with the redemption, the code state and an audit entry', async () => {
    const c = await campaign({ name: 'Hackathon', creditAmount: 5_000, validityDays: 14 });
    const who = await account();
    const response = await redeem(who, typedCasually(c.codes[0]!));
    assert.equal(response.statusCode, 201);
    const body = response.json();
    assert.equal(body.state, 'redeemed');
    assert.deepEqual(body.campaign, { id: c.id, name: 'Hackathon', credit: { amount: 5_000, currency: 'USD' }, validityDays: 14 });
    assert.equal(body.subscriptionId, null);
    assert.equal(body.country, 'FI');
    assert.equal(body.codeLast4, c.codes[0]!.slice(-4));
    assert.ok(Date.parse(body.redeemedAt));

    const db = ctx().app.services.db;
    const hash = codeHashOf(ctx().config, c.codes[0]!);
    const code = await db.selectFrom('pass_codes').selectAll().where('code_hash', '=', hash).executeTakeFirstOrThrow();
    assert.equal(code.state, 'redeemed');
    assert.equal(code.account_id, who.id);
    assert.equal(code.redeemed_at, body.redeemedAt);
    const audit = await ctx().app.services.audit.list({ subjectId: hash });
    assert.equal(audit.length, 1);
    assert.equal(audit[0]!.action, 'code.redeemed');
    assert.equal(audit[0]!.actor.id, who.id);
    assert.equal(audit[0]!.details.redemptionId, body.id);
  });

  test('redeem: your own code again resumes (200, same redemption); someone else gets code_already_used', async () => {
    const c = await campaign();
    const who = await account();
    const first = await redeem(who, c.codes[0]!);
    assert.equal(first.statusCode, 201);
    const again = await redeem(who, typedCasually(c.codes[0]!), 'SE');
    assert.equal(again.statusCode, 200);
    assert.deepEqual(again.json(), first.json());
    const other = await account();
    const refused = await redeem(other, c.codes[0]!);
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'code_already_used');
    const rows = await ctx().app.services.db.selectFrom('redemptions').selectAll().where('campaign_id', '=', c.id).execute();
    assert.equal(rows.length, 1);
  });

  test('redeem: sign-in, verified email, typos, pass limit and the other refusals', async () => {
    const c = await campaign({ count: 3, countries: ['FI'] });
    const anonymous = await ctx().app.inject({ url: '/api/v1/redemptions', ...json('', { code: c.codes[0], country: 'FI' }) });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().code, 'unauthenticated');

    const unverified = await account({ verified: false });
    const notVerified = await redeem(unverified, c.codes[0]!);
    assert.equal(notVerified.statusCode, 403);
    assert.equal(notVerified.json().code, 'email_not_verified');

    const who = await account();
    assert.equal((await redeem(who, mistype(c.codes[0]!))).json().code, 'code_mistyped');
    assert.equal((await redeem(who, c.codes[0]!, 'SE')).json().code, 'country_not_eligible');
    assert.equal((await redeem(who, neverIssuedCode(), 'FI', uniqueAddress())).statusCode, 404);
    assert.equal((await redeem(who, c.codes[0]!)).statusCode, 201);
    const limit = await redeem(who, c.codes[1]!);
    assert.equal(limit.statusCode, 409);
    assert.equal(limit.json().code, 'pass_limit_reached');
    // Nothing changed for the refused code.
    const code = await ctx().app.services.db.selectFrom('pass_codes').select('state').where('code_hash', '=', codeHashOf(ctx().config, c.codes[1]!)).executeTakeFirstOrThrow();
    assert.equal(code.state, 'issued');
  });

  test('redeem: a campaign allowing two passes per account gives two, not three', async () => {
    const c = await campaign({ count: 3, passesPerAccount: 2 });
    const who = await account();
    assert.equal((await redeem(who, c.codes[0]!)).statusCode, 201);
    assert.equal((await redeem(who, c.codes[1]!)).statusCode, 201);
    assert.equal((await redeem(who, c.codes[2]!)).json().code, 'pass_limit_reached');
  });

  test('list and get: own redemptions newest first; another account\'s is not found', async () => {
    const c = await campaign({ count: 2, passesPerAccount: 2 });
    const who = await account();
    const first = (await redeem(who, c.codes[0]!)).json();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const second = (await redeem(who, c.codes[1]!)).json();
    const list = await ctx().app.inject({ url: '/api/v1/redemptions', headers: { cookie: who.cookie } });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json().items.map((r: { id: string }) => r.id), [second.id, first.id]);
    const one = await ctx().app.inject({ url: `/api/v1/redemptions/${first.id}`, headers: { cookie: who.cookie } });
    assert.deepEqual(one.json(), first);
    const other = await account();
    const hidden = await ctx().app.inject({ url: `/api/v1/redemptions/${first.id}`, headers: { cookie: other.cookie } });
    assert.equal(hidden.statusCode, 404);
    assert.equal(hidden.json().code, 'not_found');
    assert.deepEqual((await ctx().app.inject({ url: '/api/v1/redemptions', headers: { cookie: other.cookie } })).json(), { items: [] });
  });

  // ---- release ---------------------------------------------------------------------------

  test('release by the recipient: the code is issued again and another account can redeem it', async () => {
    const c = await campaign();
    const first = await account();
    const redemption = (await redeem(first, c.codes[0]!)).json();
    const release = (cookie: string, id = redemption.id) =>
      ctx().app.inject({ method: 'POST', url: `/api/v1/redemptions/${id}/release`, headers: { cookie } });

    const other = await account();
    assert.equal((await release(other.cookie)).statusCode, 404);
    const released = await release(first.cookie);
    assert.equal(released.statusCode, 200);
    assert.equal(released.json().state, 'released');
    assert.ok(released.json().releasedAt);
    assert.equal((await release(first.cookie)).statusCode, 200, 'releasing twice changes nothing');

    const db = ctx().app.services.db;
    const hash = codeHashOf(ctx().config, c.codes[0]!);
    const code = await db.selectFrom('pass_codes').selectAll().where('code_hash', '=', hash).executeTakeFirstOrThrow();
    assert.deepEqual([code.state, code.account_id, code.redeemed_at], ['issued', null, null]);

    const again = await redeem(other, c.codes[0]!);
    assert.equal(again.statusCode, 201);
    assert.notEqual(again.json().id, redemption.id);
    // The first account's pass limit is free again too, and its history keeps the released one.
    const history = (await ctx().app.inject({ url: '/api/v1/redemptions', headers: { cookie: first.cookie } })).json();
    assert.deepEqual(history.items.map((r: { state: string }) => r.state), ['released']);

    const actions = (await ctx().app.services.audit.list({ subjectId: hash })).map((e) => e.action).reverse();
    assert.deepEqual(actions, ['code.redeemed', 'code.released', 'code.redeemed']);
  });

  test('release after activation is already_activated', async () => {
    const c = await campaign();
    const who = await account();
    const redemption = (await redeem(who, c.codes[0]!)).json();
    await markActivated(redemption.id, who.id);
    const response = await ctx().app.inject({ method: 'POST', url: `/api/v1/redemptions/${redemption.id}/release`, headers: { cookie: who.cookie } });
    assert.equal(response.statusCode, 409);
    assert.equal(response.json().code, 'already_activated');
    const operator = await ctx().app.inject({ method: 'POST', url: '/api/v1/codes/release', headers: { authorization: await apiKeyHeader(ctx().app) }, payload: { code: c.codes[0] } });
    assert.equal(operator.statusCode, 409);
    assert.equal(operator.json().code, 'already_activated');
    // Resuming an activated pass points at its subscription.
    const resumed = await redeem(who, c.codes[0]!);
    assert.equal(resumed.statusCode, 200);
    assert.equal(resumed.json().state, 'activated');
    assert.ok(resumed.json().subscriptionId);
  });

  test('release by an operator: audited with the key, and only operators may', async () => {
    const c = await campaign();
    const who = await account();
    const redemption = (await redeem(who, c.codes[0]!)).json();
    const operatorRelease = (headers: Record<string, string>, code = c.codes[0]) =>
      ctx().app.inject({ method: 'POST', url: '/api/v1/codes/release', headers, payload: { code } });

    assert.equal((await operatorRelease({})).statusCode, 401);
    assert.equal((await operatorRelease({ cookie: who.cookie })).statusCode, 403);
    assert.equal((await operatorRelease({ authorization: await apiKeyHeader(ctx().app, 'platform') })).statusCode, 403);
    const key = await apiKeyHeader(ctx().app);
    assert.equal((await operatorRelease({ authorization: key }, neverIssuedCode())).json().code, 'invalid_code');
    assert.equal((await operatorRelease({ authorization: key }, mistype(c.codes[0]!))).json().code, 'code_mistyped');

    const response = await operatorRelease({ authorization: key }, typedCasually(c.codes[0]!));
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().state, 'issued');
    assert.equal(response.json().campaignId, c.id);
    assert.equal(response.json().redemption.id, redemption.id);
    assert.equal(response.json().redemption.state, 'released');

    const events = await ctx().app.services.audit.list({ subjectId: codeHashOf(ctx().config, c.codes[0]!) });
    assert.equal(events[0]!.action, 'code.released');
    assert.equal(events[0]!.actor.type, 'apikey');
    assert.equal(events[0]!.details.by, 'operator');
    // An issued code is simply issued: nothing to release.
    const idle = await operatorRelease({ authorization: key });
    assert.equal(idle.statusCode, 200);
    assert.equal(idle.json().redemption, null);
    const other = await account();
    assert.equal((await redeem(other, c.codes[0]!)).statusCode, 201);
  });

  // ---- guessing ------------------------------------------------------------------------------

  test('guessing: 20 never-issued codes an hour per verified account, then 429 with Retry-After; typos do not count', async () => {
    const c = await campaign();
    const who = await account();
    const address = uniqueAddress();
    for (let i = 0; i < 5; i++) assert.equal((await redeem(who, mistype(neverIssuedCode()), 'FI', address)).statusCode, 422);
    for (let i = 0; i < 20; i++) {
      const response = await redeem(who, neverIssuedCode(), 'FI', address);
      assert.equal(response.statusCode, 404, `attempt ${i + 1}`);
    }
    const blocked = await redeem(who, neverIssuedCode(), 'FI', address);
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().code, 'too_many_attempts');
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 3600, `Retry-After ${retryAfter}`);
    // Blocked means blocked: a real code learns nothing either, from another address too.
    const real = await redeem(who, c.codes[0]!, 'FI', uniqueAddress());
    assert.equal(real.statusCode, 429);
    // Typos are still named as typos: they never reach the database.
    assert.equal((await redeem(who, mistype(c.codes[0]!), 'FI', address)).statusCode, 422);
    // Others are not affected, not even behind the same address.
    const other = await account();
    assert.equal((await redeem(other, c.codes[0]!, 'FI', address)).statusCode, 201);

    const metrics = await ctx().app.metrics.registry.metrics();
    assert.ok(Number(/cloudpass_redemption_failures_total\{scope="redeem"\} (\d+)/.exec(metrics)?.[1]) >= 20);
    assert.match(metrics, /cloudpass_redemptions_total\{outcome="too_many_attempts"\} \d+/);
    assert.match(metrics, /cloudpass_redemptions_total\{outcome="redeemed"\} \d+/);
  });

  test('guessing: signed out, an address slows down past 100 failures an hour and is refused past 1,000', async () => {
    const address = uniqueAddress();
    const probe = () => check({ code: neverIssuedCode(), country: 'FI' }, { remoteAddress: address });
    waits.length = 0;
    for (let i = 0; i < ADDRESS_LIMITS.softLimit; i++) assert.equal((await probe()).statusCode, 404);
    assert.deepEqual(waits, [], 'no wait below the soft limit');
    // Past it, every check still gets its answer, each after a longer wait (up to five seconds).
    for (let i = ADDRESS_LIMITS.softLimit; i < ADDRESS_LIMITS.hardLimit; i++) assert.equal((await probe()).statusCode, 404, `failure ${i + 1}`);
    assert.equal(waits.length, ADDRESS_LIMITS.hardLimit - ADDRESS_LIMITS.softLimit);
    assert.equal(waits[0], 250);
    assert.ok(waits.every((ms, i) => ms >= (waits[i - 1] ?? 0) && ms <= 5000), 'waits grow and stay under five seconds');
    assert.equal(waits.at(-1), 5000);
    // Past the hard limit: refused, real codes and all, so the attacker behind it has had its 1,000 tries.
    const blocked = await probe();
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    const c = await campaign({ count: 2 });
    assert.equal((await check({ code: c.codes[0], country: 'FI' }, { remoteAddress: address })).statusCode, 429);
    // An account that has not verified its email is held by its address like anyone signed out.
    const unverified = await account({ verified: false });
    assert.equal((await check({ code: c.codes[0], country: 'FI' }, { cookie: unverified.cookie, remoteAddress: address })).statusCode, 429);
    // A signed-in, verified neighbour is held by its own limit, not by the address: it checks and redeems.
    const neighbour = await account();
    assert.equal((await check({ code: c.codes[0], country: 'FI' }, { cookie: neighbour.cookie, remoteAddress: address })).statusCode, 200);
    assert.equal((await redeem(neighbour, c.codes[0]!, 'FI', address)).statusCode, 201);
    // Another address is fine.
    assert.equal((await check({ code: neverIssuedCode(), country: 'FI' }, { remoteAddress: uniqueAddress() })).statusCode, 404);
  });

  test('guessing: /check counts per account when signed in and verified', async () => {
    const who = await account();
    for (let i = 0; i < 20; i++) {
      assert.equal((await check({ code: neverIssuedCode(), country: 'FI' }, { cookie: who.cookie, remoteAddress: uniqueAddress() })).statusCode, 404);
    }
    assert.equal((await check({ code: neverIssuedCode(), country: 'FI' }, { cookie: who.cookie, remoteAddress: uniqueAddress() })).statusCode, 429);
    assert.equal((await redeem(who, neverIssuedCode(), 'FI', uniqueAddress())).statusCode, 429);
  });

  test('successes and other refusals never count as guesses (a classroom behind one address)', async () => {
    const address = uniqueAddress();
    const c = await campaign({ count: 120 });
    waits.length = 0;
    for (const code of c.codes) assert.equal((await check({ code, country: 'FI' }, { remoteAddress: address })).statusCode, 200);
    assert.equal((await check({ code: neverIssuedCode(), country: 'FI' }, { remoteAddress: address })).statusCode, 404);
    assert.deepEqual(waits, []);
  });

  // ---- races ---------------------------------------------------------------------------------

  test('race: 120 accounts redeem one code at once: exactly one wins, the rest code_already_used', async () => {
    const c = await campaign({ count: 1 });
    const accounts = await Promise.all(Array.from({ length: 120 }, () => account()));
    const responses = await Promise.all(accounts.map((a) => redeem(a, c.codes[0]!)));
    const statuses = responses.map((r) => r.statusCode);
    assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${JSON.stringify(count(statuses))}`);
    const refused = responses.filter((r) => r.statusCode !== 201);
    assert.ok(refused.every((r) => r.statusCode === 409 && r.json().code === 'code_already_used'), JSON.stringify(count(refused.map((r) => r.body))));
    const db = ctx().app.services.db;
    const rows = await db.selectFrom('redemptions').selectAll().where('campaign_id', '=', c.id).execute();
    assert.equal(rows.length, 1);
    const winner = responses.find((r) => r.statusCode === 201)!.json();
    assert.equal(rows[0]!.id, winner.id);
    const code = await db.selectFrom('pass_codes').selectAll().where('campaign_id', '=', c.id).executeTakeFirstOrThrow();
    assert.equal(code.account_id, rows[0]!.account_id);
    const audits = await ctx().app.services.audit.list({ subjectId: code.code_hash });
    assert.equal(audits.length, 1);
  });

  test('race: one account redeems 20 codes of a one-pass campaign at once: exactly one succeeds (three accounts at once)', async () => {
    const c = await campaign({ count: 60, passesPerAccount: 1 });
    const accounts = await Promise.all([account(), account(), account()]);
    const rounds = await Promise.all(accounts.map((who, n) => Promise.all(c.codes.slice(n * 20, n * 20 + 20).map((code) => redeem(who, code)))));
    const db = ctx().app.services.db;
    for (const [n, responses] of rounds.entries()) {
      const statuses = responses.map((r) => r.statusCode);
      assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(count(statuses)));
      const refused = responses.filter((r) => r.statusCode !== 201);
      assert.ok(refused.every((r) => r.statusCode === 409 && r.json().code === 'pass_limit_reached'), JSON.stringify(count(refused.map((r) => r.body))));
      assert.equal((await db.selectFrom('redemptions').selectAll().where('account_id', '=', accounts[n]!.id).execute()).length, 1);
    }
    const states = await db.selectFrom('pass_codes').select('state').where('campaign_id', '=', c.id).execute();
    assert.equal(states.filter((s) => s.state === 'redeemed').length, 3);
  });

  test('race: one account redeeming the same code 30 times at once gets one 201 and 29 resumes', async () => {
    const c = await campaign({ count: 1 });
    const who = await account();
    const responses = await Promise.all(Array.from({ length: 30 }, () => redeem(who, c.codes[0]!)));
    const statuses = responses.map((r) => r.statusCode).sort((x, y) => x - y);
    assert.deepEqual(count(statuses), { 200: 29, 201: 1 });
    assert.equal(new Set(responses.map((r) => r.json().id)).size, 1);
  });

  test('race: release and re-redeem at once by 50 other accounts: the code ends with exactly one live holder', async () => {
    const c = await campaign({ count: 1 });
    const first = await account();
    const redemption = (await redeem(first, c.codes[0]!)).json();
    const others = await Promise.all(Array.from({ length: 50 }, () => account()));
    const [release, ...attempts] = await Promise.all([
      ctx().app.inject({ method: 'POST', url: `/api/v1/redemptions/${redemption.id}/release`, headers: { cookie: first.cookie } }),
      ...others.map((a) => redeem(a, c.codes[0]!)),
    ]);
    assert.equal(release.statusCode, 200);
    assert.ok(attempts.filter((r) => r.statusCode === 201).length <= 1);
    assert.ok(attempts.every((r) => r.statusCode === 201 || r.json().code === 'code_already_used'), JSON.stringify(count(attempts.map((r) => r.body))));
    const db = ctx().app.services.db;
    const live = await db.selectFrom('redemptions').selectAll().where('campaign_id', '=', c.id).where('state', '<>', 'released').execute();
    const code = await db.selectFrom('pass_codes').selectAll().where('campaign_id', '=', c.id).executeTakeFirstOrThrow();
    assert.equal(live.length, attempts.filter((r) => r.statusCode === 201).length);
    assert.equal(code.state, live.length === 1 ? 'redeemed' : 'issued');
    assert.equal(code.account_id, live[0]?.account_id ?? null);
  });

  async function markActivated(redemptionId: string, accountId: string): Promise<string> {
    // What the subscriptions module does when it activates a redemption.
    const db = ctx().app.services.db;
    const now = new Date().toISOString();
    const subscriptionId = crypto.randomUUID();
    await db.insertInto('subscriptions').values({
      id: subscriptionId, account_id: accountId, offer: 'pass', redemption_id: redemptionId, status: 'pending', credit_currency: 'USD',
      validity_days: 30, starts_at: null, ends_at: null, external_id: null, profile: '{}', failure_reason: null, created_at: now, updated_at: now,
    }).execute();
    await db.updateTable('redemptions').set({ state: 'activated', activated_at: now, subscription_id: subscriptionId })
      .where('id', '=', redemptionId).where('state', '=', 'redeemed').execute();
    return subscriptionId;
  }
}, { sleep: recordWait });

function count<T extends string | number>(values: T[]): Record<string, number> {
  const result: Record<string, number> = {};
  for (const v of values) result[String(v)] = (result[String(v)] ?? 0) + 1;
  return result;
}

// ---- shared limits across instances ------------------------------------------------------------

describe('guessing limits are shared by every instance through Redis', { skip: redisSkipReason }, () => {
  let database: TestDatabase;
  let apps: App[] = [];

  before(async () => {
    database = await createTestDatabase('sqlite');
    const config = testConfig(database.url, { REDIS_URL: testRedisUrl });
    apps = [
      await buildApp({ config, database: database.handle, logger: false, sleep: recordWait }),
      await buildApp({ config, database: database.handle, logger: false, sleep: recordWait }),
    ];
    await Promise.all(apps.map((a) => a.ready()));
    // The global count is shared by every run against this Redis within the hour: start it from nothing.
    await apps[0]!.services.redis!.del('cloudpass:redeem-failures:global:all');
  });
  after(async () => {
    for (const a of apps) await a.close();
    await database?.drop();
  });

  test('20 failures spread over two instances block the account on both', async () => {
    const [one, two] = apps as [App, App];
    const who = await createAccount(one, one.services.config);
    for (let i = 0; i < 20; i++) {
      const app = i % 2 === 0 ? one : two;
      const response = await app.inject({ url: '/api/v1/redemptions', ...json(who.cookie, { code: neverIssuedCode(), country: 'FI' }, uniqueAddress()) });
      assert.equal(response.statusCode, 404);
    }
    for (const app of [one, two]) {
      const response = await app.inject({ url: '/api/v1/redemptions', ...json(who.cookie, { code: neverIssuedCode(), country: 'FI' }, uniqueAddress()) });
      assert.equal(response.statusCode, 429);
      assert.ok(Number(response.headers['retry-after']) > 0);
    }
  });

  test('failures from one address over two instances slow it down, then block it, on both', async () => {
    const [one, two] = apps as [App, App];
    const address = uniqueAddress();
    const probe = (app: App) => app.inject({ method: 'POST', url: '/api/v1/redemptions/check', payload: { code: neverIssuedCode(), country: 'FI' }, remoteAddress: address });
    waits.length = 0;
    for (let i = 0; i < ADDRESS_LIMITS.hardLimit; i++) assert.equal((await probe(i % 2 === 0 ? one : two)).statusCode, 404);
    assert.equal(waits.length, ADDRESS_LIMITS.hardLimit - ADDRESS_LIMITS.softLimit, 'both instances slowed down past the shared soft limit');
    for (const app of [one, two]) assert.equal((await probe(app)).statusCode, 429);
  });
});
