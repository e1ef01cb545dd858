// The console's recipient page in Finnish, as an operator admin sees it: a recipient with an active
// subscription and its "Extend end date" and "Add credit" forms, each form refused, and the notice after
// credit was added. No English may be left on them (src/testing/finnish-pages.ts).
import type { LightMyRequestResponse } from 'fastify';
import { createAccount } from '../../testing/factories.ts';
import { describePagesInFinnish, FINNISH_NAME, type PageCase, type Visitor } from '../../testing/finnish-pages.ts';
import type { TestContext } from '../../testing/harness.ts';
import { activate, createPass, moveSubscription, profileOf } from '../subscriptions/subscriptions.testing.ts';

const CAMPAIGN = 'Pilvityöpaja';
/** Audit actions are identifiers (the audit log's own filter uses them), shown as they are in every language. */
const AUDIT_ACTIONS = ['subscription.created', 'subscription.activated', 'subscription.credit_adjusted', 'subscription.end_moved'];
/** Also each subscription's id, shown on its card: hex that may happen to spell "be" or "add". */
const ALLOWED: string[] = [FINNISH_NAME, CAMPAIGN, ...AUDIT_ACTIONS];

/** An operator (the visitor) looking at a recipient who has an active pass subscription; returns the page's address and the subscription. */
async function recipientWithSubscription(v: Visitor, ctx: TestContext): Promise<{ page: string; subscriptionId: string }> {
  const { app, config } = ctx;
  const operator = await createAccount(app, config, { operatorAdmin: true, displayName: FINNISH_NAME });
  v.useCookie(operator.cookie);
  const recipient = await createAccount(app, config, { displayName: FINNISH_NAME });
  const pass = await createPass(app, recipient, { name: CAMPAIGN, currency: 'EUR' });
  const created = await activate(app, recipient, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(recipient) });
  const subscriptionId = created.json<{ id: string }>().id;
  await moveSubscription(app, subscriptionId, { to: 'active' });
  ALLOWED.push(subscriptionId);
  return { page: `/admin/recipients/${recipient.id}`, subscriptionId };
}

async function refused(v: Visitor, ctx: TestContext, form: 'end' | 'credit', fields: Record<string, string>): Promise<LightMyRequestResponse> {
  const { page, subscriptionId } = await recipientWithSubscription(v, ctx);
  await v.get(page);
  return v.post(`${page}/subscriptions/${subscriptionId}/${form}`, fields);
}

const PAGES: PageCase[] = [
  { name: 'a recipient with a subscription to extend and add credit to', allowed: ALLOWED, visit: async (v, ctx) => {
    const { page } = await recipientWithSubscription(v, ctx);
    return v.get(page);
  } },
  { name: 'a recipient, credit refused: no amount, no reason', status: 400, allowed: ALLOWED, visit: (v, ctx) => refused(v, ctx, 'credit', { amount: '', reason: '' }) },
  { name: 'a recipient, credit refused: a negative amount', status: 400, allowed: ALLOWED, visit: (v, ctx) => refused(v, ctx, 'credit', { amount: '-5', reason: 'Työpaja venyi' }) },
  { name: 'a recipient, credit refused: not a number', status: 400, allowed: ALLOWED, visit: (v, ctx) => refused(v, ctx, 'credit', { amount: 'kymmenen', reason: 'Työpaja venyi' }) },
  { name: 'a recipient, credit refused: too much at once', status: 400, allowed: ALLOWED, visit: (v, ctx) => refused(v, ctx, 'credit', { amount: '5000000', reason: 'Työpaja venyi' }) },
  { name: 'a recipient, end date refused: a day in the past', status: 400, allowed: ALLOWED, visit: (v, ctx) => refused(v, ctx, 'end', { endsOn: '2020-01-01' }) },
  { name: 'a recipient, end date refused: not a date', status: 400, allowed: ALLOWED, visit: (v, ctx) => refused(v, ctx, 'end', { endsOn: '2027-02-30' }) },
  { name: 'a recipient after credit was added and the end date moved', allowed: ALLOWED, visit: async (v, ctx) => {
    const { page, subscriptionId } = await recipientWithSubscription(v, ctx);
    await v.get(page);
    await v.post(`${page}/subscriptions/${subscriptionId}/end`, { endsOn: new Date(Date.now() + 60 * 86_400_000).toISOString().slice(0, 10) });
    await v.get(page);
    // A decimal comma, as Finnish is written.
    await v.post(`${page}/subscriptions/${subscriptionId}/credit`, { amount: '25,50', reason: 'Työpaja venyi' });
    return v.get(page);
  } },
];

describePagesInFinnish('the recipient page in Finnish', PAGES);
