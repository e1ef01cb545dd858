// Activating subscriptions (a pass or the free trial), reading them, cancelling them, and the offers.
// Activation is one transaction: the subscription, its credit grant, the redemption marked activated
// (a conditional write), the request to provision it and the idempotency record land together or not at
// all. Every later change of status goes through one of the transitions below, inside the caller's
// transaction and with its audit entry; subscription-status.ts says which changes are allowed.
import { createHash } from 'node:crypto';
import type { Db, DbOrTrx, Trx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AccountView } from '../accounts/account-view.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { CreditBalance, CreditService } from '../credit/credit.service.ts';
import type { PassForActivation, RedemptionService } from '../redemptions/redemptions.service.ts';
import type { SettingsService } from '../settings/settings.service.ts';
import { countryName } from '../../lib/countries.ts';
import { parseProfile, sameEmail, type ActivationProfile } from './activation-profile.ts';
import type { SubscriptionEvents } from './subscription-events.ts';
import { forecastRunOut, recentWindowStart } from '../credit/forecast.ts';
import { MOVES, ON_PLATFORM, RETAINED, type MoveName } from './subscription-status.ts';
import * as repo from './subscriptions.repository.ts';
import type { SubscriptionOffer, SubscriptionStatus } from './subscriptions.table.ts';

export type { PassForActivation, SubscriptionOffer, SubscriptionStatus };

export interface Money {
  amount: number;
  currency: string;
}

export interface SubscriptionView {
  id: string;
  offer: SubscriptionOffer;
  /** The campaign's name for a pass, "Free trial" for the trial. */
  name: string;
  status: SubscriptionStatus;
  /** Minor units in `currency`; `remaining` below zero is overage (usage reported after it stopped). */
  credit: { granted: Money; used: Money; remaining: Money; currency: string };
  /** When the credit runs out at the recent daily rate; null without recent usage or when it lasts past the end. */
  forecast: { runOutAt: string | null };
  /** Why it stopped: `credit_exhausted`, `expired`, `cancelled` or `operator`; null while it runs. */
  disabledReason: DisableReason | null;
  /** When it will be deleted (it stopped and the retention period runs); null otherwise. */
  deleteAt: string | null;
  validityDays: number;
  startsAt: string | null;
  endsAt: string | null;
  externalId: string | null;
  redemptionId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A subscription as other modules work with it (provisioning, and the lifecycle to come): its stored facts, without credit. */
export interface SubscriptionRecord {
  id: string;
  accountId: string;
  offer: SubscriptionOffer;
  /** The campaign's name for a pass, "Free trial" for the trial. */
  name: string;
  status: SubscriptionStatus;
  redemptionId: string | null;
  /** The activation profile the recipient gave. */
  profile: Record<string, unknown>;
  currency: string;
  validityDays: number;
  startsAt: string | null;
  endsAt: string | null;
  externalId: string | null;
  failureReason: string | null;
  /** Why it stopped, while it is stopped. */
  disabledReason: string | null;
  /** When it stopped (disabled, expired or cancelled), while it is stopped. */
  stoppedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** Why the platform is told to stop a subscription: the `reason` of the `subscription.disable` webhook (API.md). */
export const DISABLE_REASONS = ['cancelled', 'credit_exhausted', 'expired', 'operator'] as const;
export type DisableReason = (typeof DISABLE_REASONS)[number];

/**
 * What subscriptions ask of the cloud platform. Each request is made inside the caller's transaction, so
 * it exists exactly when the change that needs it commits. Provisioning implements it; services.ts wires it.
 */
export interface PlatformRequests {
  /** Create the subscription on the platform. */
  provision(trx: Trx, subscriptionId: string): Promise<void>;
  /** Stop it on the platform. */
  disable(trx: Trx, subscriptionId: string, reason: DisableReason): Promise<void>;
  /** Run it again on the platform (re-enabled), as the same externalId. */
  reprovision(trx: Trx, subscriptionId: string): Promise<void>;
  /** Delete it on the platform (the retention period after it stopped is over). */
  remove(trx: Trx, subscriptionId: string): Promise<void>;
  /** After the transaction that made requests committed: start on them now rather than at the next poll. */
  committed(): void;
}

export type ActivationRequest =
  | { offer: 'pass'; redemptionId: string; profile: unknown }
  | { offer: 'free-trial'; profile: unknown };

export interface ActivationResult {
  /** True when this request made the subscription; false for an existing one. A replayed key answers as the first time. */
  created: boolean;
  subscription: SubscriptionView;
}

export interface Offer {
  id: SubscriptionOffer;
  name: string;
  description: string;
  eligible: boolean;
  paymentMethodRequired: false;
  credit?: Money;
  days?: number;
  /** Pass: passes redeemed and waiting to be activated. */
  awaitingActivation?: PassForActivation[];
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;
/**
 * How long a key answers with its first response. Retries come within minutes; after this, the same
 * request still makes nothing twice (the redemption is activated, the trial used) and answers with what it made.
 */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 60 * 60 * 1000;

/** Thrown inside the activation transaction to roll it back when another request got there first. */
class ActivationRace extends Error {}

export interface SubscriptionServiceDeps {
  db: Db;
  clock: Clock;
  metrics: Metrics;
  audit: AuditService;
  credit: Pick<CreditService, 'grant' | 'balances' | 'usageByDay'>;
  settings: Pick<SettingsService, 'freeTrial' | 'lifecycle'>;
  events: SubscriptionEvents;
  redemptions: Pick<RedemptionService, 'passForActivation' | 'awaitingActivation' | 'markActivated'>;
  platform: PlatformRequests;
}

export function createSubscriptionService(deps: SubscriptionServiceDeps) {
  const { db, clock, metrics, audit, credit, settings, events, redemptions, platform } = deps;

  // ---- reading ---------------------------------------------------------------

  async function toViews(rows: repo.SubscriptionRow[]): Promise<SubscriptionView[]> {
    if (rows.length === 0) return [];
    const [balances, lifecycle] = await Promise.all([credit.balances(db, rows.map((r) => r.id)), settings.lifecycle()]);
    const now = clock.now();
    return Promise.all(rows.map(async (row) => {
      const balance = balances.get(row.id)!;
      const view = toSubscriptionView(row, balance, lifecycle.retentionDays);
      if (row.status === 'active' && row.ends_at && balance.used > 0) {
        const since = recentWindowStart(now, row.starts_at);
        const recent = await credit.usageByDay(db, row.id, since.slice(0, 10));
        view.forecast = { runOutAt: forecastRunOut({ remaining: balance.remaining, recent, since, now, endsAt: row.ends_at }) };
      }
      return view;
    }));
  }

  /** Any subscription with its credit, for operators; a deleted one is still shown (what is left of it). */
  async function getAny(id: string): Promise<SubscriptionView> {
    const row = await repo.findSubscription(db, id);
    if (!row) throw new NotFoundError('This subscription');
    const [view] = await toViews([row]);
    return view!;
  }

  async function list(accountId: string): Promise<SubscriptionView[]> {
    return toViews(await repo.listSubscriptionsOfAccount(db, accountId));
  }

  /** This account's subscription; another account's is as absent as a missing one. */
  async function get(accountId: string, id: string): Promise<SubscriptionView> {
    const row = await repo.findSubscription(db, id);
    if (!row || row.account_id !== accountId) throw new NotFoundError('This subscription');
    const [view] = await toViews([row]);
    return view!;
  }

  /** Any subscription, for the modules that act on it (provisioning); read with the caller's handle. */
  async function find(handle: DbOrTrx, id: string): Promise<SubscriptionRecord | undefined> {
    const row = await repo.findSubscription(handle, id);
    return row ? toSubscriptionRecord(row) : undefined;
  }

  /** The current status only, for event streams that re-check the database. */
  async function currentStatus(accountId: string, id: string): Promise<{ status: SubscriptionStatus; updatedAt: string }> {
    const row = await repo.findSubscription(db, id);
    if (!row || row.account_id !== accountId) throw new NotFoundError('This subscription');
    return { status: row.status, updatedAt: row.updated_at };
  }

  async function passForActivation(accountId: string, redemptionId: string): Promise<PassForActivation> {
    const pass = await redemptions.passForActivation(db, redemptionId);
    if (!pass || pass.accountId !== accountId) throw new NotFoundError('This pass');
    return pass;
  }

  async function awaitingActivation(accountId: string): Promise<PassForActivation[]> {
    return redemptions.awaitingActivation(accountId);
  }

  // ---- offers ----------------------------------------------------------------

  async function offers(account: AccountView): Promise<Offer[]> {
    const [trial, usedTrial, waiting] = await Promise.all([
      settings.freeTrial(), repo.findTrialOfAccount(db, account.id), awaitingActivation(account.id),
    ]);
    const pass: Offer = {
      id: 'pass', name: 'Pass',
      description: 'Activate a pass from a promo code: its credit and length are set by the pass. No payment method is needed.',
      eligible: true, paymentMethodRequired: false, awaitingActivation: waiting,
    };
    // Off by default: an operator turns it on in the console (or PUT /settings/free-trial).
    if (!trial.enabled) return [pass];
    return [
      pass,
      {
        id: 'free-trial', name: 'Free trial',
        description: 'Try the cloud with free credit, once per account. No payment method is needed.',
        credit: trial.credit, days: trial.days, eligible: !usedTrial, paymentMethodRequired: false,
      },
    ];
  }

  // ---- activation --------------------------------------------------------------

  async function activate(account: AccountView, request: ActivationRequest, options: { idempotencyKey?: string; actor: Actor; phoneRequired?: boolean }): Promise<ActivationResult> {
    const key = options.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      throw new ValidationError([{ path: 'Idempotency-Key', message: 'The Idempotency-Key header must be 1 to 200 visible ASCII characters.' }]);
    }
    const requestHash = hashRequest(request);
    if (key !== undefined) {
      const replay = await replayKey(account.id, key, requestHash);
      if (replay) return replay;
    }
    if (!account.emailVerified) {
      throw new DomainError('email_not_verified', 'Verify your email address first: open the link we emailed you.');
    }
    const { profile, errors } = parseProfile(request.profile, { phoneRequired: options.phoneRequired });
    if (errors.length > 0) {
      // Every field at once: what does not match the account too, not in a second round once the rest is right.
      const country = await profileCountryOf(account, request);
      const mismatches = country === undefined ? [] : profileMismatches(account, profile, country, request.offer);
      throw new ValidationError([...errors, ...mismatches.filter((m) => !errors.some((e) => e.path === m.path))]);
    }

    const plan = await planActivation(account, request);
    if ('existing' in plan) {
      const result: ActivationResult = { created: false, subscription: plan.existing };
      if (key !== undefined) await rememberKey(account.id, key, requestHash, result);
      return result;
    }
    checkProfileMatches(account, profile, plan.country, request.offer);

    try {
      const result = await createSubscription(account, profile, plan, { key, requestHash, actor: options.actor });
      metrics.activations.inc({ offer: request.offer });
      platform.committed();
      await events.publish({ subscriptionId: result.subscription.id, status: 'pending', at: result.subscription.createdAt });
      return result;
    } catch (error) {
      if (!(error instanceof ActivationRace) && !repo.isUniqueViolation(error)) throw error;
      return settleRace(account, request, key, requestHash);
    }
  }

  interface ActivationPlan {
    offer: SubscriptionOffer;
    redemptionId: string | null;
    country: string;
    credit: Money;
    validityDays: number;
    campaignName: string | null;
  }

  async function planActivation(account: AccountView, request: ActivationRequest): Promise<ActivationPlan | { existing: SubscriptionView }> {
    if (request.offer === 'free-trial') {
      if (await repo.findTrialOfAccount(db, account.id)) throw trialAlreadyUsed();
      const trial = await settings.freeTrial();
      if (!trial.enabled) throw new DomainError('free_trial_off', 'The free trial is not offered at the moment.');
      return { offer: 'free-trial', redemptionId: null, country: account.country, credit: trial.credit, validityDays: trial.days, campaignName: null };
    }
    const pass = await passForActivation(account.id, request.redemptionId);
    // A redemption still 'redeemed' has no subscription: the activation marks it in the same transaction
    // (and the unique redemption_id settles any race). Only other states need the lookup.
    if (pass.state !== 'redeemed') {
      const existing = await repo.findSubscriptionByRedemption(db, pass.redemptionId);
      if (existing) return { existing: (await toViews([existing]))[0]! };
      if (pass.state === 'released') throw passReleased();
    }
    return {
      offer: 'pass', redemptionId: pass.redemptionId, country: pass.country,
      credit: pass.campaign.credit, validityDays: pass.campaign.validityDays,
      campaignName: pass.campaign.name,
    };
  }

  /** The country a profile must name: the pass's (when it is this account's), or the account's for the trial. */
  async function profileCountryOf(account: AccountView, request: ActivationRequest): Promise<string | undefined> {
    if (request.offer === 'free-trial') return account.country;
    const pass = await redemptions.passForActivation(db, request.redemptionId);
    return pass?.accountId === account.id ? pass.country : undefined;
  }

  function checkProfileMatches(account: AccountView, profile: ActivationProfile, country: string, offer: SubscriptionOffer) {
    const errors = profileMismatches(account, profile, country, offer);
    if (errors.length > 0) {
      throw new DomainError('profile_mismatch', 'The details must match your account: ' + errors.map((e) => e.message).join(' '), { errors });
    }
  }

  /** The profile's fields that do not match the account (email) or the pass (country); fields left empty are not compared. */
  function profileMismatches(account: AccountView, profile: Partial<ActivationProfile>, country: string, offer: SubscriptionOffer): FieldError[] {
    const errors: FieldError[] = [];
    if (profile.email && !sameEmail(profile.email, account.email)) {
      errors.push({ path: 'profile.email', message: `Use the email address of the account you are signed in with: ${account.email}.` });
    }
    if (profile.country && profile.country !== country) {
      const whose = offer === 'pass' ? 'the country this pass was redeemed for' : 'your account\'s country';
      errors.push({ path: 'profile.country', message: `Select ${whose}: ${countryName(country)}.` });
    }
    return errors;
  }

  async function createSubscription(
    account: AccountView, profile: ActivationProfile, plan: ActivationPlan,
    options: { key: string | undefined; requestHash: string; actor: Actor },
  ): Promise<ActivationResult> {
    const at = iso(clock.now());
    const id = newId();
    const row: repo.SubscriptionRow = {
      id, account_id: account.id, offer: plan.offer, redemption_id: plan.redemptionId, status: 'pending',
      credit_currency: plan.credit.currency, validity_days: plan.validityDays, starts_at: null, ends_at: null,
      external_id: null, profile: JSON.stringify(profile), failure_reason: null, disabled_reason: null, stopped_at: null,
      created_at: at, updated_at: at,
      campaign_name: plan.campaignName,
    };
    return db.transaction().execute(async (trx) => {
      const { campaign_name: _campaignName, ...inserted } = row;
      await repo.insertSubscription(trx, inserted);
      await credit.grant(trx, id, plan.credit.amount, plan.credit.currency);
      if (plan.redemptionId !== null && !(await redemptions.markActivated(trx, plan.redemptionId, id, at))) {
        throw new ActivationRace();
      }
      await platform.provision(trx, id);
      await audit.record(trx, options.actor, 'subscription.created', 'subscription', id, {
        offer: plan.offer, redemptionId: plan.redemptionId, credit: plan.credit, validityDays: plan.validityDays,
      });
      const balance: CreditBalance = { granted: plan.credit.amount, adjusted: 0, used: 0, remaining: plan.credit.amount };
      const result: ActivationResult = { created: true, subscription: toSubscriptionView(row, balance, 0) };
      if (options.key !== undefined) {
        await repo.insertIdempotencyKey(trx, keyRecord(account.id, options.key, options.requestHash, result, at));
      }
      return result;
    });
  }

  /** Another request won: answer with what it made (or what its key recorded). */
  async function settleRace(account: AccountView, request: ActivationRequest, key: string | undefined, requestHash: string): Promise<ActivationResult> {
    if (key !== undefined) {
      const replay = await replayKey(account.id, key, requestHash);
      if (replay) return replay;
    }
    if (request.offer === 'free-trial') throw trialAlreadyUsed();
    const existing = await repo.findSubscriptionByRedemption(db, request.redemptionId);
    if (!existing) {
      const pass = await redemptions.passForActivation(db, request.redemptionId);
      if (pass?.state === 'released') throw passReleased();
      throw new DomainError('conflict', 'This pass changed while you were signing up. Reload the page and try again.');
    }
    const result: ActivationResult = { created: false, subscription: (await toViews([existing]))[0]! };
    if (key !== undefined) await rememberKey(account.id, key, requestHash, result);
    return result;
  }

  async function replayKey(accountId: string, key: string, requestHash: string): Promise<ActivationResult | undefined> {
    const record = await repo.findIdempotencyKey(db, accountId, key);
    if (!record) return undefined;
    const subscription = JSON.parse(record.response) as SubscriptionView;
    if (record.requestHash !== requestHash) {
      throw new DomainError('idempotency_key_reused', 'This Idempotency-Key was already used with a different request.', { subscriptionId: subscription.id });
    }
    return { created: record.created, subscription };
  }

  async function rememberKey(accountId: string, key: string, requestHash: string, result: ActivationResult) {
    await repo.insertIdempotencyKeyIfAbsent(db, keyRecord(accountId, key, requestHash, result, iso(clock.now())));
    // A concurrent request may have recorded the key first, possibly for another body.
    await replayKey(accountId, key, requestHash);
  }

  // ---- cancelling -------------------------------------------------------------

  async function cancel(account: AccountView, id: string, actor: Actor): Promise<SubscriptionView> {
    const row = await repo.findSubscription(db, id);
    if (!row || row.account_id !== account.id) throw new NotFoundError('This subscription');
    if (row.status === 'cancelled') return get(account.id, id);
    const changed = await db.transaction().execute((trx) => markCancelled(trx, { id, status: row.status }, actor));
    if (changed) platform.committed();
    const view = await get(account.id, id);
    if (!changed && view.status !== 'cancelled') {
      throw new DomainError('conflict', `This subscription is ${view.status} and can no longer be cancelled.`);
    }
    if (changed) await events.publish({ subscriptionId: id, status: 'cancelled', at: view.updatedAt });
    return view;
  }

  // ---- moves: each the one conditional write of the status, with its audit entry -----------------

  /** Makes the move and records it, in the caller's transaction; false when the subscription was not in a status it starts from. */
  async function move(trx: Trx, id: string, name: MoveName, facts: repo.StatusFacts, actor: Actor, details: Record<string, unknown>): Promise<boolean> {
    if (!(await repo.changeStatus(trx, id, name, facts, iso(clock.now())))) return false;
    await audit.record(trx, actor, MOVES[name].audit, 'subscription', id, details);
    return true;
  }

  /** pending → provisioning: the platform has been asked, so the status page shows that work has started. */
  async function markProvisioning(trx: Trx, id: string, actor: Actor, details: Record<string, unknown> = {}): Promise<boolean> {
    return move(trx, id, 'provisioning', {}, actor, details);
  }

  /** pending or provisioning → active: the platform runs it as `externalId`, valid from `startsAt` to `endsAt`. */
  async function markActive(
    trx: Trx, id: string, platformFacts: { externalId: string; startsAt: string; endsAt: string }, actor: Actor, details: Record<string, unknown> = {},
  ): Promise<boolean> {
    return move(trx, id, 'activation', platformFacts, actor, { externalId: platformFacts.externalId, ...details });
  }

  /** pending or provisioning → failed, for good, with the reason kept. */
  async function markFailed(trx: Trx, id: string, reason: string, actor: Actor, details: Record<string, unknown> = {}): Promise<boolean> {
    return move(trx, id, 'failure', { failureReason: reason }, actor, { reason, ...details });
  }

  /**
   * → cancelled, from `subscription.status` as the caller read it; one the platform may run is also
   * disabled there (once the transaction commits).
   */
  async function markCancelled(trx: Trx, subscription: { id: string; status: SubscriptionStatus }, actor: Actor): Promise<boolean> {
    const facts = { disabledReason: 'cancelled', stoppedAt: iso(clock.now()) };
    if (!(await move(trx, subscription.id, 'cancellation', facts, actor, { from: subscription.status }))) return false;
    if (ON_PLATFORM.has(subscription.status)) await platform.disable(trx, subscription.id, 'cancelled');
    return true;
  }

  /** active → disabled (its credit ran out, or an operator stopped it); the platform is told to stop it. */
  async function markDisabled(trx: Trx, id: string, reason: DisableReason, actor: Actor, details: Record<string, unknown> = {}): Promise<boolean> {
    if (!(await move(trx, id, 'disabling', { disabledReason: reason, stoppedAt: iso(clock.now()) }, actor, { reason, ...details }))) return false;
    await platform.disable(trx, id, reason);
    return true;
  }

  /** active or disabled → expired (its end date passed); the platform is told where it was still running. */
  async function markExpired(trx: Trx, subscription: { id: string; status: SubscriptionStatus }, actor: Actor): Promise<boolean> {
    const facts = { disabledReason: 'expired', stoppedAt: iso(clock.now()) };
    if (!(await move(trx, subscription.id, 'expiry', facts, actor, { from: subscription.status }))) return false;
    if (subscription.status === 'active') await platform.disable(trx, subscription.id, 'expired');
    return true;
  }

  /** disabled or expired → active again; the platform is asked to run it again as the same externalId. */
  async function markReenabled(trx: Trx, id: string, actor: Actor, details: Record<string, unknown> = {}): Promise<boolean> {
    if (!(await move(trx, id, 'reenabling', { disabledReason: null, stoppedAt: null }, actor, details))) return false;
    await platform.reprovision(trx, id);
    return true;
  }

  /** disabled, expired or cancelled → deleted: the activation profile is forgotten and the platform told to delete it. */
  async function markDeleted(trx: Trx, id: string, actor: Actor, details: Record<string, unknown> = {}): Promise<boolean> {
    if (!(await move(trx, id, 'deletion', { profile: '{}' }, actor, details))) return false;
    await platform.remove(trx, id);
    return true;
  }

  /** An operator moves the end date (earlier or later); audited. False when it has no end date yet or is deleted. */
  async function moveEnd(trx: Trx, id: string, endsAt: string, actor: Actor, details: Record<string, unknown> = {}): Promise<boolean> {
    if (!(await repo.setEndsAt(trx, id, endsAt, iso(clock.now())))) return false;
    await audit.record(trx, actor, 'subscription.end_moved', 'subscription', id, { endsAt, ...details });
    return true;
  }

  /** Subscriptions in `statuses` ending in (after, before], soonest first (the lifecycle's sweep). */
  async function endingBetween(statuses: readonly SubscriptionStatus[], after: string | null, before: string, limit: number) {
    return (await repo.findEndingBetween(db, statuses, after, before, limit)).map(toDue);
  }

  /** Subscriptions in `statuses` that stopped in (after, before], earliest first (the lifecycle's sweep). */
  async function stoppedBetween(statuses: readonly SubscriptionStatus[], after: string | null, before: string, limit: number) {
    return (await repo.findStoppedBetween(db, statuses, after, before, limit)).map(toDue);
  }

  /** Status and currency of each of `ids` that exists (the usage API checks a batch's subscriptions). */
  async function statusesOf(handle: DbOrTrx, ids: readonly string[]): Promise<Map<string, { status: SubscriptionStatus; currency: string }>> {
    const rows = await repo.findStatuses(handle, ids);
    return new Map(rows.map((r) => [r.id, { status: r.status, currency: r.credit_currency }]));
  }

  /** Keeps the platform's id of a subscription cancelled while the platform created it (its status stays cancelled). */
  async function keepExternalIdOfCancelled(handle: DbOrTrx, id: string, externalId: string): Promise<boolean> {
    return repo.keepExternalIdOfCancelled(handle, id, externalId);
  }

  /** Housekeeping: forgets keys older than IDEMPOTENCY_KEY_TTL_MS; returns how many. */
  async function purgeIdempotencyKeys(): Promise<number> {
    return repo.deleteIdempotencyKeysCreatedBefore(db, iso(new Date(clock.now().getTime() - IDEMPOTENCY_KEY_TTL_MS)));
  }

  return {
    list, get, find, currentStatus, passForActivation, awaitingActivation, offers, activate, cancel, purgeIdempotencyKeys,
    markProvisioning, markActive, markFailed, markCancelled, keepExternalIdOfCancelled,
    getAny, markDisabled, markExpired, markReenabled, markDeleted, moveEnd, endingBetween, stoppedBetween, statusesOf,
  };
}

export type SubscriptionService = ReturnType<typeof createSubscriptionService>;

// ---- mapping -------------------------------------------------------------------------

const nameOf = (row: repo.SubscriptionRow) => (row.offer === 'free-trial' ? 'Free trial' : (row.campaign_name ?? 'Pass'));

const DAY_MS = 24 * 60 * 60 * 1000;

/** When the retention period of a stopped subscription ends; null while it runs (or once deleted). */
export function deleteAtOf(row: { status: SubscriptionStatus; stopped_at: string | null }, retentionDays: number): string | null {
  if (!row.stopped_at || !(RETAINED as readonly string[]).includes(row.status)) return null;
  return iso(new Date(Date.parse(row.stopped_at) + retentionDays * DAY_MS));
}

const toDue = (row: repo.DueRow) => ({ id: row.id, status: row.status, endsAt: row.ends_at, stoppedAt: row.stopped_at });

export function toSubscriptionView(row: repo.SubscriptionRow, balance: CreditBalance, retentionDays: number): SubscriptionView {
  const currency = row.credit_currency;
  return {
    id: row.id,
    offer: row.offer,
    name: nameOf(row),
    status: row.status,
    credit: {
      granted: { amount: balance.granted, currency }, used: { amount: balance.used, currency },
      remaining: { amount: balance.remaining, currency }, currency,
    },
    forecast: { runOutAt: null },
    disabledReason: (DISABLE_REASONS as readonly string[]).includes(row.disabled_reason ?? '') ? row.disabled_reason as DisableReason : null,
    deleteAt: deleteAtOf(row, retentionDays),
    validityDays: row.validity_days,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    externalId: row.external_id,
    redemptionId: row.redemption_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toSubscriptionRecord(row: repo.SubscriptionRow): SubscriptionRecord {
  return {
    id: row.id, accountId: row.account_id, offer: row.offer, name: nameOf(row), status: row.status, redemptionId: row.redemption_id,
    profile: parseStoredProfile(row.profile), currency: row.credit_currency, validityDays: row.validity_days, startsAt: row.starts_at,
    endsAt: row.ends_at, externalId: row.external_id, failureReason: row.failure_reason, disabledReason: row.disabled_reason,
    stoppedAt: row.stopped_at, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function parseStoredProfile(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function keyRecord(accountId: string, key: string, requestHash: string, result: ActivationResult, at: string): repo.IdempotencyRecord {
  return { accountId, key, requestHash, created: result.created, response: JSON.stringify(result.subscription), createdAt: at };
}

/** SHA-256 of an activation request with object keys sorted, so the same body in another key order is the same request. */
export function hashRequest(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const trialAlreadyUsed = () => new DomainError('trial_already_used', 'This account has already had its free trial.');
const passReleased = () => new DomainError('conflict', 'This pass was released and is no longer yours. Redeem the promo code again to use it.');
