import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { apiKeyHeader, createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage, openPage, postForm } from '../../testing/pages.ts';
import { activate, profileOf } from '../subscriptions/subscriptions.testing.ts';

async function campaignWithCodes(app: App, name: string, count: number) {
  const { campaigns, codes } = app.services;
  const actor = { type: 'system' as const, id: null, label: 'test' };
  const campaign = await campaigns.create({ name, credit: { amount: 10000, currency: 'USD' }, validityDays: 30, redeemBy: '2099-12-31', countries: null, passesPerAccount: 5 }, actor);
  const batch = await codes.generate(campaign.id, count, actor);
  return { id: campaign.id, codes: batch.codes };
}

async function redeem(app: App, account: TestAccount, code: string, country = 'FI'): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/api/v1/redemptions', headers: { cookie: account.cookie }, payload: { code, country } });
  assert.ok(response.statusCode === 201, response.body);
  return response.json<{ id: string }>().id;
}

async function people(app: App, config: Config) {
  const anna = await createAccount(app, config, { email: `Anna.${Date.now()}@Example.test`, country: 'FI' });
  const bob = await createAccount(app, config, { country: 'US', kind: 'organizational' });
  const cara = await createAccount(app, config, { country: 'US' });
  return { anna, bob, cara };
}

describeEachDatabase('recipients', (ctx) => {
  test('the API lists recipients newest first, filters by email, campaign and state, pages by cursor and streams CSV', async () => {
    const { app, config } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const a = await campaignWithCodes(app, 'Spring workshop', 5);
    const b = await campaignWithCodes(app, 'Autumn summit', 5);
    const { anna, bob, cara } = await people(app, config);
    const annaPass = await redeem(app, anna, a.codes[0]!);
    await redeem(app, bob, a.codes[1]!, 'US');
    await redeem(app, cara, b.codes[0]!, 'US');
    const activated = await activate(app, anna, { offer: 'pass', redemptionId: annaPass, profile: profileOf(anna) });
    assert.equal(activated.statusCode, 202, activated.body);
    const get = (query: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/api/v1/recipients${query}`, headers: { authorization: operator, ...headers } });

    const all = (await get('')).json();
    assert.deepEqual(all.items.slice(0, 3).map((r: { email: string }) => r.email), [cara.email, bob.email, anna.email]);
    const annaRow = (await get(`?email=${encodeURIComponent(anna.email.toUpperCase())}`)).json().items;
    assert.equal(annaRow.length, 1, 'a whole address matches in any case');
    assert.equal(annaRow[0].codeLast4, a.codes[0]!.replace(/-/g, '').slice(-4));
    assert.equal(annaRow[0].redemptionState, 'activated');
    assert.equal(annaRow[0].subscriptionStatus, 'pending');
    assert.deepEqual(annaRow[0].credit.remaining, { amount: 10000, currency: 'USD' });
    assert.equal(annaRow[0].kind, 'personal');
    const prefix = (await get(`?email=${encodeURIComponent(anna.email.slice(0, 8))}`)).json().items;
    assert.ok(prefix.some((r: { email: string }) => r.email === anna.email), 'the start of an address matches');
    assert.deepEqual((await get('?email=an%25')).json().items, [], 'wildcards are literal');
    const bobRow = (await get(`?email=${encodeURIComponent(bob.email)}`)).json().items[0];
    assert.equal(bobRow.kind, 'organizational');
    assert.ok(bobRow.organization.name);
    assert.deepEqual((await get(`?campaignId=${b.id}`)).json().items.map((r: { email: string }) => r.email), [cara.email]);
    assert.deepEqual((await get(`?campaignId=${a.id}&state=redeemed`)).json().items.map((r: { email: string }) => r.email), [bob.email]);
    assert.equal((await get('?state=nonsense')).statusCode, 400);
    assert.equal((await get('?cursor=garbage')).statusCode, 400);

    const seen: string[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const page: { items: Array<{ redemptionId: string }>; nextCursor: string | null } = (await get(`?limit=1${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...page.items.map((r: { redemptionId: string }) => r.redemptionId));
      cursor = page.nextCursor;
    }
    assert.equal(seen.length, new Set(seen).size, 'no row twice');
    assert.equal(seen.length, all.items.length, 'and none missed');

    const csv = await get(`?campaignId=${a.id}`, { accept: 'text/csv' });
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    const lines = csv.body.trim().split('\n');
    assert.equal(lines[0], 'account_id,email,kind,organization,campaign_id,campaign,code_last4,redemption_state,redeemed_at,subscription_id,subscription_status,credit_remaining,credit_currency,ends_at');
    assert.equal(lines.length, 3);
    assert.ok(lines.some((l) => l.includes(anna.email) && l.includes(',100.00,USD,')));
    assert.equal((await get('?state=nonsense', { accept: 'text/csv' })).statusCode, 400);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/recipients', headers: { authorization: await apiKeyHeader(app, 'platform') } })).statusCode, 403);
  });

  test('the console finds a recipient by email, shows their story and releases a wrongly-claimed pass', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const c = await campaignWithCodes(app, 'Release test', 2);
    const { cara } = await people(app, config);
    const pass = await redeem(app, cara, c.codes[0]!, 'US');
    const list = await getPage(app, `/admin/recipients?email=${encodeURIComponent(cara.email)}`, admin.cookie);
    assert.equal(list.statusCode, 200);
    assert.match(list.body, new RegExp(`href="/admin/recipients/${cara.id}"[^>]*>${cara.email.replace(/[.+]/g, '\\$&')}<`));
    assert.match(list.body, /Download CSV/);
    const csv = await getPage(app, `/admin/recipients.csv?email=${encodeURIComponent(cara.email)}`, admin.cookie);
    assert.equal(csv.body.trim().split('\n').length, 2);

    const { response, csrf } = await openPage(app, `/admin/recipients/${cara.id}`, admin.cookie);
    assert.match(response.body, /Release test/);
    assert.match(response.body, /code\.redeemed/, 'the audit of what happened to them');
    const released = await postForm(app, `/admin/recipients/passes/${pass}/release`, admin.cookie, { _csrf: csrf! });
    assert.equal(released.statusCode, 303);
    assert.match((await getPage(app, `/admin/recipients/${cara.id}`, admin.cookie)).body, /was released: its code can be redeemed again/);
    const lookup = await app.inject({ method: 'POST', url: '/api/v1/codes/lookup', headers: { authorization: await apiKeyHeader(app) }, payload: { code: c.codes[0] } });
    assert.equal(lookup.json().state, 'issued');
    assert.equal((await postForm(app, `/admin/recipients/passes/${pass}/release`, admin.cookie, {})).statusCode, 403, 'the form token is needed');
    assert.equal((await getPage(app, `/admin/recipients/${cara.id}`, cara.cookie)).statusCode, 403);
  });

  test('people stuck for a day get one reminder each, through the outbox, in their language', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const c = await campaignWithCodes(app, 'Stuck test', 3);
    const { anna, cara } = await people(app, config);
    const annaPass = await redeem(app, anna, c.codes[0]!);
    const caraPass = await redeem(app, cara, c.codes[1]!, 'US');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await app.services.db.updateTable('redemptions').set({ redeemed_at: twoDaysAgo }).where('id', 'in', [annaPass, caraPass]).execute();

    const { response, csrf } = await openPage(app, '/admin/recipients/stuck', admin.cookie);
    assert.match(response.body, new RegExp(anna.email.replace(/[.+]/g, '\\$&')));
    const first = await postForm(app, `/admin/recipients/passes/${annaPass}/remind`, admin.cookie, { _csrf: csrf! });
    assert.equal(first.statusCode, 303);
    const again = await postForm(app, `/admin/recipients/passes/${annaPass}/remind`, admin.cookie, { _csrf: csrf! });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /already reminded/);
    await postForm(app, `/admin/recipients/passes/${caraPass}/remind`, admin.cookie, { _csrf: csrf! });

    const mailTo = (email: string) => app.services.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();
    const annaMail = await mailTo(anna.email);
    assert.equal(annaMail.length, 1, 'once');
    assert.match(annaMail[0]!.subject, /odottaa käyttöönottoa/, 'Finnish for an account in Finland');
    assert.match(annaMail[0]!.text_body, new RegExp(`/activate/${annaPass}`));
    const caraMail = await mailTo(cara.email);
    assert.match(caraMail[0]!.subject, /is waiting to be activated/);
    const audited = (await app.services.audit.list({ subjectId: anna.id })).filter((e) => e.action === 'recipient.reminded');
    assert.equal(audited.length, 1);
    assert.equal(audited[0]!.actor.label, admin.email);
    assert.match((await getPage(app, '/admin/recipients/stuck', admin.cookie)).body, /reminded/);
  });
});
