// Where people get stuck, a link to the help article about it, on SQLite and PostgreSQL: a typo in a
// code, a code already used, a pass waiting to be activated, an activation form with errors, a failed setup.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { CookieJar, createCampaignWithCodes, csrfTokenOf, mistype, neverIssuedCode, uniqueAddress } from '../redemptions/redemptions.testing.ts';
import { activate, createPass, moveSubscription, profileOf } from '../subscriptions/subscriptions.testing.ts';

const helpLink = (target: string) => new RegExp(`<p class="help-link"><a href="/help/${target}">`);

describeEachDatabase('help links where people get stuck', (ctx) => {
  /** A visitor posting /redeem as a browser would: the page first, for its cookie and CSRF token. */
  async function redeemAs(code: string, cookie?: string) {
    const { app } = ctx();
    const jar = new CookieJar();
    if (cookie) for (const pair of cookie.split('; ')) jar.set(pair.split('=')[0]!, pair.slice(pair.indexOf('=') + 1));
    const remoteAddress = uniqueAddress();
    const page = await app.inject({ url: '/redeem', headers: { accept: 'text/html', cookie: jar.header() }, remoteAddress });
    jar.take(page);
    return app.inject({
      method: 'POST', url: '/redeem', remoteAddress,
      headers: { accept: 'text/html', cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfTokenOf(page.body), country: 'FI', code }).toString(),
    });
  }

  test('a typo or an unknown code: the promo code article, at the section about it, next to the field', async () => {
    const { app, config } = ctx();
    const c = await createCampaignWithCodes(app, config);
    const typo = await redeemAs(mistype(c.codes[0]!));
    assert.equal(typo.statusCode, 422);
    assert.match(typo.body, helpLink('promo-code#typo'));
    assert.match(typo.body, /Help with typos in promo codes<\/a>/);
    const unknown = await redeemAs(neverIssuedCode());
    assert.match(unknown.body, helpLink('promo-code#unknown'));
    const good = await redeemAs(c.codes[1]!);
    assert.doesNotMatch(good.body, /class="help-link"/);
  });

  test('a code already used, signed out and signed in: the section about used codes', async () => {
    const { app, config } = ctx();
    const c = await createCampaignWithCodes(app, config);
    const holder = await createAccount(app, config);
    const redeemed = await app.inject({
      method: 'POST', url: '/api/v1/redemptions', headers: { cookie: holder.cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ code: c.codes[0], country: 'FI' }),
    });
    assert.equal(redeemed.statusCode, 201, redeemed.body);
    const signedOut = await redeemAs(c.codes[0]!);
    assert.equal(signedOut.statusCode, 409);
    assert.match(signedOut.body, helpLink('promo-code#already-used'));
    const other = await createAccount(app, config);
    const signedIn = await redeemAs(c.codes[0]!, other.cookie);
    assert.match(signedIn.body, helpLink('promo-code#already-used'));
  });

  test('a pass waiting in the portal, an activation form with errors, a failed setup', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const pass = await createPass(app, account);
    const page = (url: string) => app.inject({ url, headers: { accept: 'text/html', cookie: account.cookie } });

    const portal = await page('/portal');
    assert.match(portal.body, /is waiting to be activated/);
    assert.match(portal.body, helpLink('activate#pending'));

    const form = await page(`/activate/${pass.redemptionId}`);
    assert.equal(form.statusCode, 200);
    assert.doesNotMatch(form.body, /class="help-link"/, 'no help link before anything went wrong');
    const wrong = await app.inject({
      method: 'POST', url: `/activate/${pass.redemptionId}`,
      headers: { accept: 'text/html', cookie: account.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        _csrf: csrfTokenOf(form.body), idempotencyKey: /name="idempotencyKey" value="([^"]+)"/.exec(form.body)![1]!,
        ...profileOf(account), email: 'someone.else@example.test', phone: '12',
      }).toString(),
    });
    assert.ok(wrong.statusCode >= 400, `status ${wrong.statusCode}`);
    assert.match(wrong.body, helpLink('activate#match'));

    const created = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json();
    const settingUp = await page(`/subscriptions/${created.id}`);
    assert.doesNotMatch(settingUp.body, /class="help-link"/);
    await moveSubscription(app, created.id, { to: 'failed' });
    const failed = await page(`/subscriptions/${created.id}`);
    assert.match(failed.body, /Setup failed/);
    assert.match(failed.body, helpLink('status#failed'));
  });
});
