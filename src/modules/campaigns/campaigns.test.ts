import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { describeEachDatabase, manualClock } from '../../testing/harness.ts';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { newId } from '../../lib/ids.ts';
import { codeHasher } from '../codes/codes.service.ts';
import { normalizePassCode } from '../codes/pass-code.ts';
import { formatMinorUnits, parseDecimalAmount } from '../../lib/money.ts';
import { updateCampaignStatus } from './campaigns.repository.ts';

// The harness clock starts at 2026-11-27T12:00Z.
const clock = manualClock();
const TODAY = '2026-11-27';

const validCampaign = () => ({
  name: 'Spring workshop', credit: { amount: 10_000, currency: 'USD' }, validityDays: 30, redeemBy: '2027-06-30', countries: ['FI', 'SE'],
});

describeEachDatabase('campaigns', (ctx) => {
  let operator = '';
  before(async () => { operator = await apiKeyHeader(ctx().app, 'operator'); });
  const post = async (payload: unknown, authorization = operator) =>
    ctx().app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: { authorization }, payload: payload as object });
  const get = (url: string) => ctx().app.inject({ url: `/api/v1${url}`, headers: { authorization: operator } });
  const patch = (id: string, payload: unknown) =>
    ctx().app.inject({ method: 'PATCH', url: `/api/v1/campaigns/${id}`, headers: { authorization: operator }, payload: payload as object });

  test('an operator creates a campaign; it is read back with status and empty stats', async () => {
    const created = await post({ ...validCampaign(), credit: { amount: 2500, currency: 'eur' }, countries: ['fi', ' se '], redeemBy: TODAY });
    assert.equal(created.statusCode, 201, created.body);
    const campaign = created.json();
    assert.match(campaign.id, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...campaign, id: undefined, createdAt: undefined, updatedAt: undefined }, {
      id: undefined, name: 'Spring workshop', credit: { amount: 2500, currency: 'EUR' }, validityDays: 30, redeemBy: TODAY,
      countries: ['FI', 'SE'], passesPerAccount: 1, status: 'active', createdAt: undefined, updatedAt: undefined,
      stats: { issued: 0, redeemed: 0, activated: 0, revoked: 0, expired: 0 },
    });
    assert.deepEqual((await get(`/campaigns/${campaign.id}`)).json(), campaign);
    const list = (await get('/campaigns')).json();
    assert.ok(list.items.some((c: { id: string }) => c.id === campaign.id));
  });

  test('countries null or absent means every country; passes per account can be set', async () => {
    const open = await post({ ...validCampaign(), countries: null, passesPerAccount: 3 });
    assert.equal(open.statusCode, 201, open.body);
    assert.equal(open.json().countries, null);
    assert.equal(open.json().passesPerAccount, 3);
    const { countries: _omitted, ...withoutCountries } = validCampaign();
    const absent = await post(withoutCountries);
    assert.equal(absent.statusCode, 201, absent.body);
    assert.equal(absent.json().countries, null);
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ['an empty name', { name: '   ' }, 'name'],
    ['a name of 201 characters', { name: 'x'.repeat(201) }, 'name'],
    ['a zero amount', { credit: { amount: 0, currency: 'USD' } }, 'credit.amount'],
    ['a negative amount', { credit: { amount: -100, currency: 'USD' } }, 'credit.amount'],
    ['a fractional amount', { credit: { amount: 10.5, currency: 'USD' } }, 'credit.amount'],
    ['an unknown currency', { credit: { amount: 100, currency: 'ZZZ' } }, 'credit.currency'],
    ['a currency that is not a code', { credit: { amount: 100, currency: 'dollars' } }, 'credit.currency'],
    ['zero validity days', { validityDays: 0 }, 'validityDays'],
    ['3651 validity days', { validityDays: 3651 }, 'validityDays'],
    ['a redeem-by that is not a date', { redeemBy: '2027-02-30' }, 'redeemBy'],
    ['a redeem-by in another format', { redeemBy: '30.6.2027' }, 'redeemBy'],
    ['a redeem-by in the past', { redeemBy: '2026-11-26' }, 'redeemBy'],
    ['an unknown country', { countries: ['FI', 'XX'] }, 'countries.1'],
    ['a country given twice', { countries: ['FI', 'fi'] }, 'countries.1'],
    ['an empty country list', { countries: [] }, 'countries'],
    ['zero passes per account', { passesPerAccount: 0 }, 'passesPerAccount'],
    ['a missing field', { name: undefined }, 'name'],
  ];
  for (const [what, change, path] of invalid) {
    test(`${what} is validation_failed at ${path}, and nothing is stored`, async () => {
      const before = (await get('/campaigns')).json().items.length;
      const response = await post({ ...validCampaign(), ...change });
      assert.equal(response.statusCode, 400, response.body);
      assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
      const body = response.json();
      assert.equal(body.code, 'validation_failed');
      assert.ok(body.errors.some((e: { path: string; message: string }) => e.path === path && e.message.length > 0), JSON.stringify(body.errors));
      assert.equal((await get('/campaigns')).json().items.length, before);
    });
  }

  test('every bad field is reported at once', async () => {
    const response = await post({ name: '', credit: { amount: 5, currency: 'ZZZ' }, validityDays: 0, redeemBy: '2020-01-01', countries: ['XX'], passesPerAccount: 0 });
    assert.equal(response.statusCode, 400);
    assert.deepEqual(response.json().errors.map((e: { path: string }) => e.path).sort(),
      ['countries.0', 'credit.currency', 'name', 'passesPerAccount', 'redeemBy', 'validityDays']);
  });

  test('no key is 401, a platform key or a recipient is 403, an operator admin session may', async () => {
    const { app, config } = ctx();
    const anonymous = await app.inject({ method: 'GET', url: '/api/v1/campaigns' });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.json().code, 'unauthenticated');
    const platform = await post(validCampaign(), await apiKeyHeader(app, 'platform'));
    assert.equal(platform.statusCode, 403);
    assert.equal(platform.json().code, 'forbidden');
    const recipient = await createAccount(app, config);
    const refused = await app.inject({ method: 'GET', url: '/api/v1/campaigns', headers: { cookie: recipient.cookie } });
    assert.equal(refused.statusCode, 403);

    const admin = await createAccount(app, config, { operatorAdmin: true });
    const created = await app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: { cookie: admin.cookie }, payload: validCampaign() });
    assert.equal(created.statusCode, 201, created.body);
    const events = (await app.inject({ url: `/api/v1/audit-events?subjectId=${created.json().id}`, headers: { cookie: admin.cookie } })).json();
    assert.deepEqual(events.items.map((e: { action: string; actor: { type: string; id: string } }) => [e.action, e.actor.type, e.actor.id]),
      [['campaign.created', 'admin', admin.id]]);
  });

  test('pause, resume and close; a closed campaign cannot be reopened', async () => {
    const start = clock.now();
    // The trail orders by time: let each change happen a second after the one before.
    const later = () => clock.advance(1000);
    try {
      const id = (await post(validCampaign())).json().id;
      later();
      assert.equal((await patch(id, { status: 'paused' })).json().status, 'paused');
      later();
      assert.equal((await patch(id, { status: 'active' })).json().status, 'active');
      later();
      const closed = await patch(id, { status: 'closed' });
      assert.equal(closed.statusCode, 200);
      assert.equal(closed.json().status, 'closed');
      for (const status of ['active', 'paused']) {
        const reopen = await patch(id, { status });
        assert.equal(reopen.statusCode, 409);
        assert.equal(reopen.json().code, 'conflict');
        assert.match(reopen.json().detail, /closed/);
      }
      assert.equal((await patch(id, { status: 'closed' })).statusCode, 200);
      assert.equal((await get(`/campaigns/${id}`)).json().status, 'closed');

      const bad = await patch(id, { status: 'archived' });
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].path, 'status');
      assert.equal((await patch(newId(), { status: 'paused' })).json().code, 'not_found');
      assert.equal((await get(`/campaigns/${newId()}`)).statusCode, 404);

      const trail = (await get(`/audit-events?subjectId=${id}`)).json().items;
      assert.deepEqual(trail.map((e: { action: string; details: { to?: string } }) => `${e.action}${e.details.to ? ` ${e.details.to}` : ''}`).reverse(),
        ['campaign.created', 'campaign.status_changed paused', 'campaign.status_changed active', 'campaign.status_changed closed']);
      assert.ok(trail.every((e: { actor: { type: string } }) => e.actor.type === 'apikey'));
    } finally {
      clock.set(start);
    }
  });

  test('a status change is written only from the status it was decided on (a close in between stays closed)', async () => {
    const id = (await post(validCampaign())).json().id;
    const db = ctx().app.services.db;
    assert.equal((await patch(id, { status: 'closed' })).json().status, 'closed');
    // The moment between a pause's read of "active" and its write: the close came first.
    assert.equal(await updateCampaignStatus(db, id, 'active', 'paused', new Date().toISOString()), false);
    assert.equal((await get(`/campaigns/${id}`)).json().status, 'closed');
  });

  test('race: pause against close — each change in the trail starts where the one before ended', async () => {
    for (let round = 0; round < 6; round++) {
      const id = (await post(validCampaign())).json().id;
      const answers = await Promise.all(['paused', 'closed', 'paused', 'closed'].map((status) => patch(id, { status })));
      assert.ok(answers.every((a) => a.statusCode === 200 || (a.statusCode === 409 && a.json().code === 'conflict')), answers.map((a) => a.body).join('\n'));
      const trail = (await get(`/audit-events?subjectId=${id}`)).json().items
        .filter((e: { action: string }) => e.action === 'campaign.status_changed').reverse() as Array<{ details: { from: string; to: string } }>;
      let status = 'active';
      for (const { details } of trail) {
        assert.equal(details.from, status, `round ${round}: ${JSON.stringify(trail.map((e) => e.details))}`);
        status = details.to;
      }
      assert.equal((await get(`/campaigns/${id}`)).json().status, status);
    }
  });

  test('an operator renames a campaign and moves its redeem-by date; bad values are named; a closed one stays', async () => {
    const { id } = (await post(validCampaign())).json();
    const renamed = await patch(id, { name: '  Autumn workshop ', redeemBy: '2027-09-30' });
    assert.equal(renamed.statusCode, 200, renamed.body);
    assert.equal(renamed.json().name, 'Autumn workshop');
    assert.equal(renamed.json().redeemBy, '2027-09-30');
    assert.equal(renamed.json().status, 'active');
    const events = (await get(`/audit-events?subjectId=${id}`)).json().items;
    assert.deepEqual(events[0].details, { from: { name: 'Spring workshop', redeemBy: '2027-06-30' }, to: { name: 'Autumn workshop', redeemBy: '2027-09-30' } });
    assert.equal(events[0].action, 'campaign.updated');

    const bad = await patch(id, { name: ' ', redeemBy: '2026-02-30' });
    assert.equal(bad.statusCode, 400);
    assert.deepEqual(bad.json().errors.map((e: { path: string }) => e.path), ['name', 'redeemBy']);
    assert.equal((await patch(id, { redeemBy: '2020-01-01' })).json().errors[0].path, 'redeemBy');
    assert.equal((await patch(id, { name: 'x', status: 'paused' })).json().status, 'paused');
    await patch(id, { status: 'closed' });
    assert.equal((await patch(id, { name: 'Reopened?' })).statusCode, 409);
    assert.equal((await patch('00000000-0000-0000-0000-000000000000', { name: 'Nobody' })).statusCode, 404);
  });

  test('stats count issued, redeemed, activated, revoked and expired from the codes', async () => {
    const { app, config } = ctx();
    const id = (await post({ ...validCampaign(), redeemBy: TODAY })).json().id;
    const other = (await post(validCampaign())).json().id;
    const generated = await app.inject({ method: 'POST', url: `/api/v1/campaigns/${id}/codes`, headers: { authorization: operator }, payload: { count: 6 } });
    const codes: string[] = generated.json().codes;
    await app.inject({ method: 'POST', url: `/api/v1/campaigns/${other}/codes`, headers: { authorization: operator }, payload: { count: 2 } });
    await app.inject({ method: 'POST', url: '/api/v1/codes/revoke', headers: { authorization: operator }, payload: { codes: [codes[0]] } });
    // Redemption belongs to another module: bind two codes to an account directly, and activate one.
    const account = await createAccount(app, config);
    const hash = codeHasher(config);
    for (const [index, state] of [[1, 'redeemed'], [2, 'activated']] as const) {
      const codeHash = hash(normalizePassCode(codes[index] as string));
      const at = clock.now().toISOString();
      await app.services.db.updateTable('pass_codes').set({ state: 'redeemed', account_id: account.id, redeemed_at: at }).where('code_hash', '=', codeHash).execute();
      await app.services.db.insertInto('redemptions').values({
        id: newId(), code_hash: codeHash, code_last4: (codes[index] as string).slice(-4), account_id: account.id, campaign_id: id, country: 'FI',
        state, redeemed_at: at, activated_at: state === 'activated' ? at : null, released_at: null, subscription_id: null,
      }).execute();
    }
    const stats = async (campaignId: string) => (await get(`/campaigns/${campaignId}`)).json().stats;
    assert.deepEqual(await stats(id), { issued: 6, redeemed: 2, activated: 1, revoked: 1, expired: 0 });
    assert.deepEqual(await stats(other), { issued: 2, redeemed: 0, activated: 0, revoked: 0, expired: 0 });

    // Redeem-by is the last day: the day after, the three codes never redeemed (nor revoked) are expired.
    clock.advance(24 * 3600_000);
    try {
      assert.deepEqual(await stats(id), { issued: 6, redeemed: 2, activated: 1, revoked: 1, expired: 3 });
      const listed = (await get('/campaigns')).json().items;
      assert.deepEqual(listed.find((c: { id: string }) => c.id === id).stats, { issued: 6, redeemed: 2, activated: 1, revoked: 1, expired: 3 });
      assert.deepEqual(listed.find((c: { id: string }) => c.id === other).stats, { issued: 2, redeemed: 0, activated: 0, revoked: 0, expired: 0 });
    } finally {
      clock.set(new Date('2026-11-27T12:00:00.000Z'));
    }
  });

  test('the audit trail reads newest first and pages back with limit and before', async () => {
    const start = clock.now();
    try {
      const id = (await post(validCampaign())).json().id;
      clock.advance(1000);
      await patch(id, { status: 'paused' });
      const newest = (await get(`/audit-events?limit=1&subjectId=${id}`)).json().items;
      assert.deepEqual(newest.map((e: { action: string; subject: { id: string } }) => [e.action, e.subject.id]), [['campaign.status_changed', id]]);
      const older = (await get(`/audit-events?limit=500&before=${encodeURIComponent(newest[0].at)}`)).json().items;
      assert.ok(older.every((e: { at: string }) => e.at < newest[0].at));
      assert.ok(older.some((e: { action: string; subject: { id: string } }) => e.action === 'campaign.created' && e.subject.id === id));
      assert.ok(!older.some((e: { action: string; subject: { id: string } }) => e.action === 'campaign.status_changed' && e.subject.id === id));
      assert.equal((await get('/audit-events?limit=0')).statusCode, 400);
      assert.equal((await get('/audit-events?before=yesterday')).statusCode, 400);
      assert.equal((await ctx().app.inject({ url: '/api/v1/audit-events' })).statusCode, 401);
    } finally {
      clock.set(start);
    }
  });
}, { clock });

test('decimal amounts become minor units exactly, with the currency\'s digits', () => {
  assert.deepEqual(parseDecimalAmount('100.00', 'USD'), { ok: true, amount: 10_000 });
  assert.deepEqual(parseDecimalAmount('100', 'USD'), { ok: true, amount: 10_000 });
  assert.deepEqual(parseDecimalAmount('0.1', 'USD'), { ok: true, amount: 10 });
  assert.deepEqual(parseDecimalAmount('19.99', 'EUR'), { ok: true, amount: 1999 });
  assert.deepEqual(parseDecimalAmount('5000', 'JPY'), { ok: true, amount: 5000 });
  assert.deepEqual(parseDecimalAmount('1.234', 'KWD'), { ok: true, amount: 1234 });
  for (const [text, currency] of [['100.001', 'USD'], ['1.5', 'JPY'], ['-5', 'USD'], ['1e3', 'USD'], ['1,000', 'USD'], ['', 'USD'], ['99999999999999999', 'USD']]) {
    assert.equal(parseDecimalAmount(text as string, currency as string).ok, false, `${text} ${currency}`);
  }
  assert.equal(formatMinorUnits(10_000, 'USD'), '100.00');
  assert.equal(formatMinorUnits(5, 'USD'), '0.05');
  assert.equal(formatMinorUnits(5000, 'JPY'), '5000');
});
