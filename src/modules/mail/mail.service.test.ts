// Mail delivery through a real SMTP server, and what happens when it is down.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { describeEachDatabase } from '../../testing/harness.ts';
import { uniqueEmail } from '../../testing/factories.ts';
import { startSmtpReceiver, type SmtpReceiver } from './smtp-receiver.ts';

// A port nobody listens on (yet): the receiver is started on it only in the middle of the test.
const probe = await startSmtpReceiver();
const port = probe.port;
await probe.close();
let receiver: SmtpReceiver | undefined;
after(() => receiver?.close());

describeEachDatabase('mail outbox and delivery', (ctx) => {
  test('a failed delivery fails nobody\'s request, is kept with its error and is sent on retry', async () => {
    const { app } = ctx();
    const email = uniqueEmail('down');
    const signUp = await app.inject({ method: 'POST', url: '/api/v1/accounts', payload: { email, password: 'lantern orbit velvet 42', displayName: 'Mailless', country: 'FI' } });
    assert.equal(signUp.statusCode, 201, 'the SMTP server being down does not fail the sign-up');
    await app.services.mail.settle();
    let [mail] = (await app.services.mail.list()).filter((m) => m.to === email);
    assert.ok(mail);
    assert.equal(mail.sentAt, null);
    assert.equal(mail.attempts, 1);
    assert.ok(mail.lastError, 'the error is recorded');
    assert.match(mail.text, /\/verify-email\?token=\[redacted\]/, 'the outbox shows the link redacted');
    const [kept] = await app.services.db.selectFrom('mail_outbox').selectAll().where('id', '=', mail.id).execute();
    assert.ok(kept!.sealed_secrets, 'until delivered, the token is kept sealed');

    receiver = await startSmtpReceiver(port);
    assert.equal(await app.services.mail.retryPending(), 1);
    [mail] = (await app.services.mail.list()).filter((m) => m.to === email);
    assert.ok(mail!.sentAt);
    assert.equal(mail!.attempts, 2);
    assert.equal(mail!.lastError, null);
    const received = await receiver.waitFor(email);
    assert.equal(received.subject, 'Confirm your email address');
    assert.match(received.text, /\/verify-email\?token=[\w-]{40,}/, 'the delivered mail carries the real token');
    const token = /token=([\w-]+)/.exec(received.text)![1]!;
    const [sent] = await app.services.db.selectFrom('mail_outbox').selectAll().where('id', '=', mail!.id).execute();
    assert.equal(sent!.sealed_secrets, null, 'once delivered, the sealed token is dropped');
    assert.ok(!sent!.text_body.includes(token));
    assert.equal(await app.services.mail.retryPending(), 0, 'a sent mail is not sent again');

    // The process died after the SMTP server took the mail and before it was marked sent: the try is
    // stale, so it is sent again, with the same Message-ID for mail systems to drop the copy by.
    await app.services.db.updateTable('mail_outbox').set({ sent_at: null, created_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', mail!.id).execute();
    assert.equal(await app.services.mail.retryPending(), 1);
    const copies = receiver.mails.filter((m) => m.to.includes(email.toLowerCase()));
    assert.equal(copies.length, 2);
    assert.match(copies[0]!.messageId, /^<[\w-]+\.outbox@127\.0\.0\.1>$|^<[\w-]+\.outbox@localhost>$/);
    assert.equal(copies[1]!.messageId, copies[0]!.messageId, 'one Message-ID for every try of one message');
    await receiver.close();
    receiver = undefined;
  });

  test('a message the process never started to deliver (it died after the commit) is sent by the retry', async () => {
    const { app } = ctx();
    receiver = await startSmtpReceiver(port);
    try {
      const email = uniqueEmail('orphan');
      // Written in a transaction whose delivery never started: the returned start function is not called.
      await app.services.db.transaction().execute((trx) => app.services.mail.sendWithin(trx, { to: email, subject: 'Orphaned', text: 'Hello' }));
      assert.equal(await app.services.mail.retryPending(), 0, 'a fresh message is left to its own delivery');
      await app.services.db.updateTable('mail_outbox').set({ created_at: '2000-01-01T00:00:00.000Z' }).where('to_address', '=', email).execute();
      assert.equal(await app.services.mail.retryPending(), 1, 'once stale, the retry sends it');
      assert.equal((await receiver.waitFor(email)).subject, 'Orphaned');
      const [row] = await app.services.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();
      assert.ok(row!.sent_at);
    } finally {
      await receiver.close();
      receiver = undefined;
    }
  });
}, { env: { SMTP_URL: `smtp://127.0.0.1:${port}` } });
