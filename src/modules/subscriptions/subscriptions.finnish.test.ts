// The activation form, the status and subscription pages, cancelling, the portal and "Add subscription"
// rendered in Finnish in the states a person meets, errors included: no English may be left on them.
import { randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { translator } from '../../i18n/catalogue.ts';
import { describePagesInFinnish, FINNISH_NAME, type PageCase, type Visitor } from '../../testing/finnish-pages.ts';
import type { TestContext } from '../../testing/harness.ts';
import { systemActor } from '../audit/audit.service.ts';
import { subscriptionActive, subscriptionFailed } from '../provisioning/provisioning.mails.ts';
import { createPass, enableFreeTrial, moveSubscription } from './subscriptions.testing.ts';

const NAME = FINNISH_NAME;
const CAMPAIGN = 'Pilvityöpaja';
/** What the tests put on the pages: names, and the platform's ids of active subscriptions (test data, never words). */
const ALLOWED = [NAME, CAMPAIGN, 'pilvi-123', 'pilvi-456'];

/** A signed-in visitor with a redeemed pass, on its activation form. */
async function onActivationForm(v: Visitor, ctx: TestContext) {
  const account = await v.signIn();
  const pass = await createPass(ctx.app, account, { name: CAMPAIGN, credit: 15_000, currency: 'EUR', days: 30 });
  const url = `/activate/${pass.redemptionId}`;
  const form = await v.get(url);
  return { account, pass, url, form };
}

const idempotencyKeyOf = (html: string) => /name="idempotencyKey" value="([^"]+)"/.exec(html)?.[1] ?? randomUUID();

/** Signs up for a new pass through the form (as `account` when signed in already); the subscription's id. */
async function signedUp(v: Visitor, ctx: TestContext, signedInAs?: { id: string; email: string }): Promise<string> {
  const account = signedInAs ?? await v.signIn();
  const pass = await createPass(ctx.app, account, { name: CAMPAIGN, credit: 15_000, currency: 'EUR', days: 30 });
  const url = `/activate/${pass.redemptionId}`;
  const form = await v.get(url);
  const done = await v.post(url, {
    idempotencyKey: idempotencyKeyOf(form.body), firstName: 'Aino', lastName: 'Virtanen', email: account.email, country: 'FI', phone: '+358 40 123 4567',
  });
  assert.equal(done.statusCode, 303, done.body);
  return String(done.headers.location).split('/').pop()!;
}

/** An active subscription with some usage, on its page. */
async function activeWithUsage(v: Visitor, ctx: TestContext, signedInAs?: { id: string; email: string }): Promise<LightMyRequestResponse> {
  const id = await signedUp(v, ctx, signedInAs);
  await moveSubscription(ctx.app, id, { to: 'active', externalId: 'pilvi-123' });
  await ctx.app.services.lifecycle.recordUsage([
    { id: randomUUID(), subscriptionId: id, amount: 2_550, meter: 'compute', occurredAt: new Date().toISOString() },
  ]);
  return v.get(`/subscriptions/${id}`);
}

const PAGES: PageCase[] = [
  { name: 'activation form', allowed: ALLOWED, visit: async (v, ctx) => (await onActivationForm(v, ctx)).form },
  { name: 'activation form, the owner entered the code again', allowed: ALLOWED, visit: async (v, ctx) => {
    const { url } = await onActivationForm(v, ctx);
    return v.get(`${url}?again=1`);
  } },
  { name: 'activation form with every kind of error', status: 400, allowed: ALLOWED, visit: async (v, ctx) => {
    const { url, form } = await onActivationForm(v, ctx);
    return v.post(url, {
      idempotencyKey: idempotencyKeyOf(form.body), firstName: '', lastName: 'x'.repeat(101), email: 'toinen@example.test', country: 'SE', phone: 'soita',
    });
  } },
  { name: 'activation form, email not confirmed', allowed: ALLOWED, visit: async (v, ctx) => {
    const account = await v.signIn({ verified: false });
    const pass = await createPass(ctx.app, account, { name: CAMPAIGN });
    return v.get(`/activate/${pass.redemptionId}`);
  } },
  { name: 'released pass', status: 409, visit: async (v, ctx) => {
    const account = await v.signIn();
    const pass = await createPass(ctx.app, account, { name: CAMPAIGN });
    await ctx.app.services.redemptions.releaseOwn(account.id, pass.redemptionId, systemActor);
    return v.get(`/activate/${pass.redemptionId}`);
  } },
  { name: 'status page, setting up', allowed: ALLOWED, visit: async (v, ctx) => v.get(`/subscriptions/${await signedUp(v, ctx)}`) },
  { name: 'status page, setup failed', allowed: ALLOWED, visit: async (v, ctx) => {
    const id = await signedUp(v, ctx);
    await moveSubscription(ctx.app, id, { to: 'failed' });
    return v.get(`/subscriptions/${id}`);
  } },
  { name: 'subscription page, active with usage', allowed: [...ALLOWED, 'pilvi-123', 'compute'], visit: (v, ctx) => activeWithUsage(v, ctx) },
  { name: 'subscription page, the owner entered the code again', allowed: [...ALLOWED, 'pilvi-123'], visit: async (v, ctx) => {
    const id = await signedUp(v, ctx);
    await moveSubscription(ctx.app, id, { to: 'active', externalId: 'pilvi-123' });
    return v.get(`/subscriptions/${id}?again=1`);
  } },
  { name: 'cancel page', allowed: ALLOWED, visit: async (v, ctx) => {
    const id = await signedUp(v, ctx);
    await moveSubscription(ctx.app, id, { to: 'active', externalId: 'pilvi-123' });
    return v.get(`/subscriptions/${id}/cancel`);
  } },
  { name: 'cancelled subscription', allowed: ALLOWED, visit: async (v, ctx) => {
    const id = await signedUp(v, ctx);
    await moveSubscription(ctx.app, id, { to: 'active', externalId: 'pilvi-123' });
    await v.get(`/subscriptions/${id}/cancel`);
    await v.post(`/subscriptions/${id}/cancel`, {});
    return v.get(`/subscriptions/${id}`);
  } },
  { name: 'portal, empty', allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/portal'); } },
  { name: 'portal, a pass waiting to be activated', allowed: ALLOWED, visit: async (v, ctx) => {
    await onActivationForm(v, ctx);
    return v.get('/portal');
  } },
  { name: 'portal, with subscriptions', allowed: [...ALLOWED, 'compute'], visit: async (v, ctx) => {
    // Active subscriptions link to the platform's console once the operator set its address.
    await ctx.app.services.settings.updateBranding({ programName: 'cloudpass', consoleUrlTemplate: 'https://konsoli.example.org/{externalId}' }, systemActor);
    const account = await v.signIn();
    await activeWithUsage(v, ctx, account);
    await signedUp(v, ctx, account);
    const ended = await signedUp(v, ctx, account);
    await moveSubscription(ctx.app, ended, { to: 'active', externalId: 'pilvi-456' });
    await ctx.app.services.subscriptions.cancel((await ctx.app.services.accounts.findAccount(account.id))!, ended, systemActor);
    const portal = await v.get('/portal');
    assert.match(portal.body, /href="https:\/\/konsoli\.example\.org\/pilvi-123"[^>]*>Avaa pilvikonsoli</);
    await ctx.app.services.settings.updateBranding({ programName: 'cloudpass', consoleUrlTemplate: null }, systemActor);
    return portal;
  } },
  { name: 'Add subscription, with the free trial and a waiting pass', allowed: ALLOWED, visit: async (v, ctx) => {
    await enableFreeTrial(ctx.app);
    await onActivationForm(v, ctx);
    return v.get('/portal/add');
  } },
  { name: 'Add subscription, the free trial used', allowed: [NAME], visit: async (v, ctx) => {
    await enableFreeTrial(ctx.app);
    const account = await v.signIn();
    const profile = { firstName: 'Aino', lastName: 'Virtanen', email: account.email, country: 'FI', phone: '+358 40 123 4567' };
    const found = await ctx.app.services.accounts.findAccount(account.id);
    await ctx.app.services.subscriptions.activate(found!, { offer: 'free-trial', profile }, { actor: systemActor });
    return v.get('/portal/add');
  } },
  { name: 'free trial form', allowed: [NAME], visit: async (v, ctx) => {
    await enableFreeTrial(ctx.app);
    await v.signIn();
    return v.get('/portal/trial');
  } },
];

describePagesInFinnish('subscription pages in Finnish', PAGES);

test('the provisioning emails speak the recipient\'s language, dates and money included', () => {
  const url = new URL('http://localhost:3000');
  const subscription = {
    id: 'sub-1', offer: 'pass' as const, offerName: CAMPAIGN, credit: { amount: 15_000, currency: 'EUR' }, endsAt: '2027-02-03T10:00:00Z', failureReason: null,
  };
  const fi = subscriptionActive(url, { email: 'aino@example.test', name: NAME, locale: 'fi' }, subscription);
  assert.equal(fi.subject, 'Tilauksesi on käytössä');
  assert.match(fi.text, /Hei Aino Virtanen,/);
  assert.match(fi.text, /150,00\s€/);
  assert.match(fi.text, /3\. helmikuuta 2027/);
  assert.match(fi.html!, /<html lang="fi">/);
  const en = subscriptionActive(url, { email: 'aino@example.test', name: NAME }, subscription);
  assert.equal(en.subject, 'Your subscription is active');
  assert.match(en.text, /€150\.00 of credit until 3 February 2027/);
  const failed = subscriptionFailed(url, { email: 'aino@example.test', name: NAME, locale: 'fi' }, { ...subscription, offer: 'free-trial' }, 'case-9');
  assert.match(failed.text, /Ilmainen kokeilu/);
  assert.match(failed.text, /tukipyynnön case-9/);
  assert.equal(failed.subject, translator('fi').t('subs.mail.failed.subject'));
});
