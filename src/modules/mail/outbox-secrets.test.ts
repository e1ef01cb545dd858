// Issue 9, item 5: an operator key reads the outbox, but the links in it that reset a password or verify
// an email are redacted there and in the table, so the key cannot take over an account; the person the
// mail is for still gets a working link. With and without SMTP, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { App } from '../../app.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { apiKeyHeader, uniqueEmail } from '../../testing/factories.ts';
import { openPage } from '../../testing/pages.ts';
import { linkToken, startSmtpReceiver } from './smtp-receiver.ts';

const receiver = await startSmtpReceiver();
after(() => receiver.close());

const ADMIN_PASSWORD = 'operator pass phrase 1';

/** What an operator key holder can try: every token-like string in the outbox's copy of the admin's mails. */
async function tryTakeover(app: App, adminEmail: string): Promise<{ tried: number; mails: Array<{ text: string; html: string | null }> }> {
  const operator = await apiKeyHeader(app);
  const outbox = await app.inject({ method: 'GET', url: '/api/v1/outbox?limit=500', headers: { authorization: operator } });
  assert.equal(outbox.statusCode, 200);
  const mails = (outbox.json().items as Array<{ to: string; text: string; html: string | null }>).filter((m) => m.to === adminEmail);
  assert.ok(mails.length >= 1, 'the operator sees that the mail exists');
  const candidates = new Set(mails.flatMap((m) => [...`${m.text} ${m.html ?? ''}`.matchAll(/token=([^\s"&<]+)/g)].map((x) => decodeURIComponent(x[1]!))));
  for (const m of mails) for (const word of `${m.text} ${m.html ?? ''}`.match(/[A-Za-z0-9_-]{20,}/g) ?? []) candidates.add(word);
  for (const token of candidates) {
    const reset = await app.inject({ method: 'POST', url: '/api/v1/accounts/password-reset/confirm', payload: { token, password: 'taken over by a key 99' } });
    assert.equal(reset.statusCode, 400, `token ${token} reset the password`);
    assert.equal(reset.json().code, 'invalid_token');
  }
  const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email: adminEmail, password: 'taken over by a key 99' } });
  assert.equal(signIn.statusCode, 401, 'the admin\'s password is unchanged');
  return { tried: candidates.size, mails };
}

async function storedRows(app: App, email: string) {
  return app.services.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();
}

describeEachDatabase('outbox secrets with SMTP', (ctx) => {
  test('an operator key cannot take over an operator admin through a password reset link in the outbox', async () => {
    const { app } = ctx();
    const email = uniqueEmail('admin');
    await app.services.accounts.createOperatorAdmin({ email, password: ADMIN_PASSWORD });
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/accounts/password-reset', payload: { email } })).statusCode, 202);
    await app.services.mail.settle();
    const delivered = await receiver.waitFor(email, (m) => m.text.includes('/reset-password?token='));
    const token = linkToken(delivered, '/reset-password');

    const { mails, tried } = await tryTakeover(app, email);
    assert.ok(tried >= 1);
    assert.match(mails[0]!.text, /\/reset-password\?token=\[redacted\]/);
    assert.ok(mails.every((m) => !m.text.includes(token) && !(m.html ?? '').includes(token)));
    // Not in the table either, not even sealed: the message was delivered.
    for (const row of await storedRows(app, email)) {
      assert.ok(!row.text_body.includes(token) && !(row.html_body ?? '').includes(token));
      assert.ok(row.sent_at);
      assert.equal(row.sealed_secrets, null, 'a delivered message keeps no secret');
    }
    // The console's outbox page shows it redacted too.
    const admin = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password: ADMIN_PASSWORD } });
    const cookie = `${admin.cookies.find((c) => c.name === 'cloudpass_session')!.name}=${admin.cookies.find((c) => c.name === 'cloudpass_session')!.value}`;
    const page = await openPage(app, '/admin/outbox', cookie);
    assert.equal(page.response.statusCode, 200);
    assert.ok(!page.response.body.includes(token));
    assert.match(page.response.body, /token=\[redacted\]/);

    // The person the mail was for: the link works.
    const reset = await app.inject({ method: 'POST', url: '/api/v1/accounts/password-reset/confirm', payload: { token, password: 'a new pass phrase 7' } });
    assert.equal(reset.statusCode, 200);
  });

  test('a verification link is redacted in the outbox and still works from the mail', async () => {
    const { app } = ctx();
    const email = uniqueEmail('verify');
    await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { email, password: ADMIN_PASSWORD, displayName: 'Vera', country: 'FI' } });
    await app.services.mail.settle();
    const token = linkToken(await receiver.waitFor(email), '/verify-email');
    const [row] = await storedRows(app, email);
    assert.ok(row && !row.text_body.includes(token) && row.sealed_secrets === null);
    const operator = await apiKeyHeader(app);
    const outbox = (await app.inject({ method: 'GET', url: '/api/v1/outbox', headers: { authorization: operator } })).json();
    const mail = outbox.items.find((m: { to: string }) => m.to === email);
    assert.match(mail.text, /\/verify-email\?token=\[redacted\]/);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/accounts/verify-email', payload: { token: '[redacted]' } })).json().code, 'invalid_token');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/accounts/verify-email', payload: { token } })).statusCode, 200);
  });
}, { env: { SMTP_URL: receiver.url } });

describeEachDatabase('outbox secrets without SMTP', (ctx) => {
  test('kept in the outbox for reading, the reset link is redacted and nothing usable is stored', async () => {
    const { app } = ctx();
    const email = uniqueEmail('admin');
    await app.services.accounts.createOperatorAdmin({ email, password: ADMIN_PASSWORD });
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/accounts/password-reset', payload: { email } })).statusCode, 202);
    const { mails } = await tryTakeover(app, email);
    assert.match(mails[0]!.text, /token=\[redacted\]/);
    const [row] = await storedRows(app, email);
    assert.equal(row!.sealed_secrets, null, 'with no SMTP there is no delivery to keep a secret for');
    assert.match(row!.text_body, /token=\[redacted-[0-9a-f]{16}\]/);
  });
});
