import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { activate, moveSubscription, profileOf, signUpForTrial } from '../subscriptions/subscriptions.testing.ts';
import { getPage, openPage, postForm } from '../../testing/pages.ts';

// A database of its own: what the free trial is before any operator has set it.
describeEachDatabase('settings API, nothing set yet', (ctx) => {
  test('the free trial is off, and 200.00 USD for 30 days when turned on, until the operator sets it', async () => {
    const { app, config } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const initial = await app.inject({ method: 'GET', url: '/api/v1/settings/free-trial', headers: { authorization: operator } });
    assert.equal(initial.statusCode, 200);
    assert.deepEqual(initial.json(), { enabled: false, credit: { amount: 20000, currency: 'USD' }, days: 30 });

    const recipient = await createAccount(app, config);
    const offers = await app.inject({ method: 'GET', url: '/api/v1/offers', headers: { cookie: recipient.cookie } });
    assert.deepEqual(offers.json().items.map((o: { id: string }) => o.id), ['pass'], 'off: /offers does not list it');
    const refused = await activate(app, recipient, { offer: 'free-trial', profile: profileOf(recipient) });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().code, 'free_trial_off');
    assert.equal((await app.services.subscriptions.list(recipient.id)).length, 0);
  });

  test('the branding is cloudpass with no links until the operator sets it', async () => {
    const { app } = ctx();
    const read = await app.inject({ method: 'GET', url: '/api/v1/settings/branding', headers: { authorization: await apiKeyHeader(app, 'operator') } });
    assert.deepEqual(read.json(), { programName: 'cloudpass', supportEmail: null, privacyUrl: null, termsUrl: null, consoleUrlTemplate: null });
  });
});

// Every test sets the values it reads, so none depends on another having run.
describeEachDatabase('settings API', (ctx) => {
  test('operator settings for the free trial', async () => {
    const { app, config } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const bad = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { authorization: operator }, payload: { credit: { amount: -5, currency: 'usd' }, days: 0 } });
    assert.equal(bad.statusCode, 400);
    const put = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { authorization: operator }, payload: { enabled: true, credit: { amount: 5000, currency: 'eur' }, days: 14 } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { enabled: true, credit: { amount: 5000, currency: 'EUR' }, days: 14 });
    const read = await app.inject({ method: 'GET', url: '/api/v1/settings/free-trial', headers: { authorization: operator } });
    assert.deepEqual(read.json(), { enabled: true, credit: { amount: 5000, currency: 'EUR' }, days: 14 });
    const recipient = await createAccount(app, config);
    const forbidden = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { cookie: recipient.cookie }, payload: { credit: { amount: 1, currency: 'EUR' }, days: 1 } });
    assert.equal(forbidden.statusCode, 403);
    const platform = await app.inject({ method: 'GET', url: '/api/v1/settings/free-trial', headers: { authorization: await apiKeyHeader(app, 'platform') } });
    assert.equal(platform.statusCode, 403);

    const trial = await activate(app, recipient, { offer: 'free-trial', profile: profileOf(recipient) });
    assert.deepEqual(trial.json().credit.granted, { amount: 5000, currency: 'EUR' });
    assert.equal(trial.json().validityDays, 14);
  });

  test('the change is audited', async () => {
    const { app } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const put = await app.inject({ method: 'PUT', url: '/api/v1/settings/free-trial', headers: { authorization: operator }, payload: { enabled: false, credit: { amount: 7500, currency: 'USD' }, days: 7 } });
    assert.equal(put.statusCode, 200);
    const entries = (await app.services.audit.list({ subjectId: 'free-trial' })).filter((e) => e.action === 'settings.free_trial_updated');
    const entry = entries.find((e) => JSON.stringify(e.details) === JSON.stringify({ enabled: false, credit: { amount: 7500, currency: 'USD' }, days: 7 }));
    assert.ok(entry, 'an entry with the new values');
    assert.equal(entry.actor.type, 'apikey');
  });
});

describeEachDatabase('settings console', (ctx) => {
  test('turning the free trial on and off in the console: /offers follows, each change audited', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const recipient = await createAccount(app, config);
    const offerIds = async () => (await app.inject({ method: 'GET', url: '/api/v1/offers', headers: { cookie: recipient.cookie } })).json().items.map((o: { id: string }) => o.id);
    const { response, csrf } = await openPage(app, '/admin/settings', admin.cookie);
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /Offer a free trial/);
    assert.doesNotMatch(response.body, /name="enabled" value="on" checked/, 'off by default');

    const bad = await postForm(app, '/admin/settings/free-trial', admin.cookie, { _csrf: csrf!, enabled: 'on', credit: '12.345', currency: 'EUR', days: '0' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter the credit as an amount like 200 or 200.00/);
    assert.deepEqual(await offerIds(), ['pass'], 'a refused form changes nothing');

    const on = await postForm(app, '/admin/settings/free-trial', admin.cookie, { _csrf: csrf!, enabled: 'on', credit: '50.00', currency: 'eur', days: '14' });
    assert.equal(on.statusCode, 303);
    assert.deepEqual(await offerIds(), ['pass', 'free-trial']);
    const trial = (await app.inject({ method: 'GET', url: '/api/v1/offers', headers: { cookie: recipient.cookie } })).json().items[1];
    assert.deepEqual({ credit: trial.credit, days: trial.days }, { credit: { amount: 5000, currency: 'EUR' }, days: 14 });
    assert.match((await getPage(app, '/admin/settings', admin.cookie)).body, /The free trial is on/);

    const off = await postForm(app, '/admin/settings/free-trial', admin.cookie, { _csrf: csrf!, credit: '50.00', currency: 'EUR', days: '14' });
    assert.equal(off.statusCode, 303);
    assert.deepEqual(await offerIds(), ['pass']);
    const audited = (await app.services.audit.list({ subjectId: 'free-trial' })).filter((e) => e.actor.label === admin.email);
    assert.deepEqual(audited.map((e) => (e.details as { enabled: boolean }).enabled), [false, true], 'newest first');

    const noToken = await postForm(app, '/admin/settings/free-trial', admin.cookie, { enabled: 'on', credit: '1', currency: 'EUR', days: '1' });
    assert.equal(noToken.statusCode, 403);
    assert.equal((await getPage(app, '/admin/settings', recipient.cookie)).statusCode, 403);
  });

  test('branding: the program name in the header and titles, footer links, the portal\'s cloud console link', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const { csrf } = await openPage(app, '/admin/settings', admin.cookie);
    const bad = await postForm(app, '/admin/settings/branding', admin.cookie, { _csrf: csrf!, programName: 'Nordic Cloud Pass', privacyUrl: 'javascript:alert(1)', consoleUrlTemplate: 'https://console.example.org/x' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Enter the privacy page as a full address/);
    assert.match(bad.body, /Put \{externalId\} in the cloud console address/);
    const saved = await postForm(app, '/admin/settings/branding', admin.cookie, {
      _csrf: csrf!, programName: 'Nordic Cloud Pass', supportEmail: 'help@example.org', privacyUrl: 'https://example.org/privacy',
      termsUrl: 'https://example.org/terms', consoleUrlTemplate: 'https://console.example.org/subscriptions/{externalId}',
    });
    assert.equal(saved.statusCode, 303, saved.body);
    const page = (await getPage(app, '/redeem')).body;
    assert.match(page, /<title>[^<]*Nordic Cloud Pass<\/title>/);
    assert.match(page, /class="brand__name">Nordic Cloud Pass</);
    assert.match(page, /href="https:\/\/example.org\/privacy">Privacy</);
    assert.match(page, /href="https:\/\/example.org\/terms">Terms</);
    assert.match(page, /href="mailto:help@example.org"/);

    const recipient = await createAccount(app, config);
    const id = await signUpForTrial(app, recipient.id);
    await moveSubscription(app, id, { to: 'active', externalId: 'vm 42' });
    const portal = (await getPage(app, '/portal', recipient.cookie)).body;
    assert.match(portal, /href="https:\/\/console.example.org\/subscriptions\/vm%2042"[^>]*>Open the cloud console/);
    const status = (await getPage(app, `/subscriptions/${id}`, recipient.cookie)).body;
    assert.match(status, /Open the cloud console/);

    const api = await app.inject({ method: 'PUT', url: '/api/v1/settings/branding', headers: { authorization: await apiKeyHeader(app, 'operator') }, payload: { programName: 'cloudpass', consoleUrlTemplate: null } });
    assert.equal(api.statusCode, 200);
    assert.equal(api.json().privacyUrl, 'https://example.org/privacy', 'what is left out stays');
    assert.doesNotMatch((await getPage(app, '/portal', recipient.cookie)).body, /Open the cloud console/);
  });
});
