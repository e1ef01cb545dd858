// Test data for activation tests: a campaign, a code and a redemption inserted directly, as if the
// account had redeemed the code a moment ago; a free trial signed up through the service; and the calls
// the tests make.
import { randomBytes } from 'node:crypto';
import type { App } from '../../app.ts';
import { newId } from '../../lib/ids.ts';
import type { Config } from '../../config.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { systemActor } from '../audit/audit.service.ts';

export interface TestPass {
  campaignId: string;
  redemptionId: string;
  campaignName: string;
}

export async function createPass(app: App, account: Pick<TestAccount, 'id'>, options: {
  country?: string; credit?: number; currency?: string; days?: number; name?: string;
} = {}): Promise<TestPass> {
  const db = app.services.db;
  const now = new Date().toISOString();
  const campaignId = newId();
  const batchId = newId();
  const campaignName = options.name ?? `Workshop pass ${campaignId.slice(0, 4)}`;
  await db.insertInto('campaigns').values({
    id: campaignId, name: campaignName, credit_amount: options.credit ?? 10000, credit_currency: options.currency ?? 'USD',
    validity_days: options.days ?? 30, redeem_by: '2099-12-31', countries: null, passes_per_account: 1, status: 'active',
    created_at: now, updated_at: now,
  }).execute();
  await db.insertInto('code_batches').values({ id: batchId, campaign_id: campaignId, size: 1, created_at: now, created_by: 'test' }).execute();
  const codeHash = randomBytes(32).toString('hex');
  await db.insertInto('pass_codes').values({
    code_hash: codeHash, campaign_id: campaignId, batch_id: batchId, last4: 'ABCD', state: 'redeemed', created_at: now,
    redeemed_at: now, account_id: account.id, revoked_at: null,
  }).execute();
  const redemptionId = newId();
  await db.insertInto('redemptions').values({
    id: redemptionId, code_hash: codeHash, code_last4: 'ABCD', account_id: account.id, campaign_id: campaignId,
    country: options.country ?? 'FI', state: 'redeemed', redeemed_at: now, activated_at: null, released_at: null, subscription_id: null,
  }).execute();
  return { campaignId, redemptionId, campaignName };
}

export function profileOf(account: Pick<TestAccount, 'email'>, country = 'FI') {
  return { firstName: 'Ada', lastName: 'Lovelace', email: account.email, country, phone: '+358 40 123 4567' };
}

export function activate(app: App, account: Pick<TestAccount, 'cookie'>, body: object, idempotencyKey?: string) {
  const headers: Record<string, string> = { cookie: account.cookie };
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  return app.inject({ method: 'POST', url: '/api/v1/subscriptions', headers, payload: body as Record<string, unknown> });
}

/** Turns the free trial on (it is off by default), keeping its credit and length unless given. */
export async function enableFreeTrial(app: App, values: { credit?: { amount: number; currency: string }; days?: number } = {}): Promise<void> {
  await app.services.settings.updateFreeTrial({ enabled: true, ...values }, systemActor);
}

/** The account's free trial, signed up through the subscriptions service (the account must be verified); turns the trial on first. */
export async function signUpForTrial(app: App, accountId: string): Promise<string> {
  const { accounts, subscriptions } = app.services;
  if (!(await app.services.settings.freeTrial()).enabled) await enableFreeTrial(app);
  const account = await accounts.findAccount(accountId);
  if (!account) throw new Error(`no account ${accountId}`);
  const profile = { firstName: 'Test', lastName: 'Person', email: account.email, country: account.country };
  const { subscription } = await subscriptions.activate(account, { offer: 'free-trial', profile }, { actor: systemActor });
  return subscription.id;
}

export type TestMove =
  | { to: 'provisioning' }
  | { to: 'active'; externalId?: string; startsAt?: string; endsAt?: string }
  | { to: 'failed'; reason?: string };

/** Moves a subscription on as provisioning would: through the service's transitions, then tells its listeners. */
export async function moveSubscription(app: App, id: string, move: TestMove): Promise<void> {
  const { db, subscriptions, subscriptionEvents } = app.services;
  const moved = await db.transaction().execute(async (trx) => {
    if (move.to === 'provisioning') return subscriptions.markProvisioning(trx, id, systemActor);
    if (move.to === 'failed') return subscriptions.markFailed(trx, id, move.reason ?? 'the platform said no (test)', systemActor);
    const startsAt = move.startsAt ?? new Date().toISOString();
    const endsAt = move.endsAt ?? new Date(Date.parse(startsAt) + 30 * 86_400_000).toISOString();
    return subscriptions.markActive(trx, id, { externalId: move.externalId ?? `test-${id}`, startsAt, endsAt }, systemActor);
  });
  if (!moved) throw new Error(`subscription ${id} cannot move to ${move.to}`);
  const record = await subscriptions.find(db, id);
  await subscriptionEvents.publish({ subscriptionId: id, status: move.to, at: record!.updatedAt });
}

/** A new account's pass, activated and moved to active by the platform, ending in 30 days. */
export async function activeSubscription(app: App, config: Config, credit = 100000): Promise<{ account: TestAccount; id: string }> {
  const account = await createAccount(app, config);
  const pass = await createPass(app, account, { credit });
  const created = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) });
  if (created.statusCode !== 202) throw new Error(`activation answered ${created.statusCode}: ${created.body}`);
  const id = created.json().id as string;
  await moveSubscription(app, id, { to: 'active', endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
  return { account, id };
}
