// Where signing in and verifying the email lead, on SQLite and PostgreSQL: a pass in the middle of being
// redeemed (a code waiting in the session, or a pass bound to the account and not activated) is where the
// person goes next, unless they asked to go somewhere; an email verified on a second device says that
// the first device can carry on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../../app.ts';
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { CookieJar, createCampaignWithCodes, csrfTokenOf, uniqueAddress } from '../redemptions/redemptions.testing.ts';
import { VERIFY_EMAIL_TTL_MS } from './accounts.service.ts';
import { hashPassword } from './passwords.ts';

const PASSWORD = 'lantern orbit velvet 42';
const passwordHash = await hashPassword(PASSWORD);

/** A browser without JavaScript: a cookie jar, its own address, forms posted with the last page's CSRF token. */
function browser(app: App) {
  const jar = new CookieJar();
  const remoteAddress = uniqueAddress();
  let lastHtml = '';
  const keep = (response: LightMyRequestResponse) => {
    jar.take(response);
    if (/name="_csrf"/.test(response.body)) lastHtml = response.body;
    return response;
  };
  const headers = () => ({ cookie: jar.header(), accept: 'text/html' });
  const get = async (url: string) => keep(await app.inject({ url, headers: headers(), remoteAddress }));
  const post = async (url: string, fields: Record<string, string>) => keep(await app.inject({
    method: 'POST', url, remoteAddress, headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ _csrf: csrfTokenOf(lastHtml), ...fields }).toString(),
  }));
  return {
    get, post,
    useCookie(cookie: string) {
      const [name, value] = cookie.split('=') as [string, string];
      jar.set(name, value);
    },
    async signIn(email: string, signInUrl = '/signin') {
      await get(signInUrl);
      return post('/signin', { email, password: PASSWORD });
    },
  };
}

describeEachDatabase('where signing in leads when a pass is waiting', (ctx) => {
  test('a code waiting in the session: signing in (again, with another account) leads to its confirm step', async () => {
    const { app, config } = ctx();
    const campaign = await createCampaignWithCodes(app, config);
    const first = await createAccount(app, config, { passwordHash });
    const second = await createAccount(app, config, { passwordHash });
    const b = browser(app);
    await b.get('/redeem');
    const redeemed = await b.post('/redeem', { country: 'FI', code: campaign.codes[0]! });
    assert.equal(redeemed.headers.location, '/redeem/confirm');

    const signedIn = await b.signIn(first.email);
    assert.equal(signedIn.headers.location, '/redeem/confirm', 'the confirm step asked for sign-in');
    // That sign-in used up the returnTo; the code still waits. Switching accounts on the sign-in page goes back to it.
    const switched = await b.signIn(second.email);
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/redeem/confirm');
    const confirm = await b.get('/redeem/confirm');
    assert.equal(confirm.statusCode, 200);
    assert.ok(confirm.body.includes(second.email), 'the pass goes to the account signed in now');
  });

  test('a pass bound to the account and not activated: signing in anywhere leads to its activation form, unless told otherwise', async () => {
    const { app, config } = ctx();
    const campaign = await createCampaignWithCodes(app, config);
    const account = await createAccount(app, config, { passwordHash });
    const phone = browser(app);
    phone.useCookie(account.cookie);
    await phone.get('/redeem');
    await phone.post('/redeem', { country: 'FI', code: campaign.codes[0]! });
    await phone.get('/redeem/confirm');
    const activated = await phone.post('/redeem/confirm', {});
    const activation = activated.headers.location as string;
    assert.match(activation, /^\/activate\/[\w-]+$/);

    const laptop = browser(app);
    const signedIn = await laptop.signIn(account.email);
    assert.equal(signedIn.headers.location, activation);
    assert.equal((await laptop.get(activation)).statusCode, 200, 'the activation form opens');

    const asked = await browser(app).signIn(account.email, '/signin?returnTo=%2Fportal');
    assert.equal(asked.headers.location, '/portal', 'a returnTo given is followed first');

    // Released, the pass waits no more: sign-in goes to the account page.
    await phone.get(activation);
    const released = await phone.post(`/redeem/release/${activation.split('/').pop()}`, {});
    assert.equal(released.headers.location, '/redeem?released=1');
    const later = await browser(app).signIn(account.email);
    assert.equal(later.headers.location, '/account');
  });

  test('verifying the email on the same device leads to the waiting pass, then says the address is verified', async () => {
    const { app, config } = ctx();
    const campaign = await createCampaignWithCodes(app, config);
    const account = await createAccount(app, config, { passwordHash, verified: false });
    const b = browser(app);
    await b.get('/redeem');
    await b.post('/redeem', { country: 'FI', code: campaign.codes[0]! });
    assert.equal((await b.signIn(account.email)).headers.location, '/redeem/confirm');
    // The returnTo is used up by signing in; the code still waits in the session.
    const token = await app.services.accounts.issueToken(app.services.db, account.id, 'verify_email', VERIFY_EMAIL_TTL_MS);
    await b.get(`/verify-email?token=${token}`);
    const verified = await b.post('/verify-email', { token });
    assert.equal(verified.headers.location, '/redeem/confirm');
    const confirm = await b.get('/redeem/confirm');
    assert.match(confirm.body, /Your email address is verified\./);
    assert.match(confirm.body, /Confirm your information/);
  });
});

describeEachDatabase('verifying the email on a second device', (ctx) => {
  test('the link opened where nobody is signed in: verified, and the first device can carry on', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config, { passwordHash, verified: false });
    const first = browser(app);
    first.useCookie(account.cookie);
    assert.equal((await first.get('/signup/check-email')).statusCode, 200);

    const second = browser(app);
    const token = await app.services.accounts.issueToken(app.services.db, account.id, 'verify_email', VERIFY_EMAIL_TTL_MS);
    await second.get(`/verify-email?token=${token}`);
    const verified = await second.post('/verify-email', { token });
    assert.equal(verified.statusCode, 200);
    assert.match(verified.body, /<h1>Email verified — sign in<\/h1>/);
    assert.match(verified.body, /Did you start on another device\? You can go back to it and continue there\. Or sign in here to continue on this device\./);
    assert.match(verified.body, /href="\/signin"/);

    // Back on the first device, "check your email" knows and moves on.
    const back = await first.get('/signup/check-email');
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, '/account');
  });

  test('back on the first device in the middle of redeeming, "check your email" moves on to the pass', async () => {
    const { app, config } = ctx();
    const campaign = await createCampaignWithCodes(app, config);
    const first = browser(app);
    await first.get('/redeem');
    await first.post('/redeem', { country: 'FI', code: campaign.codes[0]! });
    await first.get('/signup');
    const email = uniqueEmail('first-device');
    const made = await first.post('/signup', { email, password: PASSWORD, displayName: 'First Device', country: 'FI' });
    assert.equal(made.headers.location, '/signup/check-email');
    assert.equal((await first.get('/signup/check-email')).statusCode, 200);

    const accountId = (await app.services.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
    const token = await app.services.accounts.issueToken(app.services.db, accountId, 'verify_email', VERIFY_EMAIL_TTL_MS);
    const second = browser(app);
    await second.get(`/verify-email?token=${token}`);
    assert.match((await second.post('/verify-email', { token })).body, /Did you start on another device\?/);

    const back = await first.get('/signup/check-email');
    assert.equal(back.statusCode, 303);
    assert.equal(back.headers.location, '/redeem/confirm');
    assert.match((await first.get('/redeem/confirm')).body, /Confirm your information/);
  });

  test('the same link on the device that is signed in goes on, with no second-device words', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config, { passwordHash, verified: false });
    const b = browser(app);
    b.useCookie(account.cookie);
    const token = await app.services.accounts.issueToken(app.services.db, account.id, 'verify_email', VERIFY_EMAIL_TTL_MS);
    await b.get(`/verify-email?token=${token}`);
    const verified = await b.post('/verify-email', { token });
    assert.equal(verified.headers.location, '/account');
    const page = await b.get('/account');
    assert.match(page.body, /Your email address is verified\./);
    assert.doesNotMatch(page.body, /another device/);
  });
});
