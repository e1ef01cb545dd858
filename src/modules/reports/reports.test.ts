// Reports on SQLite and PostgreSQL: a campaign's funnel, its timeline by day and by hour, and its
// redemptions by country, after real redemptions (moved to the moments the test chooses).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { createCampaignWithCodes, uniqueAddress } from '../redemptions/redemptions.testing.ts';
import { fillGaps } from './reports.service.ts';

async function redeem(app: App, cookie: string, code: string, country: string) {
  const response = await app.inject({
    method: 'POST', url: '/api/v1/redemptions', remoteAddress: uniqueAddress(), headers: { cookie }, payload: { code, country },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json<{ id: string }>();
}

describeEachDatabase('reports', (ctx) => {
  test('the funnel, the timeline by day and hour, and the countries follow redemptions, activations and revocations', async () => {
    const { app, config } = ctx();
    const operator = await apiKeyHeader(app);
    const get = (url: string) => app.inject({ url: `/api/v1${url}`, headers: { authorization: operator } });
    const campaign = await createCampaignWithCodes(app, config, { count: 5 });
    const [a, b, c] = await Promise.all([0, 1, 2].map(() => createAccount(app, config)));

    const db = app.services.db;
    const at = async (id: string, redeemedAt: string) => db.updateTable('redemptions').set({ redeemed_at: redeemedAt }).where('id', '=', id).execute();
    const first = await redeem(app, a!.cookie, campaign.codes[0]!, 'FI');
    await at(first.id, '2026-12-01T09:15:00.000Z');
    await at((await redeem(app, b!.cookie, campaign.codes[1]!, 'SE')).id, '2026-12-01T10:40:00.000Z');
    await at((await redeem(app, c!.cookie, campaign.codes[2]!, 'FI')).id, '2026-12-03T08:00:00.000Z');
    // Activated on the third day (the test stands in for the activation step, which has its own tests).
    await db.updateTable('redemptions').set({ state: 'activated', activated_at: '2026-12-03T08:30:00.000Z' }).where('id', '=', first.id).execute();
    const revoked = await app.inject({ method: 'POST', url: '/api/v1/codes/revoke', headers: { authorization: operator }, payload: { codes: [campaign.codes[4]] } });
    assert.equal(revoked.json().revoked, 1);

    assert.deepEqual((await get(`/campaigns/${campaign.id}`)).json().stats, { issued: 5, redeemed: 3, activated: 1, revoked: 1, expired: 0 });
    const listed = (await get('/campaigns')).json().items.find((x: { id: string }) => x.id === campaign.id);
    assert.deepEqual(listed.stats, { issued: 5, redeemed: 3, activated: 1, revoked: 1, expired: 0 });

    const byDay = await get(`/campaigns/${campaign.id}/timeline`);
    assert.equal(byDay.statusCode, 200, byDay.body);
    assert.deepEqual(byDay.json().series, [
      { key: '2026-12-01', redeemed: 2, activated: 0 },
      { key: '2026-12-02', redeemed: 0, activated: 0 },
      { key: '2026-12-03', redeemed: 1, activated: 1 },
    ]);
    const byHour = (await get(`/campaigns/${campaign.id}/timeline?by=hour`)).json().series as Array<{ key: string; redeemed: number; activated: number }>;
    assert.deepEqual(byHour[0], { key: '2026-12-01T09:00Z', redeemed: 1, activated: 0 });
    assert.deepEqual(byHour[1], { key: '2026-12-01T10:00Z', redeemed: 1, activated: 0 });
    assert.deepEqual(byHour.at(-1), { key: '2026-12-03T08:00Z', redeemed: 1, activated: 1 });
    assert.equal(byHour.length, 48);

    assert.deepEqual((await get(`/campaigns/${campaign.id}/countries`)).json().items, [
      { country: 'FI', redeemed: 2, activated: 1 },
      { country: 'SE', redeemed: 1, activated: 0 },
    ]);
  });

  test('a campaign without redemptions has an empty timeline; unknown campaigns are 404; only day and hour', async () => {
    const { app, config } = ctx();
    const operator = await apiKeyHeader(app);
    const get = (url: string) => app.inject({ url: `/api/v1${url}`, headers: { authorization: operator } });
    const campaign = await createCampaignWithCodes(app, config, { count: 1 });
    assert.deepEqual((await get(`/campaigns/${campaign.id}/timeline`)).json(), { series: [] });
    assert.deepEqual((await get(`/campaigns/${campaign.id}/countries`)).json(), { items: [] });
    assert.equal((await get('/campaigns/00000000-0000-0000-0000-000000000000/timeline')).statusCode, 404);
    assert.equal((await get('/campaigns/00000000-0000-0000-0000-000000000000/countries')).json().code, 'not_found');
    assert.equal((await get(`/campaigns/${campaign.id}/timeline?by=week`)).json().code, 'validation_failed');
    const signedOut = await app.inject({ url: `/api/v1/campaigns/${campaign.id}/countries` });
    assert.equal(signedOut.statusCode, 401);
    const recipient = await createAccount(app, config);
    assert.equal((await app.inject({ url: `/api/v1/campaigns/${campaign.id}/timeline`, headers: { cookie: recipient.cookie } })).statusCode, 403);
  });
});

test('gaps are filled between the first and the last point, but not across years of hours', () => {
  assert.deepEqual(fillGaps(['2026-12-30', '2027-01-02'], 'day'), ['2026-12-30', '2026-12-31', '2027-01-01', '2027-01-02']);
  assert.deepEqual(fillGaps(['2026-12-31T23', '2027-01-01T01'], 'hour'), ['2026-12-31T23', '2027-01-01T00', '2027-01-01T01']);
  assert.deepEqual(fillGaps(['2025-01-01T00', '2026-01-01T00'], 'hour'), ['2025-01-01T00', '2026-01-01T00']);
  assert.deepEqual(fillGaps([], 'day'), []);
});
