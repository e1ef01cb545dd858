// The console's code pages through app.inject on SQLite and PostgreSQL: a batch generated into a CSV
// download (the only time plain codes exist), batches counted, a batch or one code revoked after a
// confirmation, and a code looked up by its text with its holder's email.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage, postForm } from '../../testing/pages.ts';
import { createCampaignWithCodes, uniqueAddress } from '../redemptions/redemptions.testing.ts';
import { parsePassCode } from './pass-code.ts';

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]*)"/.exec(page);
  assert.ok(match, 'the form has no CSRF token');
  return match[1]!.replace(/&amp;/g, '&');
}

async function submit(app: App, who: TestAccount, pageUrl: string, action: string, fields: Record<string, string>) {
  const page = await getPage(app, pageUrl, who.cookie);
  assert.equal(page.statusCode, 200, page.body);
  return postForm(app, action, who.cookie, { _csrf: csrfOf(page.body), ...fields });
}

describeEachDatabase('code pages', (ctx) => {
  test('"Generate codes" downloads a CSV of new, valid codes once; the batch is listed with its counts and audited', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const campaign = await createCampaignWithCodes(app, config, { count: 1, name: 'Summit Ä 2027' });
    const url = `/admin/campaigns/${campaign.id}`;
    const download = await submit(app, admin, url, `${url}/codes`, { count: '100' });
    assert.equal(download.statusCode, 200, download.body.slice(0, 300));
    assert.match(String(download.headers['content-type']), /^text\/csv/);
    assert.match(String(download.headers['content-disposition']), /^attachment; filename="codes-summit-a-2027-[0-9a-f]{8}\.csv"$/);
    assert.equal(download.headers['cache-control'], 'no-store');
    const lines = download.body.trim().split('\n');
    assert.equal(lines[0], 'code,campaign_id,batch_id');
    assert.equal(lines.length, 101);
    const codes = lines.slice(1).map((line) => line.split(',')[0]!);
    assert.equal(new Set(codes).size, 100);
    assert.ok(codes.every((code) => parsePassCode(code).ok), 'every code is well formed');
    const batchId = lines[1]!.split(',')[2]!;

    const page = (await getPage(app, url, admin.cookie)).body;
    assert.ok(!page.includes(codes[0]!), 'the campaign page never shows a plain code');
    const row = page.slice(page.indexOf(batchId.slice(0, 8)));
    assert.match(row, /data-label="Codes">100<\/td><td class="num" data-label="Unredeemed">100<\/td>/);
    assert.match(page, /<th scope="row">Issued<\/th><td class="num">101<\/td>/);
    const [event] = await app.services.audit.list({ subjectId: campaign.id });
    assert.deepEqual([event?.action, event?.details], ['codes.generated', { batchId, size: 100 }]);
    assert.equal(event?.actor.label, admin.email);
  });

  test('a count that is not 1–100,000 and a closed campaign are refused on the page, with nothing generated', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const campaign = await createCampaignWithCodes(app, config, { count: 1 });
    const url = `/admin/campaigns/${campaign.id}`;
    for (const count of ['0', 'many', '100001', '']) {
      const refused = await submit(app, admin, url, `${url}/codes`, { count });
      assert.equal(refused.statusCode, 400, count);
      assert.match(refused.body, /Enter a whole number of codes from 1 to 100,000\./);
      if (count) assert.match(refused.body, new RegExp(`id="field-count" name="count" type="text" value="${count}"`), 'what was typed is kept');
    }
    await app.services.campaigns.setStatus(campaign.id, 'closed', { type: 'system', id: null, label: 'test' });
    const closed = await submit(app, admin, `${url}/codes`, `${url}/codes`, { count: '5' });
    assert.equal(closed.statusCode, 409);
    assert.match(closed.body, /This campaign is closed: it gets no new codes\./);
    assert.equal((await app.services.campaigns.get(campaign.id)).stats.issued, 1);
    const recipient = await createAccount(app, config);
    assert.equal((await postForm(app, `${url}/codes`, recipient.cookie, { count: '5' })).statusCode, 403);
  });

  test('a code is looked up by its text: state, campaign, and who redeemed it (their email) and when', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const holder = await createAccount(app, config);
    const campaign = await createCampaignWithCodes(app, config, { count: 2, name: 'Lookup pass' });
    const [redeemed, fresh] = campaign.codes as [string, string];
    const response = await app.inject({ method: 'POST', url: '/api/v1/redemptions', remoteAddress: uniqueAddress(), headers: { cookie: holder.cookie }, payload: { code: redeemed, country: 'FI' } });
    assert.equal(response.statusCode, 201, response.body);

    const found = await submit(app, admin, '/admin/codes', '/admin/codes', { code: redeemed.toLowerCase().replace(/-/g, ' ') });
    assert.equal(found.statusCode, 200);
    assert.match(found.body, /<span class="badge badge--redeemed">Redeemed<\/span>/);
    assert.ok(found.body.includes(`>${holder.email}</dd>`), 'the holder is named by email');
    assert.ok(!found.body.includes(holder.id), 'never by account id');
    assert.match(found.body, new RegExp(`href="/admin/campaigns/${campaign.id}">Lookup pass</a>`));
    assert.ok(!found.body.includes('Revoke this code'), 'a redeemed code is not offered for revoking');

    const issued = await submit(app, admin, '/admin/codes', '/admin/codes', { code: fresh });
    assert.match(issued.body, /<span class="badge badge--issued">Not redeemed<\/span>/);
    assert.match(issued.body, />Revoke this code…<\/button>/);

    const mistyped = await submit(app, admin, '/admin/codes', '/admin/codes', { code: 'ABCD' });
    assert.equal(mistyped.statusCode, 422);
    assert.match(mistyped.body, /This code has a typo/);
    assert.match(mistyped.body, /value="ABCD"/);
  });

  test('one code is revoked after a confirmation step; a whole batch likewise, leaving redeemed codes with their holders', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const holder = await createAccount(app, config);
    const campaign = await createCampaignWithCodes(app, config, { count: 4 });
    const [held, single] = campaign.codes as [string, string];
    await app.inject({ method: 'POST', url: '/api/v1/redemptions', remoteAddress: uniqueAddress(), headers: { cookie: holder.cookie }, payload: { code: held, country: 'FI' } });

    const confirm = await submit(app, admin, '/admin/codes', '/admin/codes/revoke', { code: single });
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /This code will stop working/);
    assert.equal((await app.services.codes.lookup(single)).state, 'issued', 'asking changes nothing');
    const revoked = await submit(app, admin, '/admin/codes', '/admin/codes/revoke', { code: single, confirm: 'yes' });
    assert.match(revoked.body, /The code ending [0-9A-Z]{4} is revoked\./);
    assert.equal((await app.services.codes.lookup(single)).state, 'revoked');

    const [batch] = await app.services.codes.listBatches(campaign.id);
    assert.deepEqual({ size: batch!.size, issued: batch!.issued, redeemed: batch!.redeemed, revoked: batch!.revoked }, { size: 4, issued: 2, redeemed: 1, revoked: 1 });
    const batchUrl = `/admin/codes/batches/${batch!.id}/revoke`;
    const ask = (await getPage(app, batchUrl, admin.cookie)).body;
    assert.match(ask, /2 unredeemed codes will stop working/);
    const done = await submit(app, admin, batchUrl, batchUrl, {});
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, `/admin/campaigns/${campaign.id}#codes`);
    const after = (await getPage(app, `/admin/campaigns/${campaign.id}`, admin.cookie)).body;
    assert.match(after, /2 codes of batch [0-9a-f]{8} revoked\./);
    assert.deepEqual((await app.services.campaigns.get(campaign.id)).stats, { issued: 4, redeemed: 1, activated: 0, revoked: 3, expired: 0 });
    assert.equal((await app.services.codes.lookup(held)).state, 'redeemed');
    const actions = (await app.services.audit.list({ subjectId: campaign.id })).map((e) => e.action);
    assert.deepEqual(actions.slice(0, 2), ['codes.batch_revoked', 'codes.revoked']);
    const forged = await postForm(app, batchUrl, admin.cookie, {});
    assert.equal(forged.statusCode, 403);
  });
});
