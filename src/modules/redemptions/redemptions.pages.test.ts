import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sessionCookieName } from '../../http/auth.ts';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { normalizePassCode } from '../codes/pass-code.ts';
import {
  CookieJar, createCampaignWithCodes, csrfTokenOf, mistype, neverIssuedCode, typedCasually, uniqueAddress,
} from './redemptions.testing.ts';

describeEachDatabase('redeem pages', (ctx) => {
  /** A visitor with a browser's cookie jar, talking to the app through inject. */
  function visitor(remoteAddress = uniqueAddress()) {
    const jar = new CookieJar();
    const cookieName = sessionCookieName(ctx().config);
    let lastHtml = '';
    const get = async (url: string) => {
      const response = await ctx().app.inject({ url, headers: { cookie: jar.header(), accept: 'text/html' }, remoteAddress });
      jar.take(response);
      if (response.headers['content-type']?.toString().startsWith('text/html')) lastHtml = response.body;
      return response;
    };
    const post = async (url: string, fields: Record<string, string>) => {
      const response = await ctx().app.inject({
        method: 'POST', url, remoteAddress,
        headers: { cookie: jar.header(), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrfTokenOf(lastHtml), ...fields }).toString(),
      });
      jar.take(response);
      if (response.headers['content-type']?.toString().startsWith('text/html')) lastHtml = response.body;
      return response;
    };
    /** What the accounts module's sign-in does: a new session for the account, carrying the session's data. */
    const signInAs = async (accountId: string) => {
      const sessions = ctx().app.services.sessions;
      const current = (await sessions.resume(jar.get(cookieName)!))?.session;
      const { token } = await sessions.signIn(current, accountId);
      jar.set(cookieName, token);
      return current?.data.returnTo;
    };
    const sessionData = async () => (await ctx().app.services.sessions.resume(jar.get(cookieName)!))?.session.data;
    return { get, post, signInAs, sessionData, jar };
  }
  /** A visitor who entered `code` for Finland on /redeem, then signed in as `accountId`. */
  async function signedInWithPendingCode(code: string, accountId: string) {
    const browser = visitor();
    await browser.get('/redeem');
    await browser.post('/redeem', { country: 'FI', code });
    await browser.signInAs(accountId);
    return browser;
  }
  /** Someone redeeming `code` for Finland through the API, not the pages. */
  const redeemThroughApi = (holder: { cookie: string }, code: string) => ctx().app.inject({
    method: 'POST', url: '/api/v1/redemptions', headers: { cookie: holder.cookie, 'content-type': 'application/json' },
    payload: JSON.stringify({ code, country: 'FI' }),
  });
  const account = (options: Parameters<typeof createAccount>[2] = {}) => createAccount(ctx().app, ctx().config, options);
  const campaign = (options: Parameters<typeof createCampaignWithCodes>[2] = {}) => createCampaignWithCodes(ctx().app, ctx().config, options);

  test('/redeem has Country, Promo code and Submit, with phone-friendly input settings', async () => {
    const page = await visitor().get('/redeem');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label class="field__label" for="field-country">Country<\/label>/);
    assert.match(page.body, /<label class="field__label" for="field-code">Promo code<\/label>/);
    const input = /<input[^>]*name="code"[^>]*>/.exec(page.body)![0];
    for (const attribute of ['autocapitalize="characters"', 'autocomplete="off"', 'spellcheck="false"', 'inputmode="text"']) {
      assert.ok(input.includes(attribute), `${attribute} in ${input}`);
    }
    assert.match(page.body, /<button class="button button--primary" type="submit">Submit<\/button>/);
  });

  test('the whole flow: casual code → sign in to receive the pass → confirm → Activate → activation form', async () => {
    const c = await campaign({ name: 'Cloud workshop', creditAmount: 10_000, validityDays: 30 });
    const who = await account({ displayName: 'Ada' });
    const browser = visitor();
    await browser.get('/redeem');
    const submitted = await browser.post('/redeem', { country: 'FI', code: typedCasually(c.codes[0]!) });
    assert.equal(submitted.statusCode, 303);
    assert.equal(submitted.headers.location, '/redeem/confirm');

    const prompt = await browser.get('/redeem/confirm');
    assert.equal(prompt.statusCode, 200);
    assert.match(prompt.body, /<h1>Sign in to receive your pass<\/h1>/);
    assert.match(prompt.body, /Cloud workshop/);
    assert.match(prompt.body, /\$100\.00/);
    assert.match(prompt.body, /30 days/);
    assert.match(prompt.body, /<a class="button button--primary" href="\/signin">Sign in<\/a>/);
    assert.match(prompt.body, /<a class="button button--secondary" href="\/signup">Create account<\/a>/);

    // The code is pending in the session, sealed, and in no URL.
    const data = await browser.sessionData();
    assert.equal(data?.returnTo, '/redeem/confirm');
    assert.equal(data?.pendingCode?.country, 'FI');
    assert.ok(!JSON.stringify(data).includes(normalizePassCode(c.codes[0]!)), 'the plain code is not stored');
    assert.ok(!JSON.stringify(data).includes(c.codes[0]!));

    assert.equal(await browser.signInAs(who.id), '/redeem/confirm');
    const confirm = await browser.get('/redeem/confirm');
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /<h1>Confirm your information<\/h1>/);
    assert.ok(confirm.body.includes(who.email));
    assert.match(confirm.body, /<dd>Personal account<\/dd>/);
    assert.match(confirm.body, /\$100\.00/);
    assert.match(confirm.body, /<a href="\/redeem\/switch-account">Use another account<\/a>/);
    assert.match(confirm.body, /type="submit">Activate<\/button>/);
    // Refreshing is harmless.
    assert.equal((await browser.get('/redeem/confirm')).statusCode, 200);

    const activated = await browser.post('/redeem/confirm', {});
    assert.equal(activated.statusCode, 303);
    const redemption = await ctx().app.services.db.selectFrom('redemptions').selectAll().where('account_id', '=', who.id).executeTakeFirstOrThrow();
    assert.equal(activated.headers.location, `/activate/${redemption.id}`);
    assert.equal(redemption.country, 'FI');
    assert.equal((await browser.sessionData())?.pendingCode, undefined);

    // Back button or refresh after Activate: nothing pending, nothing doubled.
    const back = await browser.get('/redeem/confirm');
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, '/redeem');
    // Entering your own code again resumes the activation (seed Method 2).
    await browser.get('/redeem');
    const again = await browser.post('/redeem', { country: 'FI', code: c.codes[0]! });
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, `/activate/${redemption.id}?again=1`);
    const count = await ctx().app.services.db.selectFrom('redemptions').selectAll().where('account_id', '=', who.id).execute();
    assert.equal(count.length, 1);
  });

  test('a typo is named next to the field, with the input kept and no sign-in asked', async () => {
    const c = await campaign();
    const browser = visitor();
    await browser.get('/redeem');
    const typo = mistype(c.codes[0]!).toLowerCase();
    const response = await browser.post('/redeem', { country: 'SE', code: typo });
    assert.equal(response.statusCode, 422);
    assert.match(response.body, /<p class="field__error" id="field-code-error"><span class="visually-hidden">Error: <\/span>This code has a typo/);
    assert.ok(response.body.includes(`value="${typo}"`), 'the code typed is kept');
    assert.match(response.body, /<option value="SE" selected>/);
    assert.match(response.body, /aria-invalid="true"/);
    assert.match(response.body, /href="#field-code"/);
    assert.equal((await browser.sessionData())?.pendingCode, undefined);
  });

  test('empty fields ask for what is missing', async () => {
    const browser = visitor();
    await browser.get('/redeem');
    const response = await browser.post('/redeem', { country: '', code: '  ' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Select your country\./);
    assert.match(response.body, /Enter the promo code from your pass\./);
  });

  test('every refusal is said in plain words on the page', async () => {
    const c = await campaign({ count: 3, countries: ['FI'] });
    const holder = await account();
    await redeemThroughApi(holder, c.codes[0]!);
    const browser = visitor();
    await browser.get('/redeem');
    const used = await browser.post('/redeem', { country: 'FI', code: c.codes[0]! });
    assert.equal(used.statusCode, 409);
    assert.match(used.body, /This promo code is already used\./);
    assert.match(used.body, /Did you redeem it yourself\?/);

    const country = await browser.post('/redeem', { country: 'DE', code: c.codes[1]! });
    assert.equal(country.statusCode, 403);
    assert.match(country.body, /id="field-country-error"><span class="visually-hidden">Error: <\/span>This pass is not available in Germany\./);

    const unknown = await browser.post('/redeem', { country: 'FI', code: neverIssuedCode() });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /There is no pass with this promo code/);

    await ctx().app.services.db.updateTable('campaigns').set({ status: 'paused' }).where('id', '=', c.id).execute();
    const paused = await browser.post('/redeem', { country: 'FI', code: c.codes[1]! });
    assert.equal(paused.statusCode, 423);
    assert.match(paused.body, /paused for now/);
  });

  test('the one who redeemed it can sign in after "already used" and continue where they were', async () => {
    const c = await campaign();
    const holder = await account();
    const first = await redeemThroughApi(holder, c.codes[0]!);
    const browser = await signedInWithPendingCode(c.codes[0]!, holder.id);
    const resumed = await browser.get('/redeem/confirm');
    assert.equal(resumed.statusCode, 303);
    assert.equal(resumed.headers.location, `/activate/${first.json().id}?again=1`);
  });

  test('someone else\'s code, signed in: already used, with a way to use another account', async () => {
    const c = await campaign();
    const holder = await account();
    await redeemThroughApi(holder, c.codes[0]!);
    const browser = visitor();
    await browser.get('/redeem');
    await browser.signInAs((await account()).id);
    await browser.get('/redeem');
    const response = await browser.post('/redeem', { country: 'FI', code: c.codes[0]! });
    assert.equal(response.statusCode, 409);
    assert.match(response.body, /This promo code is already used\./);
    assert.match(response.body, /href="\/redeem\/switch-account">Use another account</);
  });

  test('"Use another account" signs out, keeps the code pending, and the next account confirms it', async () => {
    const c = await campaign();
    const first = await account();
    const second = await account({ kind: 'organizational' });
    const orgName = (await ctx().app.services.db.selectFrom('accounts').innerJoin('organizations', 'organizations.id', 'accounts.organization_id')
      .select('organizations.name').where('accounts.id', '=', second.id).executeTakeFirstOrThrow()).name;
    const browser = await signedInWithPendingCode(c.codes[0]!, first.id);
    const confirm = await browser.get('/redeem/confirm');
    assert.ok(confirm.body.includes(first.email));

    const switchPage = await browser.get('/redeem/switch-account');
    assert.equal(switchPage.statusCode, 200);
    assert.match(switchPage.body, /type="submit">Sign out and use another account<\/button>/);
    const before = browser.jar.get(sessionCookieName(ctx().config));
    const switched = await browser.post('/redeem/switch-account', {});
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/signin');
    assert.notEqual(browser.jar.get(sessionCookieName(ctx().config)), before, 'a new session cookie');
    const data = await browser.sessionData();
    assert.ok(data?.pendingCode, 'the code is still pending');
    assert.equal(data?.returnTo, '/redeem/confirm');
    // The old session is gone.
    assert.equal(await ctx().app.services.sessions.resume(before!), undefined);
    const signedOut = await browser.get('/redeem/confirm');
    assert.match(signedOut.body, /Sign in to receive your pass/);

    await browser.signInAs(second.id);
    const secondConfirm = await browser.get('/redeem/confirm');
    assert.ok(secondConfirm.body.includes(second.email));
    assert.ok(!secondConfirm.body.includes(first.email));
    assert.match(secondConfirm.body, /<dd>Organizational account<\/dd>/);
    assert.ok(secondConfirm.body.includes(`<dd>${orgName}</dd>`));
    const activated = await browser.post('/redeem/confirm', {});
    assert.equal(activated.statusCode, 303);
    const row = await ctx().app.services.db.selectFrom('redemptions').selectAll().where('account_id', '=', second.id).executeTakeFirstOrThrow();
    assert.equal(activated.headers.location, `/activate/${row.id}`);
  });

  test('an unverified email is said so, with a way to send the link again; Activate waits', async () => {
    const c = await campaign();
    const who = await account({ verified: false });
    const browser = await signedInWithPendingCode(c.codes[0]!, who.id);
    const page = await browser.get('/redeem/confirm');
    assert.match(page.body, /<h1>Confirm your email address<\/h1>/);
    assert.ok(page.body.includes(who.email));
    assert.match(page.body, /Send the link again/);
    const activate = await browser.post('/redeem/confirm', {});
    assert.equal(activate.headers.location, '/redeem/confirm');
    assert.equal((await ctx().app.services.db.selectFrom('redemptions').selectAll().where('account_id', '=', who.id).execute()).length, 0);
    const resent = await browser.post('/redeem/resend-verification', {});
    assert.equal(resent.headers.location, '/redeem/confirm?sent=1');
    const after = await browser.get('/redeem/confirm?sent=1');
    assert.match(after.body, /We sent a new link/);
  });

  test('a code taken by someone else while it was pending is refused at Activate, in words', async () => {
    const c = await campaign();
    const who = await account();
    const browser = await signedInWithPendingCode(c.codes[0]!, who.id);
    await browser.get('/redeem/confirm');
    const thief = await account();
    await redeemThroughApi(thief, c.codes[0]!);
    const response = await browser.post('/redeem/confirm', {});
    assert.equal(response.statusCode, 409);
    assert.match(response.body, /This promo code is already used\./);
    assert.match(response.body, /href="\/redeem">Enter another code</);
  });

  test('"Release this pass" from a page gives the code back; someone else\'s is not found', async () => {
    const c = await campaign();
    const who = await account();
    const browser = await signedInWithPendingCode(c.codes[0]!, who.id);
    await browser.get('/redeem/confirm');
    const activated = await browser.post('/redeem/confirm', {});
    const id = String(activated.headers.location).split('/').pop()!;

    const stranger = visitor();
    await stranger.get('/redeem');
    await stranger.signInAs((await account()).id);
    await stranger.get('/redeem');
    assert.equal((await stranger.post(`/redeem/release/${id}`, {})).statusCode, 404);

    await browser.get('/redeem');
    const released = await browser.post(`/redeem/release/${id}`, {});
    assert.equal(released.statusCode, 303);
    assert.equal(released.headers.location, '/redeem?released=1');
    assert.match((await browser.get('/redeem?released=1')).body, /The pass was released/);
    const row = await ctx().app.services.db.selectFrom('redemptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.state, 'released');
  });

  test('pages refuse a form without its CSRF token', async () => {
    const c = await campaign();
    const browser = visitor();
    await browser.get('/redeem');
    const response = await ctx().app.inject({
      method: 'POST', url: '/redeem', headers: { cookie: browser.jar.header(), accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ country: 'FI', code: c.codes[0]! }).toString(),
    });
    assert.equal(response.statusCode, 403);
  });

  test('too many never-issued codes from one signed-in browser: 429 with Retry-After and a message', async () => {
    const browser = visitor();
    await browser.get('/redeem');
    await browser.signInAs((await account()).id);
    await browser.get('/redeem');
    for (let i = 0; i < 20; i++) {
      assert.equal((await browser.post('/redeem', { country: 'FI', code: neverIssuedCode() })).statusCode, 404);
    }
    const blocked = await browser.post('/redeem', { country: 'FI', code: neverIssuedCode() });
    assert.equal(blocked.statusCode, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.match(blocked.body, /Too many promo codes that do not exist were tried/);
  });
});
