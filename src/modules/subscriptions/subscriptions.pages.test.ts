import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage, postForm } from '../../testing/pages.ts';
import { activate, createPass, enableFreeTrial, moveSubscription, profileOf } from './subscriptions.testing.ts';

const get = (app: App, account: Pick<TestAccount, 'cookie'> | null, url: string) => getPage(app, url, account?.cookie);
const post = (app: App, account: Pick<TestAccount, 'cookie'>, url: string, form: Record<string, string>) => postForm(app, url, account.cookie, form);

function hiddenValue(page: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(page);
  assert.ok(match, `hidden field ${name} not found`);
  return match[1]!.replace(/&amp;/g, '&');
}

function inputValue(page: string, name: string): string | undefined {
  const input = new RegExp(`<input[^>]*name="${name}"[^>]*>`).exec(page)?.[0];
  return input ? /value="([^"]*)"/.exec(input)?.[1] : undefined;
}

/** The form as the browser would send it: its hidden fields plus what the person typed. */
async function filledForm(app: App, account: TestAccount, url: string, fields: Record<string, string> = {}) {
  const page = (await get(app, account, url)).body;
  return {
    _csrf: hiddenValue(page, '_csrf'), idempotencyKey: hiddenValue(page, 'idempotencyKey'),
    firstName: 'Ada', lastName: 'Lovelace', email: account.email, country: 'FI', phone: '+358 40 123 4567', ...fields,
  };
}

async function subscriptionCount(app: App, accountId: string): Promise<number> {
  const rows = await app.services.db.selectFrom('subscriptions').select('id').where('account_id', '=', accountId).execute();
  return rows.length;
}

describeEachDatabase('subscription pages', (ctx) => {
  test('signed out, the activation form sends to sign in and remembers where to come back', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const pass = await createPass(app, account);
    const response = await get(app, null, `/activate/${pass.redemptionId}`);
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/signin');
    const cookie = String(response.headers['set-cookie']).split(';')[0]!;
    const token = cookie.split('=')[1]!;
    const session = (await app.services.sessions.resume(token))?.session;
    assert.equal(session?.data.returnTo, `/activate/${pass.redemptionId}`);
  });

  test('the activation form shows the pass and is prefilled from the account', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config, { displayName: 'Grace Brewster Hopper', country: 'SE' });
    const pass = await createPass(app, account, { country: 'FI', credit: 15000, days: 60, name: 'Spring Workshop Pass' });
    const response = await get(app, account, `/activate/${pass.redemptionId}`);
    assert.equal(response.statusCode, 200);
    const page = response.body;
    for (const label of ['First name', 'Last name', 'Email', 'Country', 'Phone']) assert.match(page, new RegExp(`<label[^>]*>${label}</label>`));
    assert.match(page, />Sign up</);
    assert.match(page, /Spring Workshop Pass/);
    assert.match(page, /\$150\.00/);
    assert.match(page, /60 days/);
    assert.equal(inputValue(page, 'firstName'), 'Grace Brewster');
    assert.equal(inputValue(page, 'lastName'), 'Hopper');
    assert.equal(inputValue(page, 'email'), account.email);
    assert.match(page, /<option value="FI" selected/, 'the country the pass was redeemed for');
    assert.match(page, /No payment method is needed/);
    assert.match(hiddenValue(page, 'idempotencyKey'), /^[0-9a-f-]{36}$/);
  });

  test('errors sit next to their fields and what was typed is kept; nothing is created', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const pass = await createPass(app, account);
    const url = `/activate/${pass.redemptionId}`;
    const form = await filledForm(app, account, url, { firstName: '', phone: 'call me', company: 'Analytical Engines Ltd' });
    const response = await post(app, account, url, form);
    assert.equal(response.statusCode, 400);
    assert.match(response.body, /Enter your first name\./);
    assert.match(response.body, /Enter a phone number/);
    assert.match(response.body, /aria-invalid="true"/);
    assert.equal(inputValue(response.body, 'company'), 'Analytical Engines Ltd');
    assert.equal(inputValue(response.body, 'phone'), 'call me');
    assert.equal(hiddenValue(response.body, 'idempotencyKey'), form.idempotencyKey);

    const mismatch = await post(app, account, url, { ...form, firstName: 'Ada', phone: '+358 40 123 4567', email: 'other@example.test', country: 'SE' });
    assert.equal(mismatch.statusCode, 422);
    assert.match(mismatch.body, new RegExp(`Use the email address of the account you are signed in with: ${account.email.replace(/\./g, '\\.')}`));
    assert.match(mismatch.body, /Select the country this pass was redeemed for: Finland/);
    assert.equal(inputValue(mismatch.body, 'email'), 'other@example.test');
    assert.equal(await subscriptionCount(app, account.id), 0);
  });

  test('Sign up goes to the status page; sending the same form again makes no second subscription', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const pass = await createPass(app, account);
    const url = `/activate/${pass.redemptionId}`;
    const form = await filledForm(app, account, url);
    const [first, second] = await Promise.all([post(app, account, url, form), post(app, account, url, form)]);
    assert.equal(first.statusCode, 303, first.body);
    assert.equal(second.statusCode, 303, second.body);
    assert.match(String(first.headers.location), /^\/subscriptions\/[0-9a-f-]{36}$/);
    assert.equal(second.headers.location, first.headers.location);
    // Back, change something, send again: still the first subscription.
    const changed = await post(app, account, url, { ...form, firstName: 'Augusta' });
    assert.equal(changed.statusCode, 303);
    assert.equal(changed.headers.location, first.headers.location);
    // A fresh form (refresh) for an activated pass goes straight to the status page.
    const again = await get(app, account, url);
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, first.headers.location);
    assert.equal(await subscriptionCount(app, account.id), 1);
  });

  test('the status page: words, progress, refresh without JavaScript, and Go to portal when active', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const pass = await createPass(app, account);
    const created = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json();
    const url = `/subscriptions/${created.id}`;
    let page = (await get(app, account, url)).body;
    assert.match(page, /Setting up your subscription…/);
    assert.match(page, /<noscript><meta http-equiv="refresh" content="3"\/?><\/noscript>/);
    assert.match(page, /<script src="\/assets\/status\.js" defer/);
    assert.match(page, /refresh, close or come back/);
    assert.doesNotMatch(page, /Go to portal/);
    assert.match(page, /aria-current="step"/);

    await moveSubscription(app, created.id, { to: 'active', startsAt: '2026-11-27T12:00:00.000Z', endsAt: '2026-12-27T12:00:00.000Z', externalId: 'sub-123' });
    page = (await get(app, account, url)).body;
    assert.match(page, /Your subscription is active/);
    assert.match(page, /<a class="button button--primary" href="\/portal">Go to portal<\/a>/);
    assert.doesNotMatch(page, /http-equiv="refresh"/);
    assert.doesNotMatch(page, /status\.js/);
    assert.match(page, /27 December 2026/);
    assert.match(page, /sub-123/);

    const another = await createPass(app, account);
    const doomed = (await activate(app, account, { offer: 'pass', redemptionId: another.redemptionId, profile: profileOf(account) })).json();
    await moveSubscription(app, doomed.id, { to: 'failed' });
    page = (await get(app, account, `/subscriptions/${doomed.id}`)).body;
    assert.match(page, /Setup failed — we opened a support case/);

    const stranger = await createAccount(app, config);
    const foreign = await get(app, stranger, url);
    assert.equal(foreign.statusCode, 404);
    assert.match(foreign.headers['content-type'] as string, /text\/html/);
  });

  test('the status script is served from our own origin', async () => {
    const { app } = ctx();
    const script = await app.inject({ method: 'GET', url: '/assets/status.js' });
    assert.equal(script.statusCode, 200);
    assert.match(script.headers['content-type'] as string, /javascript/);
    assert.match(script.body, /EventSource/);
  });

  test('cancel asks first, then cancels', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const pass = await createPass(app, account);
    const created = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json();
    const confirm = await get(app, account, `/subscriptions/${created.id}/cancel`);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /<h1>Cancel subscription\?<\/h1>/);
    const noToken = await post(app, account, `/subscriptions/${created.id}/cancel`, {});
    assert.equal(noToken.statusCode, 403);
    const done = await post(app, account, `/subscriptions/${created.id}/cancel`, { _csrf: hiddenValue(confirm.body, '_csrf') });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, `/subscriptions/${created.id}`);
    const page = (await get(app, account, `/subscriptions/${created.id}`)).body;
    assert.match(page, /This subscription is cancelled/);
    assert.doesNotMatch(page, /Cancel subscription</);
  });

  test('the portal: an empty state, then each subscription with status and credit; Add subscription', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    let page = (await get(app, account, '/portal')).body;
    assert.match(page, /No subscriptions yet/);
    assert.match(page, /href="\/redeem"/);
    assert.match(page, /<a class="button button--primary" href="\/portal\/add">Add subscription<\/a>/);

    const waiting = await createPass(app, account, { name: 'Hackathon Pass' });
    page = (await get(app, account, '/portal')).body;
    assert.match(page, new RegExp(`href="/activate/${waiting.redemptionId}"`));

    const pass = await createPass(app, account, { credit: 10000, name: 'Workshop Pass' });
    const created = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json();
    await moveSubscription(app, created.id, { to: 'active', startsAt: '2027-01-01T00:00:00.000Z', endsAt: '2027-01-31T00:00:00.000Z' });
    await app.services.db.transaction().execute((trx) => app.services.credit.applyUsage(trx, [{
      id: `use-${created.id}`, subscriptionId: created.id, eventId: `ev-${created.id}`, amount: 2550, currency: 'USD', meter: 'compute', occurredAt: '2027-01-02T00:00:00.000Z',
    }]));
    page = (await get(app, account, '/portal')).body;
    assert.match(page, /Workshop Pass/);
    assert.match(page, />Active</);
    assert.match(page, /\$74\.50/);
    assert.match(page, /\$100\.00/);
    assert.match(page, /31 January 2027/);
    assert.doesNotMatch(page, /No subscriptions yet/);
  });

  test('Add subscription lists the pass and the free trial, without a payment method; the trial works once', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config, { country: 'SE', displayName: 'Hedy Lamarr' });
    const waiting = await createPass(app, account, { name: 'Waiting Pass' });
    let page = (await get(app, account, '/portal/add')).body;
    assert.doesNotMatch(page, /Free trial/, 'off until an operator turns it on');
    const off = await get(app, account, '/portal/trial');
    assert.equal(off.statusCode, 303);
    assert.equal(off.headers.location, '/portal/add');
    await enableFreeTrial(app);
    page = (await get(app, account, '/portal/add')).body;
    assert.match(page, /Pass/);
    assert.match(page, /Free trial/);
    assert.match(page, /None of them asks for a payment method/);
    assert.match(page, /\$200\.00/);
    assert.match(page, /30 days/);
    assert.match(page, /href="\/redeem">Enter a promo code/);
    assert.match(page, new RegExp(`href="/activate/${waiting.redemptionId}">Continue with Waiting Pass`));
    assert.match(page, /href="\/portal\/trial">Start free trial/);

    const form = await filledForm(app, account, '/portal/trial', { country: 'SE' });
    const trialPage = (await get(app, account, '/portal/trial')).body;
    assert.equal(inputValue(trialPage, 'firstName'), 'Hedy');
    assert.match(trialPage, /<option value="SE" selected/);
    const done = await post(app, account, '/portal/trial', form);
    assert.equal(done.statusCode, 303, done.body);
    const twice = await post(app, account, '/portal/trial', { ...form, idempotencyKey: 'another-form' });
    assert.equal(twice.statusCode, 303);
    assert.equal(twice.headers.location, done.headers.location);
    const again = await get(app, account, '/portal/trial');
    assert.equal(again.statusCode, 303);
    assert.equal(again.headers.location, done.headers.location);
    page = (await get(app, account, '/portal/add')).body;
    assert.match(page, /You have already used your free trial/);
    assert.equal(await subscriptionCount(app, account.id), 1);
  });

  test('an unconfirmed email is explained before and after Sign up, and nothing is created', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config, { verified: false });
    const pass = await createPass(app, account);
    const url = `/activate/${pass.redemptionId}`;
    const page = (await get(app, account, url)).body;
    assert.match(page, /Confirm your email address first/);
    const response = await post(app, account, url, await filledForm(app, account, url));
    assert.equal(response.statusCode, 403);
    assert.match(response.body, /Verify your email address first/);
    assert.equal(await subscriptionCount(app, account.id), 0);
  });

  test('what people type is escaped wherever it is shown', async () => {
    const { app, config } = ctx();
    const hostile = '<img src=x onerror=alert(1)>';
    const account = await createAccount(app, config, { displayName: `Eve ${hostile}` });
    const pass = await createPass(app, account, { name: `Pass <script>alert(2)</script>` });
    const url = `/activate/${pass.redemptionId}`;
    const page = (await get(app, account, url)).body;
    assert.doesNotMatch(page, /<img src=x/);
    assert.doesNotMatch(page, /<script>alert/);
    assert.match(page, /Pass &lt;script>alert\(2\)&lt;\/script>/);
    const form = await filledForm(app, account, url, { firstName: `"><script>alert(3)</script>`, company: hostile, phone: 'x' });
    const response = await post(app, account, url, form);
    assert.equal(response.statusCode, 400);
    assert.doesNotMatch(response.body, /<script>alert\(3\)/);
    assert.doesNotMatch(response.body, /<img src=x/);
    assert.match(response.body, /value="&quot;>&lt;script>alert\(3\)&lt;\/script>"/);
    const ok = await post(app, account, url, { ...form, phone: '+358 40 123 4567', firstName: `Eve ${hostile}` });
    assert.equal(ok.statusCode, 303);
    const portal = (await get(app, account, '/portal')).body;
    assert.doesNotMatch(portal, /<script>alert/);
    const status = (await get(app, account, String(ok.headers.location))).body;
    assert.doesNotMatch(status, /<script>alert/);
  });
});
