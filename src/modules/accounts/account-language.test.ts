// Emails go out in the language the person last used on the pages: the one they signed up in, signed in
// in, or switched to while signed in. Read at a real SMTP receiver.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { uniqueEmail } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { startSmtpReceiver } from '../mail/smtp-receiver.ts';
import { CookieJar, csrfTokenOf, uniqueAddress } from '../redemptions/redemptions.testing.ts';

const receiver = await startSmtpReceiver();
after(() => receiver.close());

describeEachDatabase('emails in the language the person last used', (ctx) => {
  function visitor(language: string) {
    const jar = new CookieJar();
    const remoteAddress = uniqueAddress();
    let lastHtml = '';
    const headers = () => ({ cookie: jar.header(), accept: 'text/html', 'accept-language': language });
    const keep = (response: Awaited<ReturnType<ReturnType<typeof ctx>['app']['inject']>>) => {
      jar.take(response);
      if (response.headers['content-type']?.toString().startsWith('text/html')) lastHtml = response.body;
      return response;
    };
    return {
      get: async (url: string) => keep(await ctx().app.inject({ url, headers: headers(), remoteAddress })),
      post: async (url: string, fields: Record<string, string>) => keep(await ctx().app.inject({
        method: 'POST', url, remoteAddress, headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrfTokenOf(lastHtml), ...fields }).toString(),
      })),
    };
  }
  const password = 'kaunis-kevät-2027';
  const mailTo = (email: string, path: string) => receiver.waitFor(email, (m) => m.text.includes(path) && !seen.has(m.raw));
  const seen = new Set<string>();
  const take = async (email: string, path: string) => { const m = await mailTo(email, path); seen.add(m.raw); return m; };

  test('signing up in Finnish: the verification and the password reset arrive in Finnish', async () => {
    const email = uniqueEmail('aino');
    const finn = visitor('fi-FI,fi;q=0.9,en;q=0.5');
    await finn.get('/signup');
    const signedUp = await finn.post('/signup', { email, password, displayName: 'Aino', country: 'FI' });
    assert.equal(signedUp.statusCode, 303);
    const verification = await take(email, '/verify-email');
    assert.equal(verification.subject, 'Vahvista sähköpostiosoitteesi');
    assert.match(verification.text, /^Hei Aino,/);
    assert.match(verification.text, /Linkki toimii kerran ja 48 tunnin ajan/);
    assert.match(verification.raw, /lang=3D"fi"|lang="fi"/);

    // Asked for from another browser in English, the reset still goes out in the language Aino uses.
    const elsewhere = visitor('en');
    await elsewhere.get('/forgot-password');
    await elsewhere.post('/forgot-password', { email });
    const reset = await take(email, '/reset-password');
    assert.equal(reset.subject, 'Vaihda cloudpass-salasanasi');
    assert.match(reset.text, /Joku pyysi henkilökohtaisen tilisi/);
    assert.doesNotMatch(reset.text, /Someone asked|Or open this link/);
  });

  test('switching to English while signed in, or signing in in English, makes the next mails English', async () => {
    const email = uniqueEmail('mikko');
    const finn = visitor('fi');
    await finn.get('/signup');
    await finn.post('/signup', { email, password, displayName: 'Mikko', country: 'FI' });
    assert.equal((await take(email, '/verify-email')).subject, 'Vahvista sähköpostiosoitteesi');

    const switched = await finn.get('/language/en?returnTo=%2Faccount');
    assert.equal(switched.statusCode, 303);
    await finn.get('/forgot-password');
    await finn.post('/forgot-password', { email });
    const english = await take(email, '/reset-password');
    assert.equal(english.subject, 'Reset your cloudpass password');

    // Signing in from a Finnish browser brings Finnish back.
    const again = visitor('fi');
    await again.get('/signin');
    const signedIn = await again.post('/signin', { email, password });
    assert.equal(signedIn.statusCode, 303);
    assert.equal((await again.get('/forgot-password')).statusCode, 200);
    await again.post('/forgot-password', { email });
    assert.equal((await take(email, '/reset-password')).subject, 'Vaihda cloudpass-salasanasi');
  });
}, { env: { SMTP_URL: receiver.url } });
