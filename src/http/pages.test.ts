import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashPassword } from '../modules/accounts/passwords.ts';
import { createAccount } from '../testing/factories.ts';
import { describeEachDatabase } from '../testing/harness.ts';
import { openPage, postForm, sessionCookie } from '../testing/pages.ts';
import { safeReturnTo } from './pages.tsx';

test('safeReturnTo keeps local paths, encodes what a Location header cannot carry, refuses the rest', () => {
  assert.equal(safeReturnTo('/redeem/confirm'), '/redeem/confirm');
  assert.equal(safeReturnTo('/support?status=open#latest'), '/support?status=open#latest');
  // Arrives decoded from the query string; goes out percent-encoded, as the URL standard writes it.
  assert.equal(safeReturnTo('/\u3000'), '/%E3%80%80');
  assert.equal(safeReturnTo('/a b?c d'), '/a%20b?c%20d');
  assert.equal(safeReturnTo('/café'), '/caf%C3%A9');
  for (const outside of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'redeem', '', '/\u0000x', '/x\r\nSet-Cookie: a=b', '/\t/evil.example', `/${'a'.repeat(2000)}`, 42, undefined]) {
    assert.equal(safeReturnTo(outside), undefined, JSON.stringify(outside));
  }
  // Whatever comes back is visible ASCII and stays on the site.
  for (const path of ['/\u3000', '/../../etc', '/./x', '/%2F%2Fevil.example', '/\u2028', '/\ud800']) {
    const safe = safeReturnTo(path);
    if (safe !== undefined) {
      assert.match(safe, /^\/[\x21-\x7e]*$/);
      assert.equal(new URL(safe, 'http://cloudpass.invalid').origin, 'http://cloudpass.invalid');
      assert.ok(!safe.startsWith('//'));
    }
  }
});

describeEachDatabase('returnTo through sign-in', (ctx) => {
  test('a returnTo a Location header cannot carry as typed still signs in, and goes where it pointed', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config, { passwordHash: await hashPassword('a long enough password') });
    const page = await openPage(app, '/signin?returnTo=/%E3%80%80');
    assert.equal(page.response.statusCode, 200);
    const signedIn = await postForm(app, '/signin', page.cookie, { _csrf: page.csrf!, email: account.email, password: 'a long enough password' });
    assert.equal(signedIn.statusCode, 303);
    assert.equal(signedIn.headers.location, '/%E3%80%80');
    const cookie = sessionCookie(signedIn);
    assert.ok(cookie, 'the new session cookie is sent');
    const me = await app.inject({ url: '/api/v1/me', headers: { cookie } });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().email, account.email);
  });
});
