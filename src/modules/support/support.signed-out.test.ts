// Support without signing in, on SQLite and PostgreSQL (and Redis for the throttle when TEST_REDIS_URL is
// set): the form stores a request and mails a link, read at a real SMTP receiver; the link opens the case
// once; the case belongs to the account with that address, or to the address; the operator sees it and the
// reply is mailed there. Links expire, requests are throttled per client address and per email, bad input
// stores nothing, and nothing says whether an address has an account.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import { describeEachDatabase, manualClock, testRedisUrl } from '../../testing/harness.ts';
import { linkToken, startSmtpReceiver, type ReceivedMail } from '../mail/smtp-receiver.ts';
import { formVisitor, uniqueAddress } from '../redemptions/redemptions.testing.ts';
import { CASE_REQUEST_LIMITS, CASE_REQUEST_TTL_MS } from './support.service.ts';
import { auditOf } from './support.testing.ts';

const receiver = await startSmtpReceiver();
after(() => receiver.close());

const clock = manualClock(new Date());
const CONFIRM = '/support/confirm';

describeEachDatabase('support without signing in', (ctx) => {
  /** A browser without JavaScript: its cookies, its address, its language. */
  function visitor(options: { language?: string; address?: string; cookie?: string } = {}) {
    const { get, post, address } = formVisitor(ctx().app, options);
    /** Fills in the signed-out form and sends it. */
    const ask = async (fields: Record<string, string>) => {
      await get('/support/new');
      return post('/support/new', fields);
    };
    /** Opens the mailed link and presses its button. */
    const confirm = async (token: string) => {
      const page = await get(`${CONFIRM}?token=${token}`);
      assert.equal(page.statusCode, 200);
      return post(CONFIRM, { token });
    };
    return { get, post, ask, confirm, address };
  }

  const caseFields = (email: string, subject = 'I never got the verification email') => ({
    email, category: 'account', subject, description: 'I signed up an hour ago and nothing arrived.\nMy address is right.',
  });

  const seen = new Set<string>();
  /** The next mail to `email` whose text holds `marker`, each mail taken once. */
  async function mailFor(email: string, marker: string): Promise<ReceivedMail> {
    const mail = await receiver.waitFor(email, (m) => m.text.includes(marker) && !seen.has(m.raw));
    seen.add(mail.raw);
    return mail;
  }

  const db = () => ctx().app.services.db;
  const requestsOf = (email: string) => db().selectFrom('support_case_requests').selectAll().where('email', '=', email).execute();
  const casesOf = (email: string) => db().selectFrom('support_cases').selectAll().where('contact_email', '=', email).execute();
  const outboxTo = (email: string) => db().selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();

  test('the form asks for an email, the mailed link opens the case once, the operator sees it and the reply is mailed there', async () => {
    const email = uniqueEmail('nobody');
    const v = visitor();
    const form = await v.get('/support/new');
    assert.equal(form.statusCode, 200);
    for (const label of ['Email', 'Category', 'Subject', 'Description']) {
      assert.match(form.body, new RegExp(`<label class="field__label" for="field-[a-z]+">${label}</label>`));
    }
    assert.match(form.body, /<button[^>]*>Create support case<\/button>/);

    const sent = await v.post('/support/new', caseFields(email));
    assert.equal(sent.statusCode, 303, sent.body);
    assert.equal(sent.headers.location, '/support/check-email');
    const check = await v.get('/support/check-email');
    assert.equal(check.statusCode, 200);
    assert.match(check.body, /<h1>Check your email<\/h1>/);
    assert.ok(check.body.includes(`We sent a link to ${email}.`));

    // Stored as a request, not a case; the link's token is only in the mail (kept as a keyed hash, and sealed in the outbox).
    const mail = await mailFor(email, CONFIRM);
    assert.equal(mail.subject, 'Confirm your support case: I never got the verification email');
    assert.match(mail.text, /^Hello,\n/);
    const token = linkToken(mail, CONFIRM);
    assert.equal((await casesOf(email)).length, 0, 'no case before the link is opened');
    const [request] = await requestsOf(email);
    assert.ok(request);
    assert.notEqual(request.token_hash, token);
    assert.ok(!JSON.stringify(request).includes(token));
    const [outbox] = await outboxTo(email);
    assert.ok(outbox && !outbox.text_body.includes(token) && !(outbox.html_body ?? '').includes(token), 'the outbox keeps the link sealed');
    assert.equal(Date.parse(request.expires_at) - Date.parse(request.created_at), CASE_REQUEST_TTL_MS);

    // Opening the link only shows a button (mail scanners fetch links); the button opens the case.
    const button = await v.get(`${CONFIRM}?token=${token}`);
    assert.match(button.body, /<button[^>]*>Open my support case<\/button>/);
    assert.equal((await casesOf(email)).length, 0);
    const opened = await v.post(CONFIRM, { token });
    assert.equal(opened.statusCode, 200, opened.body);
    assert.match(opened.body, /<h1>Your support case is open<\/h1>/);
    const [supportCase, ...others] = await casesOf(email);
    assert.ok(supportCase);
    assert.deepEqual(others, []);
    assert.equal(supportCase.account_id, null, 'no account has this address');
    assert.equal(supportCase.status, 'open');
    assert.equal(supportCase.subject, 'I never got the verification email');
    assert.ok(opened.body.includes(supportCase.id.slice(0, 8).toUpperCase()));
    assert.ok(opened.body.includes(email));
    assert.deepEqual((await auditOf(ctx().app, supportCase.id)).map((e) => [e.action, e.actorType, e.details.signedOut]), [['support_case.created', 'system', true]]);

    // The operator's queue shows the case with the address; the reply is mailed there, with how to answer.
    const admin = await createAccount(ctx().app, ctx().config, { operatorAdmin: true });
    const operator = visitor({ cookie: admin.cookie });
    const queue = await operator.get('/admin/support');
    assert.ok(queue.body.includes(`href="/admin/support/${supportCase.id}">I never got the verification email</a>`));
    assert.ok(queue.body.includes(`No account · ${email}`));
    const casePage = await operator.get(`/admin/support/${supportCase.id}`);
    assert.ok(casePage.body.includes(`Emailed to ${email}.`));
    const replied = await operator.post(`/admin/support/${supportCase.id}/messages`, { body: 'We sent you a new link.\nLook in your spam folder too.' });
    assert.equal(replied.statusCode, 303, replied.body);
    assert.ok((await operator.get(`/admin/support/${supportCase.id}`)).body.includes(`Your reply is sent and emailed to ${email}.`));
    const reply = await mailFor(email, 'We sent you a new link.');
    assert.equal(reply.subject, 'New reply to your support case: I never got the verification email');
    assert.match(reply.text, /> We sent you a new link\.\r?\n> Look in your spam folder too\./);
    assert.ok(reply.text.includes(`mention case ${supportCase.id.slice(0, 8).toUpperCase()}`));
    assert.ok(reply.text.includes(`${ctx().config.publicUrl.origin}/support/new`));
  });

  test('the link opened twice, or twice at once, opens one case; an unknown link opens none', async () => {
    const email = uniqueEmail('twice');
    const v = visitor();
    assert.equal((await v.ask(caseFields(email))).statusCode, 303);
    const token = linkToken(await mailFor(email, CONFIRM), CONFIRM);
    await v.get(`${CONFIRM}?token=${token}`);
    const [first, second] = await Promise.all([v.post(CONFIRM, { token }), v.post(CONFIRM, { token })]);
    assert.deepEqual([first.statusCode, second.statusCode].sort((a, b) => a - b), [200, 400]);
    const again = await v.confirm(token);
    assert.equal(again.statusCode, 400);
    assert.match(again.body, /<h1>This link does not work<\/h1>/);
    assert.equal((await casesOf(email)).length, 1);

    for (const bad of ['', 'not-a-token', token.slice(0, -1), 'x'.repeat(300)]) {
      const response = await v.confirm(encodeURIComponent(bad));
      assert.equal(response.statusCode, 400, `${bad}: ${response.body.slice(0, 200)}`);
    }
    assert.equal((await casesOf(email)).length, 1);
  });

  test('an address with an account: the case is that account\'s, and nothing before the link says the account exists', async () => {
    const holder = await createAccount(ctx().app, ctx().config, { verified: false, displayName: 'Unverified Ursula' });
    const stranger = uniqueEmail('stranger');

    const pages: string[] = [];
    const mails: ReceivedMail[] = [];
    for (const email of [holder.email, stranger]) {
      const v = visitor();
      const sent = await v.ask(caseFields(email));
      assert.equal(sent.statusCode, 303);
      pages.push((await v.get('/support/check-email')).body.replaceAll(email, 'EMAIL'));
      mails.push(await mailFor(email, CONFIRM));
    }
    const scrub = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '');
    assert.equal(scrub(pages[0]!), scrub(pages[1]!), 'the same page whether or not the address has an account');
    const words = (m: ReceivedMail) => m.text.replace(/token=[A-Za-z0-9_-]+/, 'token=T');
    assert.equal(words(mails[0]!), words(mails[1]!), 'the same mail whether or not the address has an account');
    assert.equal(mails[0]!.subject, mails[1]!.subject);

    const opened = await visitor().confirm(linkToken(mails[0]!, CONFIRM));
    assert.equal(opened.statusCode, 200);
    const [owned] = await casesOf(holder.email);
    assert.equal(owned?.account_id, holder.id);
    // Signed in, the holder finds it among their cases, and the operator sees whose it is.
    const list = await visitor({ cookie: holder.cookie }).get('/support');
    assert.ok(list.body.includes(`href="/support/${owned.id}">I never got the verification email</a>`));
    const admin = await createAccount(ctx().app, ctx().config, { operatorAdmin: true });
    const operator = visitor({ cookie: admin.cookie });
    const page = await operator.get(`/admin/support/${owned.id}`);
    assert.ok(page.body.includes('Unverified Ursula'));
    await operator.post(`/admin/support/${owned.id}/messages`, { body: 'Your account is fine.' });
    const reply = await mailFor(holder.email, 'Your account is fine.');
    assert.ok(reply.text.includes(`${ctx().config.publicUrl.origin}/support/${owned.id}`), 'an account holder gets the link to the case');
    assert.match(reply.text, /^Hello Unverified Ursula,/);
  });

  test('bad input: clear messages beside the fields, what was typed kept; nothing stored, mailed or counted', async () => {
    const email = uniqueEmail('typo');
    const v = visitor();
    const cases: Array<[Record<string, string>, RegExp[]]> = [
      [{ email: '', category: '', subject: ' ', description: '' }, [/Enter your email address\./, /Choose a category/, /Enter a subject\./, /Enter a description\./]],
      [{ ...caseFields('not-an-address'), subject: 'Kept <b>as typed</b>' }, [/Enter an email address like name@example\.com\./, /value="Kept &lt;b>as typed&lt;\/b>"|value="Kept &lt;b&gt;as typed&lt;\/b&gt;"/]],
      [{ ...caseFields(email), category: 'refund' }, [/Choose a category/]],
      [{ ...caseFields(email), subject: 'x'.repeat(201) }, [/Subject must be 200 characters or fewer \(it has 201\)\./]],
    ];
    for (const [fields, messages] of cases) {
      for (let i = 0; i < CASE_REQUEST_LIMITS.perEmail; i++) {
        const response = await v.ask(fields);
        assert.equal(response.statusCode, 400, response.body.slice(0, 300));
        for (const message of messages) assert.match(response.body, message);
      }
    }
    assert.deepEqual(await requestsOf(email), []);
    assert.deepEqual(await outboxTo(email), []);
    // Refused input cost nothing: the limits still allow a full hour of requests for this address.
    for (let i = 0; i < CASE_REQUEST_LIMITS.perEmail; i++) assert.equal((await visitor().ask(caseFields(email))).statusCode, 303);
  });

  test('per email: past the limit the request is refused, nothing is stored or mailed; other addresses go on', async () => {
    const email = uniqueEmail('flooded');
    for (let i = 0; i < CASE_REQUEST_LIMITS.perEmail; i++) {
      assert.equal((await visitor().ask(caseFields(email, `Request ${i}`))).statusCode, 303);
    }
    const v = visitor();
    const refused = await v.ask(caseFields(email, 'One too many'));
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.match(refused.body, /Too many support requests from your network or for this email address\. Try again in \d+ minutes?\./);
    assert.ok(refused.body.includes('One too many'), 'what was typed is kept');
    assert.equal((await requestsOf(email)).length, CASE_REQUEST_LIMITS.perEmail);
    for (let i = 0; i < CASE_REQUEST_LIMITS.perEmail; i++) await mailFor(email, `Request ${i}`);
    assert.equal((await outboxTo(email)).length, CASE_REQUEST_LIMITS.perEmail);
    // Case-insensitively the same mailbox.
    assert.equal((await visitor().ask(caseFields(email.toUpperCase()))).statusCode, 429);
    // The same browser asking for another address is not held by this one.
    assert.equal((await v.ask(caseFields(uniqueEmail('other')))).statusCode, 303);
  });

  test('per client address: past the limit the request is refused, nothing is stored', async () => {
    const address = uniqueAddress();
    const emails: string[] = [];
    for (let i = 0; i < CASE_REQUEST_LIMITS.perAddress; i++) {
      const email = uniqueEmail(`venue${i}`);
      emails.push(email);
      assert.equal((await visitor({ address }).ask(caseFields(email))).statusCode, 303);
    }
    const late = uniqueEmail('late');
    const refused = await visitor({ address }).ask(caseFields(late));
    assert.equal(refused.statusCode, 429);
    assert.match(refused.body, /Too many support requests/);
    assert.deepEqual(await requestsOf(late), []);
    assert.deepEqual(await outboxTo(late), []);
    // Another address is not held.
    assert.equal((await visitor().ask(caseFields(late))).statusCode, 303);
  });

  test('signed in, the form has no email field and opens the case at once', async () => {
    const ada = await createAccount(ctx().app, ctx().config);
    const v = visitor({ cookie: ada.cookie });
    const form = await v.get('/support/new');
    assert.doesNotMatch(form.body, /name="email"/);
    const opened = await v.post('/support/new', { category: 'technical', subject: 'Signed in', description: 'Works as before.', email: 'ignored@example.test' });
    assert.equal(opened.statusCode, 303);
    assert.match(String(opened.headers.location), /^\/support\/[0-9a-f-]{36}$/);
    assert.deepEqual(await requestsOf('ignored@example.test'), []);
  });

  test('every page\'s footer leads to the form, in both languages; Privacy and Terms only once the operator set them', async () => {
    for (const path of ['/', '/help', '/support', '/support/new']) {
      const english = await visitor().get(path);
      assert.match(english.body, /<footer[\s\S]*<a href="\/support\/new">Create a support case<\/a>[\s\S]*<\/footer>/, path);
      assert.doesNotMatch(english.body, />Privacy<|>Terms</, path);
      const finnish = await visitor({ language: 'fi' }).get(path);
      assert.match(finnish.body, /<footer[\s\S]*<a href="\/support\/new">Luo tukipyyntö<\/a>[\s\S]*<\/footer>/, path);
    }
  });

  test('the check-email page without a request goes back to the form', async () => {
    const response = await visitor().get('/support/check-email');
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/support/new');
  });

  test('a link past its 24 hours opens nothing; housekeeping deletes it', async () => {
    const email = uniqueEmail('late');
    const v = visitor();
    assert.equal((await v.ask(caseFields(email))).statusCode, 303);
    const token = linkToken(await mailFor(email, CONFIRM), CONFIRM);
    clock.advance(CASE_REQUEST_TTL_MS + 60_000);
    const expired = await v.confirm(token);
    assert.equal(expired.statusCode, 400);
    assert.match(expired.body, /It works once and for 24 hours/);
    assert.deepEqual(await casesOf(email), []);
    assert.ok(await ctx().app.services.support.purgeSpentRequests() >= 1);
    assert.deepEqual(await requestsOf(email), []);
  });

  test('in Finnish: the form, the link mail and the operator\'s reply are in Finnish', async () => {
    const email = uniqueEmail('aino');
    const v = visitor({ language: 'fi-FI,fi;q=0.9' });
    const form = await v.get('/support/new');
    assert.match(form.body, /<label class="field__label" for="field-email">Sähköposti<\/label>/);
    assert.equal((await v.post('/support/new', caseFields(email, 'Vahvistusviesti ei tullut'))).statusCode, 303);
    const mail = await mailFor(email, CONFIRM);
    // (The test receiver joins folded encoded words with a space, so the subject is compared without them.)
    assert.equal(mail.subject.replace(/\s+/g, ''), 'Vahvistatukipyyntösi:Vahvistusviestieitullut');
    assert.match(mail.text, /Linkki toimii kerran ja 24 tunnin ajan/);
    const opened = await v.confirm(linkToken(mail, CONFIRM));
    assert.match(opened.body, /<h1>Tukipyyntösi on avattu<\/h1>/);
    const [supportCase] = await casesOf(email);
    const admin = await createAccount(ctx().app, ctx().config, { operatorAdmin: true });
    await visitor({ cookie: admin.cookie }).get(`/admin/support/${supportCase!.id}`);
    const operator = visitor({ cookie: admin.cookie });
    await operator.get(`/admin/support/${supportCase!.id}`);
    await operator.post(`/admin/support/${supportCase!.id}/messages`, { body: 'Lähetimme uuden linkin.' });
    const reply = await mailFor(email, 'Lähetimme uuden linkin.');
    assert.equal(reply.subject.replace(/\s+/g, ''), 'Uusivastaustukipyyntöösi:Vahvistusviestieitullut');
    assert.match(reply.text, /^Hei,\n/);
    assert.doesNotMatch(reply.text, /Hello|Replies to this email/);
  });
}, { clock, env: { SMTP_URL: receiver.url, ...(testRedisUrl ? { REDIS_URL: testRedisUrl } : {}) } });
