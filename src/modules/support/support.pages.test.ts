// Support pages through app.inject on SQLite and PostgreSQL: forms with their CSRF token, errors next to
// their fields, what people typed escaped everywhere it is shown, and the operator's queue.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage, postForm } from '../../testing/pages.ts';
import { createSubscription, mailTo, openCase, validCase } from './support.testing.ts';
import { activate, createPass, profileOf } from '../subscriptions/subscriptions.testing.ts';

const get = (app: App, account: Pick<TestAccount, 'cookie'> | null, url: string) => getPage(app, url, account?.cookie);
const post = (app: App, account: Pick<TestAccount, 'cookie'>, url: string, form: Record<string, string>) => postForm(app, url, account.cookie, form);

function csrfOf(page: string): string {
  const match = /name="_csrf" value="([^"]*)"/.exec(page);
  assert.ok(match, 'the form has no CSRF token');
  return match[1]!.replace(/&amp;/g, '&');
}

/** Posts a form as a browser would: GET the page first for its CSRF token. */
async function submit(app: App, account: TestAccount, pageUrl: string, action: string, fields: Record<string, string>) {
  const page = await get(app, account, pageUrl);
  assert.equal(page.statusCode, 200, page.body);
  return post(app, account, action, { _csrf: csrfOf(page.body), ...fields });
}

const nasty = {
  subject: '<script>alert("subject")</script> & more',
  description: 'Broken <img src=x onerror=alert(1)> "quoted" \'single\'\n</textarea><b>bold</b>',
};

function assertEscaped(page: string, where: string) {
  assert.ok(!page.includes('<script>alert'), `${where}: a raw <script> from user input`);
  assert.ok(!page.includes('<img src=x'), `${where}: a raw <img> from user input`);
  assert.ok(!page.includes('<b>bold</b>'), `${where}: raw markup from user input`);
}

async function caseIds(app: App, accountId: string): Promise<string[]> {
  const rows = await app.services.db.selectFrom('support_cases').select('id').where('account_id', '=', accountId).execute();
  return rows.map((r) => r.id);
}

describeEachDatabase('support pages', (ctx) => {
  test('signed out, /support explains, links to sign in and back and to the form; /support/new asks for an email too', async () => {
    const { app } = ctx();
    const page = await get(app, null, '/support');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1>Support<\/h1>/);
    assert.match(page.body, /href="\/signin\?returnTo=%2Fsupport"/);
    assert.match(page.body, /href="\/support\/new"/);

    // Signed out, the form is there (no sign-in first), with the contract's "Email" and no subscription choice.
    const form = await get(app, null, '/support/new?subscription=abc');
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<label class="field__label" for="field-email">Email<\/label>/);
    assert.match(form.body, /<label class="field__label" for="field-category">Category<\/label>/);
    assert.doesNotMatch(form.body, /name="subscriptionId"/);
    assert.match(form.body, /<button[^>]*>Create support case<\/button>/);
  });

  test('the form has the contract\'s controls; ?subscription= preselects an own subscription and activation', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const bob = await createAccount(app, config);
    const own = await createSubscription(app, ada.id);
    const bobs = await createSubscription(app, bob.id);

    const plain = (await get(app, ada, '/support/new')).body;
    assert.match(plain, /<label class="field__label" for="field-category">Category<\/label>/);
    assert.match(plain, /<select[^>]*id="field-category"/);
    assert.match(plain, /<label class="field__label" for="field-subject">Subject<\/label>/);
    assert.match(plain, /<label class="field__label" for="field-description">Description<\/label>/);
    assert.match(plain, /<textarea[^>]*id="field-description"/);
    assert.match(plain, /<button class="button button--primary" type="submit">Create support case<\/button>/);
    assert.match(plain, /<option value selected>Choose a category<\/option>/);

    const about = (await get(app, ada, `/support/new?subscription=${own}`)).body;
    assert.match(about, /<option value="activation" selected>/);
    assert.match(about, new RegExp(`<option value="${own}" selected>`));

    const notMine = (await get(app, ada, `/support/new?subscription=${bobs}`)).body;
    // (The language switch links back to the address as typed; nothing else may mention the id.)
    assert.ok(!notMine.replace(/returnTo=[^"]*/g, '').includes(bobs), 'another account\'s subscription is never shown');
    assert.match(notMine, /<option value selected>Choose a category<\/option>/);
  });

  test('creating a case through the form opens the case page; without the CSRF token nothing is created', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const subscriptionId = await createSubscription(app, ada.id);
    const created = await submit(app, ada, '/support/new', '/support/new', {
      category: 'activation', subscriptionId, subject: 'Setup failed', description: 'My trial never started.',
    });
    assert.equal(created.statusCode, 303, created.body);
    const [id] = await caseIds(app, ada.id);
    assert.equal(created.headers.location, `/support/${id}`);

    const page = await get(app, ada, `/support/${id}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<h1 class="case-heading__subject">Setup failed<\/h1>/);
    assert.match(page.body, /Your support case is open/);
    assert.match(page.body, /My trial never started\./);
    assert.match(page.body, new RegExp(`href="/subscriptions/${subscriptionId}"`));
    assert.match(page.body, /<label class="field__label" for="field-body">Message<\/label>/);
    assert.match(page.body, />Send<\/button>/);
    assert.ok(!(await get(app, ada, `/support/${id}`)).body.includes('Your support case is open'), 'the notice shows once');

    const list = await get(app, ada, '/support');
    assert.match(list.body, /<a class="button button--primary" href="\/support\/new">Create support case<\/a>/);
    assert.match(list.body, new RegExp(`href="/support/${id}">Setup failed</a>`));
    assert.match(list.body, /badge--open/);

    const forged = await post(app, ada, '/support/new', { category: 'billing', subject: 'Forged', description: 'x' });
    assert.equal(forged.statusCode, 403);
    assert.equal((await caseIds(app, ada.id)).length, 1);
  });

  test('errors sit next to their fields with what was typed kept', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const response = await submit(app, ada, '/support/new', '/support/new', { category: '', subject: '   ', description: 'Kept <text>' });
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /There is a problem/);
    assert.match(response.body, /<a href="#field-subject">Enter a subject\.<\/a>/);
    assert.match(response.body, /id="field-category-error"/);
    assert.match(response.body, /<textarea[^>]*>Kept &lt;text><\/textarea>/);
    assert.equal((await caseIds(app, ada.id)).length, 0);

    const other = await createAccount(app, config);
    const theirs = await createSubscription(app, other.id);
    const forged = await submit(app, ada, '/support/new', '/support/new', { ...validCase, subscriptionId: theirs });
    assert.equal(forged.statusCode, 400);
    assert.match(forged.body, /Choose one of your own subscriptions/);
    assert.equal((await caseIds(app, ada.id)).length, 0);
  });

  test('replying on the case page; an empty reply says so; someone else\'s case is not there', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config);
    const eve = await createAccount(app, config);
    const adas = await openCase(app, ada);
    const url = `/support/${adas.id}`;

    const empty = await submit(app, ada, url, `${url}/messages`, { body: ' ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /Enter a message\./);

    const sent = await submit(app, ada, url, `${url}/messages`, { body: 'First line\nSecond line' });
    assert.equal(sent.statusCode, 303);
    assert.equal(sent.headers.location, `${url}#latest`);
    const page = (await get(app, ada, url)).body;
    assert.match(page, /Your message is sent\./);
    assert.match(page, /<li class="message message--account" id="latest">/);
    assert.match(page, /First line\nSecond line/);

    assert.equal((await get(app, eve, url)).statusCode, 404);
    const eveForm = (await get(app, eve, '/support')).body;
    const intruder = await post(app, eve, `${url}/messages`, { _csrf: csrfOf(eveForm), body: 'hi' });
    assert.equal(intruder.statusCode, 404);
  });

  test('what people typed is escaped on every page and in the email', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config, { displayName: '<i>Ada</i>' });
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const created = await submit(app, ada, '/support/new', '/support/new', { category: 'technical', ...nasty });
    assert.equal(created.statusCode, 303);
    const [id] = await caseIds(app, ada.id);
    await submit(app, ada, `/support/${id}`, `/support/${id}/messages`, { body: '<script>alert("reply")</script>' });

    for (const [who, url] of [[ada, '/support'], [ada, `/support/${id}`], [admin, '/admin/support?status=all'], [admin, `/admin/support/${id}`]] as const) {
      const page = await get(app, who, url);
      assert.equal(page.statusCode, 200, url);
      assertEscaped(page.body, url);
      assert.ok(!page.body.includes('<i>Ada</i>'), `${url}: a raw display name`);
    }
    const casePage = (await get(app, ada, `/support/${id}`)).body;
    assert.ok(casePage.includes('&lt;script>alert(&quot;subject&quot;)&lt;/script> &amp; more'), 'the subject is shown, escaped');
    assert.ok(casePage.includes('&lt;/textarea>&lt;b>bold&lt;/b>'));

    const reply = await submit(app, admin, `/admin/support/${id}`, `/admin/support/${id}/messages`, { body: '<a href="javascript:x">click</a>' });
    assert.equal(reply.statusCode, 303);
    const [mail] = await mailTo(app, ada.email);
    assert.ok(mail, 'the reply is emailed');
    assert.ok(!mail.html_body!.includes('<a href="javascript'), 'the reply is escaped in the email');
    assert.ok(!mail.html_body!.includes('<script>'), 'the subject is escaped in the email');
    assert.ok(mail.html_body!.includes('&lt;a href=&quot;javascript:x&quot;&gt;click&lt;/a&gt;'));
  });

  test('the queue links each case to its account, its subscription and its campaign, by name', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const grace = await createAccount(app, config, { displayName: 'Grace Hopper' });
    const pass = await createPass(app, grace, { name: 'Compiler summit <2027>' });
    const activated = await activate(app, grace, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(grace) });
    assert.equal(activated.statusCode, 202, activated.body);
    const subscriptionId = activated.json().id as string;
    const opened = await openCase(app, { cookie: grace.cookie }, { ...validCase, subject: 'Linked case', category: 'activation', subscriptionId });

    const queue = (await get(app, admin, '/admin/support')).body;
    const item = queue.slice(queue.indexOf('Linked case'));
    const recipient = `/admin/recipients?email=${encodeURIComponent(grace.email)}`;
    assert.ok(item.includes(`href="${recipient}">Grace Hopper · <span class="break-anywhere">${grace.email}</span></a>`), 'the account, by name');
    assert.ok(item.includes(`href="${recipient}#subscription-${subscriptionId}">Compiler summit &lt;2027> pass</a>`), 'the subscription, by its campaign');
    assert.ok(item.includes(`href="/admin/campaigns/${pass.campaignId}">Compiler summit &lt;2027></a>`), 'the campaign, by name');

    const casePage = (await get(app, admin, `/admin/support/${opened.id}`)).body;
    assert.ok(casePage.includes(`href="/admin/campaigns/${pass.campaignId}">Compiler summit &lt;2027></a>`));
    assert.ok(casePage.includes(`href="${recipient}">${grace.email}</a>`));
  });

  test('the operator queue: tabs by status, a reply emailed to the recipient, status changes; recipients get 403', async () => {
    const { app, config } = ctx();
    const ada = await createAccount(app, config, { displayName: 'Ada Lovelace' });
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const adas = await openCase(app, ada, { ...validCase, subject: 'Queue me' });

    assert.equal((await get(app, ada, '/admin/support')).statusCode, 403);
    assert.equal((await get(app, ada, `/admin/support/${adas.id}`)).statusCode, 403);
    assert.equal((await get(app, null, '/admin/support')).statusCode, 303);

    const queue = (await get(app, admin, '/admin/support')).body;
    assert.match(queue, /<a href="\/admin\/support" aria-current="page">Support<\/a>/, 'the console tab');
    assert.match(queue, /<a href="\/admin\/support\?status=open" aria-current="page">Open <span class="queue-filter__count">\d+<\/span><\/a>/);
    assert.match(queue, new RegExp(`href="/admin/support/${adas.id}">Queue me</a>`));
    assert.ok(queue.includes(ada.email));
    assert.ok(!(await get(app, admin, '/admin/support?status=closed')).body.includes('Queue me'));

    // An operator admin following the recipient's link lands in the console.
    const redirected = await get(app, admin, `/support/${adas.id}`);
    assert.equal(redirected.statusCode, 303);
    assert.equal(redirected.headers.location, `/admin/support/${adas.id}`);

    const url = `/admin/support/${adas.id}`;
    const sent = await submit(app, admin, url, `${url}/messages`, { body: 'Try again, please.' });
    assert.equal(sent.statusCode, 303);
    const page = (await get(app, admin, url)).body;
    assert.ok(page.includes(`Your reply is sent and emailed to ${ada.email}.`));
    assert.match(page, /Waiting for recipient/);
    const [mail] = await mailTo(app, ada.email);
    assert.ok(mail!.text_body.includes(`${config.publicUrl.origin}/support/${adas.id}`));

    const closed = await submit(app, admin, url, `${url}/status`, { status: 'closed' });
    assert.equal(closed.statusCode, 303);
    assert.equal(closed.headers.location, `${url}#case-status`);
    assert.match((await get(app, admin, url)).body, /The case is closed\./);
    const bad = await submit(app, admin, url, `${url}/status`, { status: 'gone' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /Choose a status/);

    const row = await app.services.db.selectFrom('support_cases').select('status').where('id', '=', adas.id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'closed');
    const recipientView = (await get(app, ada, `/support/${adas.id}`)).body;
    assert.match(recipientView, /badge--closed/);
    assert.match(recipientView, /Sending a message opens it again/);
    assert.match(recipientView, /Support team/);
  });
});
