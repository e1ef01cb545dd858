// The recipient page's "Extend end date" and "Add credit" forms: they change a subscription through the
// lifecycle service (as PATCH /api/v1/subscriptions/{id} does), audited as the operator; bad input is shown
// in the page and changes nothing; only operator admins may use them; and an expired subscription whose end
// is moved later, or one disabled for credit that gets more, runs again.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage, openPage, postForm } from '../../testing/pages.ts';
import { activate, createPass, moveSubscription, profileOf } from '../subscriptions/subscriptions.testing.ts';

const DAY = 86_400_000;
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** The input `id` shows `value` (an empty value renders as a bare attribute). */
const keeps = (id: string, value: string) => new RegExp(`id="${id}"[^>]*\\svalue${value === '' ? '(="")?[\\s/>]' : `="${escape(value)}"`}`);
const day = (offsetDays: number) => iso(addMs(new Date(), offsetDays * DAY)).slice(0, 10);

/** An active pass subscription of `account` (10000 minor units of USD unless told), running from `startsAt` to `endsAt`. */
async function activeSubscription(app: App, account: TestAccount, options: { credit?: number; startsAt?: string; endsAt?: string } = {}) {
  const pass = await createPass(app, account, { credit: options.credit ?? 10000, name: `Spring workshop ${randomUUID().slice(0, 4)}` });
  const created = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) });
  assert.equal(created.statusCode, 202, created.body);
  const id = created.json<{ id: string }>().id;
  const startsAt = options.startsAt ?? iso(new Date());
  await moveSubscription(app, id, { to: 'active', externalId: `plat-${id}`, startsAt, endsAt: options.endsAt ?? iso(addMs(new Date(startsAt), 30 * DAY)) });
  return { id, name: pass.campaignName };
}

describeEachDatabase('recipient page: end date and credit', (ctx) => {
  async function people(app: App, config: Config) {
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const anna = await createAccount(app, config, { displayName: 'Anna Andersson' });
    return { admin, anna };
  }

  const view = (app: App, id: string) => app.services.subscriptions.getAny(id);
  const ledger = (app: App, id: string) => app.services.credit.entries(app.services.db, id);
  const audited = async (app: App, id: string) => (await app.services.audit.list({ subjectId: id }))
    .filter((e) => e.action === 'subscription.end_moved' || e.action === 'subscription.credit_adjusted');

  test('an operator extends the end date and adds credit from the page; the balance is the ledger\'s, and both are audited', async () => {
    const { app, config } = ctx();
    const { admin, anna } = await people(app, config);
    const { id, name } = await activeSubscription(app, anna);
    const page = `/admin/recipients/${anna.id}`;
    const { response, csrf } = await openPage(app, page, admin.cookie);
    assert.equal(response.statusCode, 200);
    assert.match(response.body, new RegExp(`aria-label="Extend the end date of ${name}"`));
    assert.match(response.body, new RegExp(`aria-label="Add credit to ${name}"`));
    assert.match(response.body, /<span class="badge badge--active">Active<\/span>/);

    const newEnd = day(60);
    const moved = await postForm(app, `${page}/subscriptions/${id}/end`, admin.cookie, { _csrf: csrf!, endsOn: newEnd });
    assert.equal(moved.statusCode, 303, moved.body);
    assert.equal(moved.headers.location, page);
    assert.equal((await view(app, id)).endsAt, `${newEnd}T23:59:59.000Z`, 'to the end of the chosen day, in UTC');
    const afterMove = (await getPage(app, page, admin.cookie)).body;
    const shown = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${newEnd}T12:00:00Z`));
    assert.ok(afterMove.includes(`${name} now ends on ${shown}.`), 'the notice');
    assert.ok(afterMove.includes(`<time dateTime="${newEnd}T23:59:59.000Z">${shown}</time>`) || afterMove.includes(`datetime="${newEnd}T23:59:59.000Z">${shown}</time>`), 'and the card shows the new date');

    const added = await postForm(app, `${page}/subscriptions/${id}/credit`, admin.cookie, { _csrf: csrf!, amount: ' 25.50 ', reason: 'Workshop ran over' });
    assert.equal(added.statusCode, 303, added.body);
    const subscription = await view(app, id);
    assert.deepEqual(subscription.credit.remaining, { amount: 12550, currency: 'USD' });
    assert.equal(subscription.status, 'active');
    const adjustments = (await ledger(app, id)).filter((e) => e.kind === 'adjustment');
    assert.deepEqual(adjustments.map((e) => [e.amount, e.currency, e.note]), [[2550, 'USD', 'Workshop ran over']]);
    const afterCredit = (await getPage(app, page, admin.cookie)).body;
    assert.ok(afterCredit.includes(`$25.50 of credit was added to ${name}. Credit remaining: $125.50.`), 'the notice');
    assert.match(afterCredit, /<span class="money">\$125\.50<\/span> <span class="muted small">of <span class="money">\$125\.50<\/span>/, 'the balance on the card, of the grant and what was added');
    const comma = await postForm(app, `${page}/subscriptions/${id}/credit`, admin.cookie, { _csrf: csrf!, amount: '4,50', reason: 'Decimal comma' });
    assert.equal(comma.statusCode, 303, 'a decimal comma reads as a point');
    assert.deepEqual((await view(app, id)).credit.remaining, { amount: 13000, currency: 'USD' });

    const trail = await audited(app, id);
    assert.deepEqual(trail.map((e) => e.action).sort(), ['subscription.credit_adjusted', 'subscription.credit_adjusted', 'subscription.end_moved']);
    assert.ok(trail.every((e) => e.actor.type === 'admin' && e.actor.label === admin.email), 'as the operator');
    assert.match(afterCredit, /subscription\.credit_adjusted/, 'and the page\'s history shows it');
  });

  test('bad input is shown in the page beside its field, keeps what was typed, and changes nothing', async () => {
    const { app, config } = ctx();
    const { admin, anna } = await people(app, config);
    const { id } = await activeSubscription(app, anna);
    const before = await view(app, id);
    const page = `/admin/recipients/${anna.id}`;
    const { csrf } = await openPage(app, page, admin.cookie);

    const endCases: Array<[string, RegExp]> = [
      ['', /Enter the new end date\./],
      ['next tuesday', /Enter a real date, like 2027-06-30\./],
      ['2027-02-30', /Enter a real date/],
      [day(-1), /Choose today or a later date/],
      [day(3651), /Choose a date at most 10 years from today\./],
    ];
    for (const [endsOn, message] of endCases) {
      const refused = await postForm(app, `${page}/subscriptions/${id}/end`, admin.cookie, { _csrf: csrf!, endsOn });
      assert.equal(refused.statusCode, 400, `${endsOn}: ${refused.body.slice(0, 200)}`);
      assert.match(refused.body, /There is a problem/, endsOn);
      assert.match(refused.body, message, endsOn);
      assert.match(refused.body, new RegExp(`href="#field-endsOn-${id}"`), 'the summary links to this card\'s field');
      assert.match(refused.body, keeps(`field-endsOn-${id}`, endsOn), 'what was typed is kept');
    }

    const long = 'x'.repeat(501);
    const creditCases: Array<[Record<string, string>, RegExp]> = [
      [{ amount: '', reason: 'top-up' }, /Enter the amount to add\./],
      [{ amount: '-5', reason: 'top-up' }, /Enter an amount greater than zero/],
      [{ amount: '0.00', reason: 'top-up' }, /Enter an amount greater than zero/],
      [{ amount: 'ten', reason: 'top-up' }, /Enter the amount as a number, like 25\.00\./],
      [{ amount: '1e3', reason: 'top-up' }, /Enter the amount as a number/],
      [{ amount: '25.001', reason: 'top-up' }, /Enter the amount as a number/],
      [{ amount: '1,000', reason: 'top-up' }, /Enter the amount as a number/],
      [{ amount: '1000000.01', reason: 'top-up' }, /Add at most \$1,000,000\.00 at a time\./],
      [{ amount: '99999999999999999999', reason: 'top-up' }, /Add at most \$1,000,000\.00 at a time\./],
      [{ amount: '25', reason: '   ' }, /Say why the credit is added\./],
      [{ amount: '25', reason: long }, /Keep the reason to 500 characters or fewer\./],
    ];
    for (const [fields, message] of creditCases) {
      const refused = await postForm(app, `${page}/subscriptions/${id}/credit`, admin.cookie, { _csrf: csrf!, ...fields });
      assert.equal(refused.statusCode, 400, `${JSON.stringify(fields).slice(0, 80)}: ${refused.body.slice(0, 200)}`);
      assert.match(refused.body, /There is a problem/);
      assert.match(refused.body, message, fields.amount);
      assert.match(refused.body, keeps(`field-amount-${id}`, fields.amount!), 'the amount typed is kept');
    }

    const foreign = await activeSubscription(app, await createAccount(app, config));
    const elsewhere = await postForm(app, `${page}/subscriptions/${foreign.id}/credit`, admin.cookie, { _csrf: csrf!, amount: '5', reason: 'wrong page' });
    assert.equal(elsewhere.statusCode, 404, 'another recipient\'s subscription is not on this page');
    const cancelled = await activeSubscription(app, anna);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${cancelled.id}/cancel`, headers: { cookie: anna.cookie } })).statusCode, 200);
    const withCancelled = (await getPage(app, page, admin.cookie)).body;
    assert.ok(!withCancelled.includes(`/subscriptions/${cancelled.id}/credit`), 'a cancelled subscription offers no forms');
    assert.match(withCancelled, /Its end date and credit can no longer be changed\./);
    const late = await postForm(app, `${page}/subscriptions/${cancelled.id}/credit`, admin.cookie, { _csrf: csrf!, amount: '5', reason: 'sent anyway' });
    assert.equal(late.statusCode, 409);
    assert.match(late.body, /can no longer be changed/);
    assert.equal((await ledger(app, cancelled.id)).filter((e) => e.kind === 'adjustment').length, 0);

    const noToken = await postForm(app, `${page}/subscriptions/${id}/credit`, admin.cookie, { amount: '5', reason: 'no token' });
    assert.equal(noToken.statusCode, 403, 'the form token is needed');

    const after = await view(app, id);
    assert.equal(after.endsAt, before.endsAt);
    assert.deepEqual(after.credit, before.credit);
    assert.equal((await ledger(app, id)).filter((e) => e.kind === 'adjustment').length, 0);
    assert.equal((await ledger(app, foreign.id)).filter((e) => e.kind === 'adjustment').length, 0);
    assert.deepEqual(await audited(app, id), []);
  });

  test('recipients who are not operators get 403, signed-out visitors are sent to sign in; nothing changes', async () => {
    const { app, config } = ctx();
    const { anna } = await people(app, config);
    const { id } = await activeSubscription(app, anna);
    const before = await view(app, id);
    const page = `/admin/recipients/${anna.id}`;
    assert.equal((await getPage(app, page, anna.cookie)).statusCode, 403);
    // Her own session's form token, so it is the operator check that refuses, not the token check.
    const { csrf } = await openPage(app, '/portal', anna.cookie);
    assert.ok(csrf, 'the portal carries the session\'s form token');
    const end = await postForm(app, `${page}/subscriptions/${id}/end`, anna.cookie, { _csrf: csrf, endsOn: day(90) });
    assert.equal(end.statusCode, 403);
    const credit = await postForm(app, `${page}/subscriptions/${id}/credit`, anna.cookie, { _csrf: csrf, amount: '500', reason: 'for me' });
    assert.equal(credit.statusCode, 403);
    const signedOut = await getPage(app, page);
    assert.equal(signedOut.statusCode, 303);
    assert.equal(signedOut.headers.location, '/signin');
    assert.equal((await postForm(app, `${page}/subscriptions/${id}/credit`, undefined, { amount: '500', reason: 'anyone' })).statusCode, 403);

    const after = await view(app, id);
    assert.equal(after.endsAt, before.endsAt);
    assert.deepEqual(after.credit, before.credit);
    assert.deepEqual(await audited(app, id), []);
  });

  test('an expired subscription extended from the page is active again; one disabled for credit runs again when credit is added', async () => {
    const { app, config } = ctx();
    const { admin, anna } = await people(app, config);
    const expired = await activeSubscription(app, anna, { startsAt: iso(addMs(new Date(), -31 * DAY)), endsAt: iso(addMs(new Date(), -60_000)) });
    await app.services.lifecycle.sweep();
    assert.equal((await view(app, expired.id)).status, 'expired');

    const page = `/admin/recipients/${anna.id}`;
    const { response, csrf } = await openPage(app, page, admin.cookie);
    assert.match(response.body, /<span class="badge badge--expired">Expired<\/span>/);
    const extended = await postForm(app, `${page}/subscriptions/${expired.id}/end`, admin.cookie, { _csrf: csrf!, endsOn: day(14) });
    assert.equal(extended.statusCode, 303, extended.body);
    const running = await view(app, expired.id);
    assert.equal(running.status, 'active');
    assert.equal(running.endsAt, `${day(14)}T23:59:59.000Z`);
    assert.ok((await app.services.audit.list({ subjectId: expired.id })).some((e) => e.action === 'subscription.reenabled' && e.actor.label === admin.email));
    assert.match((await getPage(app, page, admin.cookie)).body, /now ends on [^<]*, and it is active again\./);

    const spent = await activeSubscription(app, anna, { credit: 1000 });
    await app.services.lifecycle.recordUsage([{ id: randomUUID(), subscriptionId: spent.id, amount: 1200, meter: 'compute', occurredAt: iso(new Date()) }]);
    await app.services.lifecycle.checkCredit(spent.id);
    assert.equal((await view(app, spent.id)).status, 'disabled');
    const topped = await postForm(app, `${page}/subscriptions/${spent.id}/credit`, admin.cookie, { _csrf: csrf!, amount: '10', reason: 'Overage forgiven' });
    assert.equal(topped.statusCode, 303, topped.body);
    const again = await view(app, spent.id);
    assert.equal(again.status, 'active');
    assert.deepEqual(again.credit.remaining, { amount: 800, currency: 'USD' });
    assert.match((await getPage(app, page, admin.cookie)).body, /\$10\.00 of credit was added to [^<]*, and it is active again\. Credit remaining: \$8\.00\./);
  });
});
