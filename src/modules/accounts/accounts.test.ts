// Accounts and sessions through the HTTP API and the pages, on SQLite and PostgreSQL, with a real SMTP
// receiver reading the mails cloudpass sends.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';
import type { App } from '../../app.ts';
import { buildApp } from '../../app.ts';
import { describeEachDatabase, manualClock, TEST_SECRET, testRedisUrl, redisSkipReason } from '../../testing/harness.ts';
import { apiKeyHeader, createAccount, uniqueEmail } from '../../testing/factories.ts';
import { openPage, postForm, sessionCookie } from '../../testing/pages.ts';
import { linkToken, startSmtpReceiver } from '../mail/smtp-receiver.ts';
import { hashPassword } from './passwords.ts';
import { VERIFY_EMAIL_TTL_MS } from './accounts.service.ts';

const receiver = await startSmtpReceiver();
after(() => receiver.close());

const PASSWORD = 'lantern orbit velvet 42';
let addressCounter = 0;
/** Each test signs in from its own address, so throttling in one test never touches another. */
const nextAddress = () => `10.${(addressCounter >> 8) & 255}.${addressCounter++ & 255}.${1 + Math.floor(Math.random() * 250)}`;

const json = (app: App, method: 'POST' | 'PATCH' | 'DELETE' | 'GET', url: string, payload?: object, headers: Record<string, string> = {}, remoteAddress?: string) =>
  app.inject({ method, url, payload, headers, remoteAddress });

async function signUp(app: App, overrides: Partial<{ email: string; password: string; displayName: string; country: string }> = {}) {
  const body = { email: uniqueEmail('signup'), password: PASSWORD, displayName: 'Ada Lovelace', country: 'FI', ...overrides };
  const response = await json(app, 'POST', '/api/v1/accounts', body);
  return { response, body };
}

async function signIn(app: App, email: string, password: string, extra: object = {}, remoteAddress = nextAddress(), cookie?: string) {
  return app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password, ...extra }, remoteAddress, headers: cookie ? { cookie } : {} });
}

describeEachDatabase('accounts with SMTP', (ctx) => {
  test('sign-up creates an unverified personal account and mails a verification link that works once', async () => {
    const { app } = ctx();
    const { response, body } = await signUp(app);
    assert.equal(response.statusCode, 201);
    const account = response.json();
    assert.deepEqual(Object.keys(account).sort(), ['country', 'displayName', 'email', 'emailVerified', 'id', 'kind', 'organization']);
    assert.equal(account.kind, 'personal');
    assert.equal(account.emailVerified, false);
    assert.equal(account.organization, null);

    const mail = await receiver.waitFor(body.email, (m) => /verify-email/.test(m.text));
    assert.match(mail.text, /^http:\/\/localhost:3000\/verify-email\?token=/m);
    const token = linkToken(mail, '/verify-email');

    const signedIn = await signIn(app, body.email, PASSWORD);
    assert.equal(signedIn.statusCode, 200, 'an unverified account can sign in');
    const cookie = sessionCookie(signedIn)!;

    const verified = await json(app, 'POST', '/api/v1/accounts/verify-email', { token });
    assert.equal(verified.statusCode, 200);
    assert.equal(verified.json().account.emailVerified, true);
    const me = await json(app, 'GET', '/api/v1/me', undefined, { cookie });
    assert.equal(me.json().emailVerified, true);

    const again = await json(app, 'POST', '/api/v1/accounts/verify-email', { token });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().code, 'invalid_token');
    const junk = await json(app, 'POST', '/api/v1/accounts/verify-email', { token: 'nope' });
    assert.equal(junk.json().code, 'invalid_token');

    await app.services.mail.settle();
    const [kept] = (await app.services.mail.list()).filter((m) => m.to === body.email);
    assert.ok(kept?.sentAt, 'a delivered mail is recorded as sent in the outbox');
  });

  test('resend verification mails a fresh link, and answers the same for unknown emails', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    await receiver.waitFor(body.email);
    const resent = await json(app, 'POST', '/api/v1/accounts/resend-verification', { email: body.email.toUpperCase() });
    const unknown = await json(app, 'POST', '/api/v1/accounts/resend-verification', { email: uniqueEmail('nobody') });
    assert.equal(resent.statusCode, 202);
    assert.equal(unknown.statusCode, 202);
    assert.deepEqual(resent.json(), unknown.json());
    const second = await receiver.waitFor(body.email, (m) => receiver.mails.filter((x) => x.to.includes(body.email.toLowerCase())).indexOf(m) === 1);
    const verified = await json(app, 'POST', '/api/v1/accounts/verify-email', { token: linkToken(second, '/verify-email') });
    assert.equal(verified.statusCode, 200);
  });

  test('password reset: same answer for any email, single-use link, ends every session', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const first = sessionCookie(await signIn(app, body.email, PASSWORD))!;

    const known = await json(app, 'POST', '/api/v1/accounts/password-reset', { email: body.email });
    const unknown = await json(app, 'POST', '/api/v1/accounts/password-reset', { email: uniqueEmail('nobody') });
    assert.equal(known.statusCode, 202);
    assert.equal(unknown.statusCode, 202);
    assert.deepEqual(known.json(), unknown.json());

    const mail = await receiver.waitFor(body.email, (m) => /reset-password/.test(m.text));
    const token = linkToken(mail, '/reset-password');
    const weak = await json(app, 'POST', '/api/v1/accounts/password-reset/confirm', { token, password: 'password1' });
    assert.equal(weak.json().code, 'weak_password', 'a weak new password is refused and the token still works');

    const newPassword = 'a whole new sentence here';
    const reset = await json(app, 'POST', '/api/v1/accounts/password-reset/confirm', { token, password: newPassword });
    assert.equal(reset.statusCode, 200);
    assert.equal(reset.json().account.emailVerified, true, 'the emailed link proves the address');
    assert.equal((await json(app, 'GET', '/api/v1/me', undefined, { cookie: first })).statusCode, 401, 'sessions end after a reset');
    assert.equal((await signIn(app, body.email, PASSWORD)).statusCode, 401);
    assert.equal((await signIn(app, body.email, newPassword)).statusCode, 200);
    const replay = await json(app, 'POST', '/api/v1/accounts/password-reset/confirm', { token, password: 'yet another long phrase' });
    assert.equal(replay.json().code, 'invalid_token');
  });

  test('a reset link expires after an hour', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const created = await app.services.accounts.authenticate({ email: body.email, password: PASSWORD, clientAddress: nextAddress() });
    const token = await app.services.accounts.issueToken(app.services.db, created.id, 'reset_password', -1);
    const expired = await json(app, 'POST', '/api/v1/accounts/password-reset/confirm', { token, password: 'a whole new sentence here' });
    assert.equal(expired.json().code, 'invalid_token');
  });
}, { env: { SMTP_URL: receiver.url } });

describeEachDatabase('accounts', (ctx) => {
  test('emails are unique among personal accounts, case-insensitively', async () => {
    const { app } = ctx();
    const { body } = await signUp(app, { email: `Grace.${Date.now()}@Example.com` });
    const duplicate = await signUp(app, { email: `  ${body.email.toLowerCase()} ` });
    assert.equal(duplicate.response.statusCode, 409);
    assert.equal(duplicate.response.json().code, 'email_taken');
    assert.equal(duplicate.response.headers['content-type'], 'application/problem+json; charset=utf-8');
  });

  test('passwords: at least 8, 64 allowed, common ones refused, no composition rules', async () => {
    const { app } = ctx();
    for (const password of ['short', 'password', 'Password1', '12345678', 'iloveyou', 'QWERTYUIOP']) {
      const { response } = await signUp(app, { password });
      assert.equal(response.statusCode, 400, password);
      assert.equal(response.json().code, 'weak_password', password);
      assert.equal(response.json().errors[0].path, 'password');
    }
    assert.equal((await signUp(app, { password: 'x'.repeat(64) })).response.statusCode, 201);
    assert.equal((await signUp(app, { password: 'lowercase only words' })).response.statusCode, 201);
    const long = await signUp(app, { password: 'y'.repeat(300) });
    assert.equal(long.response.json().code, 'validation_failed');
  });

  test('sign-up validates email, display name and country', async () => {
    const { app } = ctx();
    const cases: Array<[object, string]> = [
      [{ email: 'not-an-email' }, 'email'],
      [{ email: 'a@b' }, 'email'],
      [{ displayName: '   ' }, 'displayName'],
      [{ displayName: 'n'.repeat(101) }, 'displayName'],
      [{ country: 'XX' }, 'country'],
      [{ country: 'Finland' }, 'country'],
    ];
    for (const [overrides, path] of cases) {
      const { response } = await signUp(app, overrides);
      assert.equal(response.statusCode, 400, JSON.stringify(overrides));
      assert.equal(response.json().code, 'validation_failed');
      assert.ok(response.json().errors.some((e: { path: string }) => e.path === path), JSON.stringify(response.json()));
    }
    const missing = await json(app, 'POST', '/api/v1/accounts', { email: uniqueEmail() });
    assert.equal(missing.json().code, 'validation_failed');
    const notJson = await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: '{"email":', headers: { 'content-type': 'application/json' } });
    assert.equal(notJson.statusCode, 400);
    assert.equal((await signUp(app, { displayName: 'n'.repeat(100), country: 'ax' })).response.statusCode, 201);
  });

  test('without SMTP the mail is kept in the outbox, readable by operators only', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const operator = await apiKeyHeader(app);
    const outbox = await json(app, 'GET', '/api/v1/outbox', undefined, { authorization: operator });
    assert.equal(outbox.statusCode, 200);
    const mail = outbox.json().items.find((m: { to: string }) => m.to === body.email);
    assert.ok(mail);
    assert.equal(mail.sentAt, null);
    // The link is there, its token redacted: an operator key must not verify (or reset) someone's account.
    assert.match(mail.text, /http:\/\/localhost:3000\/verify-email\?token=\[redacted\]/);
    const recipient = await createAccount(app, ctx().config);
    assert.equal((await json(app, 'GET', '/api/v1/outbox', undefined, { cookie: recipient.cookie })).statusCode, 403);
    assert.equal((await json(app, 'GET', '/api/v1/outbox')).statusCode, 401);
  });

  test('GET /me, PATCH /me and changing the password', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const cookie = sessionCookie(await signIn(app, body.email, PASSWORD))!;
    const other = sessionCookie(await signIn(app, body.email, PASSWORD))!;
    assert.equal((await json(app, 'GET', '/api/v1/me')).json().code, 'unauthenticated');

    const patched = await json(app, 'PATCH', '/api/v1/me', { displayName: 'Ada King', country: 'se' }, { cookie });
    assert.equal(patched.statusCode, 200);
    assert.equal(patched.json().displayName, 'Ada King');
    assert.equal(patched.json().country, 'SE');
    assert.equal((await json(app, 'PATCH', '/api/v1/me', { country: 'ZZ' }, { cookie })).json().code, 'validation_failed');

    const wrong = await json(app, 'POST', '/api/v1/me/password', { currentPassword: 'not it at all', newPassword: 'brand new phrase 7' }, { cookie });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().errors[0].path, 'currentPassword');
    const weak = await json(app, 'POST', '/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'password' }, { cookie });
    assert.equal(weak.json().code, 'weak_password');
    const changed = await json(app, 'POST', '/api/v1/me/password', { currentPassword: PASSWORD, newPassword: 'brand new phrase 7' }, { cookie });
    assert.equal(changed.statusCode, 204);
    assert.equal((await json(app, 'GET', '/api/v1/me', undefined, { cookie })).statusCode, 200, 'this session stays');
    assert.equal((await json(app, 'GET', '/api/v1/me', undefined, { cookie: other })).statusCode, 401, 'other sessions end');
    assert.equal((await signIn(app, body.email, 'brand new phrase 7')).statusCode, 200);
  });
});

describeEachDatabase('sessions', (ctx) => {
  test('sign-in sets a hardened cookie and a new token every time; sign-out kills it on the server', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const anonymous = await openPage(app, '/signin');
    assert.ok(anonymous.cookie);

    const signedIn = await signIn(app, body.email, PASSWORD, {}, nextAddress(), anonymous.cookie);
    assert.equal(signedIn.statusCode, 200);
    assert.equal(signedIn.json().account.email, body.email);
    const setCookie = String(signedIn.headers['set-cookie']);
    assert.match(setCookie, /HttpOnly/);
    assert.match(setCookie, /SameSite=Lax/);
    assert.match(setCookie, /Path=\//);
    const cookie = sessionCookie(signedIn)!;
    assert.notEqual(cookie, anonymous.cookie, 'a new token at sign-in');
    assert.ok(cookie.split('=')[1]!.length >= 22, 'at least 128 bits');
    assert.equal((await json(app, 'GET', '/api/v1/me', undefined, { cookie: anonymous.cookie })).statusCode, 401, 'the old token is dead');

    const again = sessionCookie(await signIn(app, body.email, PASSWORD, {}, nextAddress(), cookie))!;
    assert.notEqual(again, cookie);
    assert.equal((await json(app, 'GET', '/api/v1/me', undefined, { cookie })).statusCode, 401);

    const me = await json(app, 'GET', '/api/v1/me', undefined, { cookie: again });
    assert.equal(me.statusCode, 200);
    const out = await json(app, 'DELETE', '/api/v1/sessions/current', undefined, { cookie: again });
    assert.equal(out.statusCode, 204);
    const replay = await json(app, 'GET', '/api/v1/me', undefined, { cookie: again });
    assert.equal(replay.statusCode, 401, 'replaying the cookie after sign-out fails');
  });

  test('wrong credentials: 401 invalid_credentials, the same for an unknown email', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const wrong = await signIn(app, body.email, 'not the password');
    const unknown = await signIn(app, uniqueEmail('ghost'), 'not the password');
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.statusCode, 401);
    assert.deepEqual(wrong.json(), unknown.json());
    assert.equal(wrong.json().code, 'invalid_credentials');
    assert.equal(wrong.headers['set-cookie'], undefined);
  });

  test('cookie API writes must be JSON and come from PUBLIC_URL', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const foreign = await json(app, 'PATCH', '/api/v1/me', { displayName: 'Evil' }, { cookie: account.cookie, origin: 'https://evil.example' });
    assert.equal(foreign.statusCode, 403);
    const form = await app.inject({
      method: 'PATCH', url: '/api/v1/me', payload: 'displayName=Evil',
      headers: { cookie: account.cookie, 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(form.statusCode, 403);
    const ours = await json(app, 'PATCH', '/api/v1/me', { displayName: 'Fine' }, { cookie: account.cookie, origin: 'http://localhost:3000' });
    assert.equal(ours.statusCode, 200);
    const login = await json(app, 'POST', '/api/v1/sessions', { email: account.email, password: PASSWORD }, { origin: 'https://evil.example' });
    assert.equal(login.statusCode, 403, 'no signing in from another site (login CSRF)');
  });

  test('page forms without or with a wrong CSRF token change nothing', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const page = await openPage(app, '/signin');
    assert.ok(page.csrf);
    const fields = { email: body.email, password: PASSWORD };
    const missing = await postForm(app, '/signin', page.cookie, fields);
    assert.equal(missing.statusCode, 403);
    assert.match(missing.headers['content-type'] as string, /text\/html/);
    const wrong = await postForm(app, '/signin', page.cookie, { ...fields, _csrf: `${page.csrf}x` });
    assert.equal(wrong.statusCode, 403);
    const foreign = await openPage(app, '/signin');
    assert.equal((await postForm(app, '/signin', page.cookie, { ...fields, _csrf: foreign.csrf! })).statusCode, 403, 'another session\'s token');
    assert.equal(sessionCookie(missing), undefined);
    const ok = await postForm(app, '/signin', page.cookie, { ...fields, _csrf: page.csrf }, nextAddress());
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/account');
  });

  test('what users typed is escaped on pages', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config, { displayName: '<script>alert(1)</script>' });
    for (const url of ['/account', '/account/type']) {
      const page = await app.inject({ url, headers: { accept: 'text/html', cookie: account.cookie } });
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /<script>alert\(1\)<\/script>/);
      assert.match(page.body, /&lt;script>alert\(1\)&lt;\/script>|&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    }
    const signup = await openPage(app, '/signup');
    const echoed = await postForm(app, '/signup', signup.cookie, {
      _csrf: signup.csrf!, email: '"><img src=x onerror=alert(1)>', password: PASSWORD, displayName: '<b>x</b>', country: 'FI',
    });
    assert.equal(echoed.statusCode, 400);
    assert.doesNotMatch(echoed.body, /<img src=x/);
    assert.doesNotMatch(echoed.body, /<b>x<\/b>/);
    assert.doesNotMatch(echoed.body, new RegExp(PASSWORD), 'the password is never sent back');
  });

  test('an email with a personal and an organizational account must choose (API)', async () => {
    const { app, config } = ctx();
    const { body } = await signUp(app);
    const org = await createAccount(app, config, { email: body.email.toUpperCase(), kind: 'organizational', passwordHash: await hashPassword(PASSWORD) });
    const orgAccount = await app.services.accounts.findAccount(org.id);

    const ask = await signIn(app, body.email, PASSWORD);
    assert.equal(ask.statusCode, 409);
    assert.equal(ask.json().code, 'account_choice_required');
    assert.deepEqual(
      [...ask.json().choices].sort((a, b) => a.kind.localeCompare(b.kind)),
      [{ kind: 'organizational', organization: orgAccount!.organization }, { kind: 'personal', organization: null }],
    );
    assert.equal(ask.headers['set-cookie'], undefined);
    assert.equal((await signIn(app, body.email, 'wrong password here')).json().code, 'invalid_credentials', 'no choices without the password');

    const work = await signIn(app, body.email, PASSWORD, { accountKind: 'organizational' });
    assert.equal(work.statusCode, 200);
    assert.equal(work.json().account.kind, 'organizational');
    assert.deepEqual(work.json().account.organization, orgAccount!.organization);
    const personal = await signIn(app, body.email, PASSWORD, { accountKind: 'personal' });
    assert.equal(personal.json().account.kind, 'personal');
    const byOrg = await signIn(app, body.email, PASSWORD, { accountKind: 'organizational', organizationId: orgAccount!.organization!.id });
    assert.equal(byOrg.json().account.id, org.id);
  });

  test('the chooser page signs in with the chosen account without asking for the password again', async () => {
    const { app, config } = ctx();
    const { body } = await signUp(app);
    const org = await createAccount(app, config, { email: body.email, kind: 'organizational', passwordHash: await hashPassword(PASSWORD) });
    const orgAccount = (await app.services.accounts.findAccount(org.id))!;
    const page = await openPage(app, '/signin');
    const chooser = await postForm(app, '/signin', page.cookie, { _csrf: page.csrf!, email: body.email, password: PASSWORD }, nextAddress());
    assert.equal(chooser.statusCode, 200);
    assert.match(chooser.body, />Work or school account</);
    assert.match(chooser.body, />Personal account</);
    assert.ok(chooser.body.includes(orgAccount.organization!.name));
    assert.doesNotMatch(chooser.body, /name="password"/);
    const chosen = await postForm(app, '/signin/choose', page.cookie, { _csrf: page.csrf!, choice: `organizational:${orgAccount.organization!.id}` });
    assert.equal(chosen.statusCode, 303);
    const cookie = sessionCookie(chosen)!;
    const type = await openPage(app, '/account/type', cookie);
    assert.match(type.response.body, /Organizational account/);
    assert.ok(type.response.body.includes(orgAccount.organization!.name));
    // The pending choice is gone with the old session.
    const replay = await postForm(app, '/signin/choose', page.cookie, { _csrf: page.csrf!, choice: 'personal' });
    assert.equal(replay.statusCode, 403);
  });

  test('10 wrong passwords, then 429 too_many_attempts with Retry-After, also for the right one; unknown emails alike', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const address = nextAddress();
    for (let i = 1; i <= 10; i++) {
      const wrong = await signIn(app, body.email, `wrong guess ${i}`, {}, address);
      assert.equal(wrong.statusCode, 401, `attempt ${i}`);
    }
    const blocked = await signIn(app, body.email, `wrong guess 11`, {}, address);
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().code, 'too_many_attempts');
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, String(retryAfter));
    assert.equal((await signIn(app, body.email, PASSWORD, {}, address)).statusCode, 429);
    assert.equal((await signIn(app, body.email, PASSWORD, {}, nextAddress())).statusCode, 200, 'another address is not blocked');

    const ghost = uniqueEmail('ghost');
    for (let i = 1; i <= 10; i++) assert.equal((await signIn(app, ghost, `guess ${i}`, {}, address)).statusCode, 401);
    const ghostBlocked = await signIn(app, ghost, 'guess 11', {}, address);
    assert.equal(ghostBlocked.statusCode, 429);
    assert.ok(ghostBlocked.headers['retry-after']);
  });

  test('the sign-in page says too many attempts with status 429', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    const address = nextAddress();
    const page = await openPage(app, '/signin');
    for (let i = 1; i <= 10; i++) {
      const wrong = await postForm(app, '/signin', page.cookie, { _csrf: page.csrf!, email: body.email, password: `nope ${i}` }, address);
      assert.equal(wrong.statusCode, 401);
      assert.match(wrong.body, /The email or password is not correct/);
      assert.ok(wrong.body.includes(`value="${body.email}"`), 'the email is kept');
    }
    const blocked = await postForm(app, '/signin', page.cookie, { _csrf: page.csrf!, email: body.email, password: PASSWORD }, address);
    assert.equal(blocked.statusCode, 429);
    assert.ok(blocked.headers['retry-after']);
    assert.match(blocked.body, /Too many attempts/);
  });

  test('successes are not throttled: 50 different people sign in from one address within seconds', async () => {
    // 500 argon2 checks would make this test slow; the limiter itself is tested with 500 successes in
    // sign-in-throttle.test.ts. Here 50 real sign-ins through the API, interleaved with failures of
    // other people, show the route counts failures only.
    const { app, config } = ctx();
    const passwordHash = await hashPassword(PASSWORD);
    const people = await Promise.all(Array.from({ length: 50 }, () => createAccount(app, config, { passwordHash })));
    const address = nextAddress();
    for (const [i, person] of people.entries()) {
      if (i % 10 === 0) assert.equal((await signIn(app, person.email, 'typo in it', {}, address)).statusCode, 401);
      const response = await signIn(app, person.email, PASSWORD, {}, address);
      assert.equal(response.statusCode, 200, `person ${i}`);
    }
  });

  test('operator admins: created by the real CLI, reach /admin; others get 403, signed-out visitors sign in first', async () => {
    const { app, config, database } = ctx();
    const email = uniqueEmail('admin');
    const weak = await runCli(['admin', 'create', '--email', email], 'password\n', database.url);
    assert.notEqual(weak.code, 0);
    assert.equal(weak.stderr.trim().split('\n').length, 1, weak.stderr);
    assert.match(weak.stderr, /common/);

    const created = await runCli(['admin', 'create', '--email', email], 'operator pass phrase 1\n', database.url);
    assert.equal(created.code, 0, created.stderr);
    const signedIn = await signIn(app, email, 'operator pass phrase 1');
    assert.equal(signedIn.statusCode, 200, 'the trailing newline is not part of the password');
    assert.equal(signedIn.json().account.emailVerified, true);
    const cookie = sessionCookie(signedIn)!;

    const consolePage = await openPage(app, '/admin', cookie);
    assert.equal(consolePage.response.statusCode, 200);
    assert.match(consolePage.response.body, /Operator console/);
    const audit = await openPage(app, '/admin/audit', cookie);
    assert.match(audit.response.body, /admin\.created/);
    assert.ok(audit.response.body.includes(email));
    const outbox = await openPage(app, '/admin/outbox', cookie);
    assert.equal(outbox.response.statusCode, 200);
    assert.match(outbox.response.body, /Mail outbox/);
    assert.equal((await json(app, 'GET', '/api/v1/outbox', undefined, { cookie })).statusCode, 200, 'the operator API accepts an admin session');

    const recipient = await createAccount(app, config);
    for (const url of ['/admin', '/admin/audit', '/admin/outbox']) {
      const forbidden = await openPage(app, url, recipient.cookie);
      assert.equal(forbidden.response.statusCode, 403, url);
      assert.match(forbidden.response.headers['content-type'] as string, /text\/html/);
      const anonymous = await openPage(app, url);
      assert.equal(anonymous.response.statusCode, 303, url);
      assert.equal(anonymous.response.headers.location, '/signin');
    }

    // An existing account is not taken over silently: only --reset-password promotes it and sets its password.
    const { body } = await signUp(app);
    const refused = await runCli(['admin', 'create', '--email', body.email.toUpperCase()], 'promoted pass phrase 2', database.url);
    assert.notEqual(refused.code, 0);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    assert.match(refused.stderr, /--reset-password/);
    const promoted = await runCli(['admin', 'create', '--email', body.email.toUpperCase(), '--reset-password'], 'promoted pass phrase 2', database.url);
    assert.equal(promoted.code, 0, promoted.stderr);
    assert.match(promoted.stdout, /promoted/);
    const admin = await signIn(app, body.email, 'promoted pass phrase 2');
    assert.equal((await openPage(app, '/admin', sessionCookie(admin))).response.statusCode, 200);
  });
});

const manual = manualClock(new Date());
describeEachDatabase('session timeouts', (ctx) => {
  test('a session ends after 30 idle minutes and after 12 hours whatever the activity', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const { token } = await app.services.sessions.start(account.id);
    const cookie = `cloudpass_session=${token}`;
    manual.advance(29 * 60 * 1000);
    assert.equal((await json(app, 'GET', '/api/v1/me', undefined, { cookie })).statusCode, 200);
    manual.advance(31 * 60 * 1000);
    assert.equal((await json(app, 'GET', '/api/v1/me', undefined, { cookie })).statusCode, 401, 'idle for 31 minutes');

    const busy = `cloudpass_session=${(await app.services.sessions.start(account.id)).token}`;
    for (let elapsed = 0; elapsed < 12 * 60; elapsed += 20) {
      manual.advance(20 * 60 * 1000);
      const status = (await json(app, 'GET', '/api/v1/me', undefined, { cookie: busy })).statusCode;
      if (elapsed + 20 < 12 * 60) assert.equal(status, 200, `after ${elapsed + 20} minutes`);
      else assert.equal(status, 401, 'past 12 hours');
    }
  });
}, { clock: manual });

describeEachDatabase('sign-in returns to where the visitor was going', (ctx) => {
  test('a local returnTo is followed, anything else goes to /account', async () => {
    const { app } = ctx();
    const { body } = await signUp(app);
    for (const [returnTo, expected] of [['/redeem/confirm', '/redeem/confirm'], ['//evil.example/x', '/account'], ['https://evil.example', '/account'], ['/\\evil.example', '/account']]) {
      const page = await openPage(app, `/signin?returnTo=${encodeURIComponent(returnTo!)}`);
      const done = await postForm(app, '/signin', page.cookie, { _csrf: page.csrf!, email: body.email, password: PASSWORD }, nextAddress());
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, expected, returnTo);
      // Used once: the next sign-in in this session goes to the account page.
      const next = await openPage(app, '/signin', sessionCookie(done));
      const second = await postForm(app, '/signin', next.cookie, { _csrf: next.csrf!, email: body.email, password: PASSWORD }, nextAddress());
      assert.equal(second.headers.location, '/account');
    }
  });

  test('sign-up on the page keeps the pending code and returnTo, then verification goes back', async () => {
    const { app } = ctx();
    const page = await openPage(app, '/signup');
    const session = (await app.services.sessions.resume(page.cookie!.split('=')[1]!))?.session;
    await app.services.sessions.saveData(session!, { pendingCode: { code: 'ABCD-EFGH-JKMN-PQRS', country: 'FI' }, returnTo: '/redeem/confirm' });
    const email = uniqueEmail('pagesignup');
    const done = await postForm(app, '/signup', page.cookie, { _csrf: page.csrf!, email, password: PASSWORD, displayName: 'Page Person', country: 'FI' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/signup/check-email');
    const cookie = sessionCookie(done)!;
    assert.notEqual(cookie, page.cookie);
    const carried = (await app.services.sessions.resume(cookie.split('=')[1]!))?.session;
    assert.deepEqual(carried!.data.pendingCode, { code: 'ABCD-EFGH-JKMN-PQRS', country: 'FI' });

    const check = await openPage(app, '/signup/check-email', cookie);
    assert.match(check.response.body, /Resend email/);
    // The mailed token is redacted in the outbox (and there is no SMTP here): a new one, as the mail would carry.
    assert.ok((await app.services.mail.list()).some((m) => m.to === email && m.text.includes('/verify-email?token=[redacted]')));
    const token = await app.services.accounts.issueToken(app.services.db, carried!.accountId!, 'verify_email', VERIFY_EMAIL_TTL_MS);
    const verifyPage = await openPage(app, `/verify-email?token=${token}`, cookie);
    assert.match(verifyPage.response.body, /Verify email/);
    assert.equal((await app.services.accounts.findAccount(carried!.accountId!))!.emailVerified, false, 'opening the link alone verifies nothing');
    const verified = await postForm(app, '/verify-email', cookie, { _csrf: verifyPage.csrf!, token });
    assert.equal(verified.statusCode, 303);
    assert.equal(verified.headers.location, '/redeem/confirm');
  });

  test('sign-up form errors sit next to their fields with the input kept', async () => {
    const { app } = ctx();
    const taken = (await signUp(app)).body.email;
    const page = await openPage(app, '/signup');
    const response = await postForm(app, '/signup', page.cookie, { _csrf: page.csrf!, email: taken, password: PASSWORD, displayName: 'Kept Name', country: 'SE' });
    assert.equal(response.statusCode, 409);
    assert.match(response.body, /id="field-email-error"/);
    assert.ok(response.body.includes(`value="${taken}"`));
    assert.ok(response.body.includes('value="Kept Name"'));
    assert.match(response.body, /<option value="SE" selected/);
    const weak = await postForm(app, '/signup', page.cookie, { _csrf: page.csrf!, email: uniqueEmail(), password: 'password', displayName: 'X', country: 'SE' });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /id="field-password-error"[^>]*>.*too common/s);
  });
});

describeEachDatabase('throttling shared through Redis', (ctx) => {
  test('two app instances share the count of wrong passwords', { skip: redisSkipReason }, async () => {
    const { app, config, database } = ctx();
    const second = await buildApp({ config, database: database.handle, logger: false });
    try {
      const { body } = await signUp(app);
      const address = nextAddress();
      for (let i = 1; i <= 10; i++) {
        const instance = i % 2 === 0 ? app : second;
        assert.equal((await signIn(instance, body.email, `wrong ${i}`, {}, address)).statusCode, 401);
      }
      const blocked = await signIn(second, body.email, PASSWORD, {}, address);
      assert.equal(blocked.statusCode, 429);
      assert.ok(blocked.headers['retry-after']);
    } finally {
      await second.close();
    }
  });
}, { env: testRedisUrl ? { REDIS_URL: testRedisUrl } : {} });

const cliPath = fileURLToPath(new URL('../../../bin/cloudpass.js', import.meta.url));

function runCli(args: string[], stdin: string, databaseUrl: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl, CLOUDPASS_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => { stdout += c; });
    child.stderr.on('data', (c) => { stderr += c; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

