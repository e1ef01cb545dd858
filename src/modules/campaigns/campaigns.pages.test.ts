// The console's campaign pages through app.inject on SQLite and PostgreSQL: only operator admins, forms
// with their CSRF token and their errors beside the fields, and the funnel numbers on the list and the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage, postForm } from '../../testing/pages.ts';
import { createCampaignWithCodes } from '../redemptions/redemptions.testing.ts';

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

const validForm = {
  name: 'Nordic summit 2027', credit: '150.00', currency: 'eur', validityDays: '60', redeemBy: '2099-06-30', countries: 'fi, se', passesPerAccount: '1',
};

describeEachDatabase('campaign pages', (ctx) => {
  test('signed out goes to sign in; a recipient is refused; an operator admin sees the list', async () => {
    const { app, config } = ctx();
    const signedOut = await getPage(app, '/admin/campaigns');
    assert.equal(signedOut.statusCode, 303);
    assert.equal(signedOut.headers.location, '/signin');
    const recipient = await createAccount(app, config);
    assert.equal((await getPage(app, '/admin/campaigns', recipient.cookie)).statusCode, 403);
    assert.equal((await getPage(app, '/admin/campaigns/new', recipient.cookie)).statusCode, 403);
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const page = await getPage(app, '/admin/campaigns', admin.cookie);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<a class="button button--primary" href="\/admin\/campaigns\/new">New campaign<\/a>/);
  });

  test('the list shows each campaign with its status and funnel numbers', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const campaign = await createCampaignWithCodes(app, config, { count: 7, name: 'Listed <b>campaign</b>' });
    const page = (await getPage(app, '/admin/campaigns', admin.cookie)).body;
    assert.ok(page.includes(`href="/admin/campaigns/${campaign.id}">Listed &lt;b>campaign&lt;/b></a>`));
    const row = page.slice(page.indexOf(`/admin/campaigns/${campaign.id}"`));
    assert.match(row, /data-label="Issued">7<\/td>/);
    assert.match(row, /data-label="Redeemed">0<\/td>/);
    assert.match(row, /data-label="Activated">0<\/td>/);
    assert.match(row, /<span class="badge badge--active">Active<\/span>/);
  });

  test('creating a campaign: the contract\'s controls, every bad field named with what was typed kept, then its page', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const form = (await getPage(app, '/admin/campaigns/new', admin.cookie)).body;
    for (const label of ['Name', 'Credit', 'Currency', 'Valid for (days)', 'Redeem by', 'Countries', 'Passes per account']) {
      assert.match(form, new RegExp(`<label class="field__label" for="field-[A-Za-z]+">${label.replace(/[()]/g, '\\$&')}</label>`), label);
    }
    assert.match(form, />Create campaign<\/button>/);

    const bad = await submit(app, admin, '/admin/campaigns/new', '/admin/campaigns/new', {
      name: '  ', credit: 'lots', currency: 'EUR', validityDays: '0', redeemBy: '2020-02-30', countries: 'FI, XX', passesPerAccount: '1',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter a name of 1 to 200 characters\./);
    assert.match(bad.body, /Enter the credit as an amount greater than zero/);
    const invalidDays = await submit(app, admin, '/admin/campaigns/new', '/admin/campaigns/new', { ...validForm, validityDays: '0', redeemBy: '2020-02-30', countries: 'FI, XX' });
    assert.equal(invalidDays.statusCode, 400);
    assert.match(invalidDays.body, /Enter a whole number of days from 1 to 3650\./);
    assert.match(invalidDays.body, /Enter a date of the calendar, today or later/);
    assert.match(invalidDays.body, /Enter two-letter country codes/);
    assert.match(invalidDays.body, /name="countries" type="text" value="FI, XX"/);
    assert.match(invalidDays.body, /aria-invalid="true"/);

    const created = await submit(app, admin, '/admin/campaigns/new', '/admin/campaigns/new', validForm);
    assert.equal(created.statusCode, 303, created.body);
    const location = String(created.headers.location);
    assert.match(location, /^\/admin\/campaigns\/[0-9a-f-]{36}$/);
    const id = location.split('/').pop()!;
    const api = await app.services.campaigns.get(id);
    assert.deepEqual({ name: api.name, credit: api.credit, days: api.validityDays, countries: api.countries, redeemBy: api.redeemBy }, {
      name: 'Nordic summit 2027', credit: { amount: 15_000, currency: 'EUR' }, days: 60, countries: ['FI', 'SE'], redeemBy: '2099-06-30',
    });
    const page = (await getPage(app, location, admin.cookie)).body;
    assert.match(page, /Campaign “Nordic summit 2027” is created\./);
    assert.match(page, /<h1>Nordic summit 2027<\/h1>/);
    const events = await app.services.audit.list({ subjectId: id });
    assert.equal(events[0]?.action, 'campaign.created');
    assert.equal(events[0]?.actor.label, admin.email);
  });

  test('a campaign page: funnel, timeline and countries with tables, the code form, pause and resume, edit and close', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const campaign = await createCampaignWithCodes(app, config, { count: 4 });
    const url = `/admin/campaigns/${campaign.id}`;
    const page = (await getPage(app, url, admin.cookie)).body;
    assert.match(page, /<figcaption class="chart__title" id="funnel-title">Codes by stage<\/figcaption>/);
    assert.match(page, /<svg class="chart__svg"[^>]*role="img" aria-label="Codes by stage"/);
    assert.match(page, /<th scope="row">Issued<\/th><td class="num">4<\/td>/);
    assert.match(page, /Redemptions over time/);
    assert.match(page, /Redemptions by country/);
    assert.match(page, /<label class="field__label" for="field-count">Number of codes<\/label>/);
    assert.match(page, />Generate codes<\/button>/);
    assert.match(page, />Pause campaign<\/button>/);
    assert.match(page, /href="\/admin\/codes\/batches\/[0-9a-f-]{36}\/revoke"/);

    const paused = await submit(app, admin, url, `${url}/status`, { status: 'paused' });
    assert.equal(paused.statusCode, 303);
    const pausedPage = (await getPage(app, url, admin.cookie)).body;
    assert.match(pausedPage, /is paused: its codes cannot be redeemed until you resume it\./);
    assert.match(pausedPage, />Resume campaign<\/button>/);
    assert.equal((await app.services.campaigns.get(campaign.id)).status, 'paused');
    await submit(app, admin, url, `${url}/status`, { status: 'active' });
    assert.equal((await app.services.campaigns.get(campaign.id)).status, 'active');

    const edit = await submit(app, admin, `${url}/edit`, `${url}/edit`, { name: '', redeemBy: '2099-01-01' });
    assert.equal(edit.statusCode, 400);
    assert.match(edit.body, /Enter a name of 1 to 200 characters\./);
    assert.match(edit.body, /value="2099-01-01"/);
    const saved = await submit(app, admin, `${url}/edit`, `${url}/edit`, { name: 'Renamed pass', redeemBy: '2099-01-01' });
    assert.equal(saved.statusCode, 303);
    assert.equal((await app.services.campaigns.get(campaign.id)).name, 'Renamed pass');

    const confirm = (await getPage(app, `${url}/close`, admin.cookie)).body;
    assert.match(confirm, /Closing is final/);
    await submit(app, admin, `${url}/close`, `${url}/status`, { status: 'closed' });
    const closed = (await getPage(app, url, admin.cookie)).body;
    assert.match(closed, /<span class="badge badge--closed">Closed<\/span>/);
    assert.ok(!closed.includes('>Generate codes</button>'), 'a closed campaign offers no new codes');
    const actions = (await app.services.audit.list({ subjectId: campaign.id })).map((e) => e.action);
    assert.deepEqual(actions.slice(0, 4), ['campaign.status_changed', 'campaign.updated', 'campaign.status_changed', 'campaign.status_changed']);
  });

  test('forms without the CSRF token change nothing; the pages speak Finnish', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const campaign = await createCampaignWithCodes(app, config, { count: 1 });
    const forged = await postForm(app, `/admin/campaigns/${campaign.id}/status`, admin.cookie, { status: 'paused' });
    assert.equal(forged.statusCode, 403);
    assert.equal((await app.services.campaigns.get(campaign.id)).status, 'active');
    const fi = await app.inject({ url: `/admin/campaigns/${campaign.id}`, headers: { accept: 'text/html', cookie: `${admin.cookie}; cloudpass_lang=fi` } });
    assert.match(fi.body, />Keskeytä kampanja<\/button>/);
    assert.match(fi.body, /Koodien määrä/);
  });
});
