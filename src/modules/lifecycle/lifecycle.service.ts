// A subscription's life after activation: usage reported by the platform runs its credit down; credit
// at or below zero disables it, its end date expires it, and the retention period after it stopped
// deletes it; the recipient is emailed on the way, each email once. All of it runs through the job queue
// (jobs with a run-at time in the database), so any number of processes share the work, each transition
// and each email happens once, and a service that was down catches up when it starts:
// - usage that crosses a warning threshold or zero enqueues a check of that subscription, in the usage's
//   own transaction, so it is acted on within seconds;
// - a recurring sweep (every SWEEP_INTERVAL_MS) expires, deletes and sends the time-based warnings.
// Status changes go through the subscriptions service's moves (one writer, each audited).
import type { Config } from '../../config.ts';
import type { Db, Trx } from '../../db/database.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AccountService } from '../accounts/accounts.service.ts';
import { systemActor, type Actor, type AuditService } from '../audit/audit.service.ts';
import { creditTotal, percentUsed, type CreditBalance, type CreditService, type LedgerEntryView, type UsageRow } from '../credit/credit.service.ts';
import type { JobQueue, RecurringJob } from '../jobs/jobs.service.ts';
import type { JobHandler, JobLog } from '../jobs/job-worker.ts';
import type { MailService } from '../mail/mail.service.ts';
import type { LifecycleSettings, SettingsService } from '../settings/settings.service.ts';
import type { SubscriptionEvent } from '../subscriptions/subscription-events.ts';
import { RETAINED, type SubscriptionStatus } from '../subscriptions/subscription-status.ts';
import {
  deleteAtOf, type SubscriptionRecord, type SubscriptionService, type SubscriptionView,
} from '../subscriptions/subscriptions.service.ts';
import * as repo from './lifecycle.repository.ts';
import * as mails from './lifecycle.mails.ts';

export const CHECK_JOB = 'lifecycle.check';
export const SWEEP_JOB = 'lifecycle.sweep';
/** Expiry is due "within a minute" of the end date: the sweep runs four times a minute. */
export const SWEEP_INTERVAL_MS = 15_000;
export const MAX_USAGE_EVENTS = 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
const DELETION_WARNING_DAYS = 7;
/** How many subscriptions one sweep step takes at a time. */
const SWEEP_BATCH = 200;
/** How many warning candidates one query reads. */
const NOTICE_PAGE = 500;

export interface UsageEventInput {
  id: string;
  subscriptionId: string;
  amount: number;
  meter: string;
  occurredAt: string;
}

export interface SubscriptionPatch {
  endsAt?: string;
  creditAdjustment?: { amount: number; reason: string };
}

export interface SubscriptionExport {
  subscription: SubscriptionView;
  ledger: LedgerEntryView[];
  usage: Array<{ id: string | null; meter: string | null; amount: number; currency: string; occurredAt: string | null }>;
}

export interface LifecycleDeps {
  db: Db;
  clock: Clock;
  config: Config;
  audit: AuditService;
  settings: Pick<SettingsService, 'lifecycle'>;
  credit: Pick<CreditService, 'applyUsage' | 'adjust' | 'balance' | 'balances' | 'usageByDay' | 'usageByMeter' | 'entries' | 'forgetUsageDetail'>;
  subscriptions: Pick<SubscriptionService,
    'find' | 'get' | 'getAny' | 'statusesOf' | 'markDisabled' | 'markExpired' | 'markReenabled' | 'markDeleted' | 'moveEnd'
    | 'endingBetween' | 'stoppedBetween'>;
  accounts: Pick<AccountService, 'findAccount'>;
  mail: Pick<MailService, 'sendWithin'>;
  jobs: Pick<JobQueue, 'enqueue' | 'wake'>;
  events?: { publish(event: SubscriptionEvent): Promise<void> };
}

const silentLog: JobLog = { info: () => {}, warn: () => {}, error: () => {} };

export function createLifecycleService(deps: LifecycleDeps) {
  const { db, clock, config, audit, settings, credit, subscriptions, accounts, mail, jobs } = deps;

  // ---- usage ------------------------------------------------------------------

  /**
   * Applies a batch of usage events, each once by its id. The batch is checked whole first: one bad event
   * or unknown subscription and nothing is applied. Usage after a subscription stopped is recorded too.
   */
  async function recordUsage(events: readonly UsageEventInput[]): Promise<{ accepted: number; duplicates: number }> {
    const rows = checkUsage(events);
    const targets = await subscriptions.statusesOf(db, [...new Set(rows.map((r) => r.subscriptionId))]);
    const unknown = rows.findIndex((r) => { const t = targets.get(r.subscriptionId); return !t || t.status === 'deleted'; });
    if (unknown >= 0) {
      throw new DomainError('not_found', `Subscription ${rows[unknown]!.subscriptionId} was not found.`, {
        errors: [{ path: `/events/${events.findIndex((e) => e.subscriptionId === rows[unknown]!.subscriptionId)}/subscriptionId`, message: 'no such subscription' }],
      });
    }
    // One event per id in this batch (the first); the database skips ids it already has.
    const seen = new Set<string>();
    const unique: UsageRow[] = [];
    for (const row of rows) {
      if (seen.has(row.eventId)) continue;
      seen.add(row.eventId);
      row.currency = targets.get(row.subscriptionId)!.currency;
      unique.push(row);
    }
    const lifecycle = await settings.lifecycle();
    const { accepted, checks } = await db.transaction().execute(async (trx) => {
      const result = await credit.applyUsage(trx, unique);
      const crossed = result.applied.filter((a) => crossesSomething(a.before, a.after, lifecycle.creditWarningsPercent));
      for (const a of crossed) await jobs.enqueue(trx, { type: CHECK_JOB, payload: { subscriptionId: a.subscriptionId } });
      return { accepted: result.accepted, checks: crossed.length };
    });
    if (checks > 0) jobs.wake();
    return { accepted, duplicates: events.length - accepted };
  }

  /** The batch as ledger rows (currency still to be filled in from the subscription), or every problem in it. */
  function checkUsage(events: readonly UsageEventInput[]): UsageRow[] {
    const errors: FieldError[] = [];
    if (events.length < 1 || events.length > MAX_USAGE_EVENTS) {
      throw new ValidationError([{ path: '/events', message: `must hold 1 to ${MAX_USAGE_EVENTS} events` }]);
    }
    const rows = events.map((event, i) => {
      const at = `/events/${i}`;
      if (typeof event.id !== 'string' || event.id.length < 1 || event.id.length > 128) errors.push({ path: `${at}/id`, message: 'must be 1 to 128 characters' });
      if (typeof event.subscriptionId !== 'string' || event.subscriptionId === '') errors.push({ path: `${at}/subscriptionId`, message: 'is required' });
      if (!Number.isSafeInteger(event.amount) || event.amount < 1) errors.push({ path: `${at}/amount`, message: 'must be a positive whole number of minor units' });
      if (typeof event.meter !== 'string' || event.meter.length < 1 || event.meter.length > 64) errors.push({ path: `${at}/meter`, message: 'must be 1 to 64 characters' });
      const occurredAt = rfc3339(event.occurredAt);
      if (!occurredAt) errors.push({ path: `${at}/occurredAt`, message: 'must be an RFC 3339 date-time, such as 2026-12-02T10:00:00Z' });
      return { id: newId(), eventId: event.id, subscriptionId: event.subscriptionId, amount: event.amount, currency: '', meter: event.meter, occurredAt: occurredAt ?? '' };
    });
    if (errors.length > 0) throw new ValidationError(errors);
    return rows;
  }

  // ---- operators ----------------------------------------------------------------

  /**
   * Moves the end date and/or adjusts the credit, in one transaction, audited. A subscription that runs
   * out of credit by it is checked at once; an expired or credit-exhausted one that has credit and time
   * again is re-enabled (the platform asked to run it again).
   */
  async function updateSubscription(id: string, patch: SubscriptionPatch, actor: Actor): Promise<SubscriptionView> {
    const errors: FieldError[] = [];
    const endsAt = patch.endsAt === undefined ? undefined : rfc3339(patch.endsAt);
    if (endsAt === null) errors.push({ path: 'endsAt', message: 'must be an RFC 3339 date-time' });
    const adjustment = patch.creditAdjustment;
    if (adjustment && (!Number.isSafeInteger(adjustment.amount) || adjustment.amount === 0)) {
      errors.push({ path: 'creditAdjustment.amount', message: 'must be a whole, non-zero number of minor units' });
    }
    if (adjustment && adjustment.reason.trim() === '') errors.push({ path: 'creditAdjustment.reason', message: 'say why' });
    if (errors.length > 0) throw new ValidationError(errors);

    const now = clock.now();
    const moved = await db.transaction().execute(async (trx) => {
      const subscription = await subscriptions.find(trx, id);
      if (!subscription || subscription.status === 'deleted') throw new NotFoundError('This subscription');
      if (endsAt && !(await subscriptions.moveEnd(trx, id, endsAt, actor, { from: subscription.endsAt }))) {
        throw new DomainError('conflict', `This subscription is ${subscription.status} and has no end date to move yet.`);
      }
      let balance: CreditBalance | undefined;
      if (adjustment) {
        balance = await credit.adjust(trx, id, adjustment.amount, subscription.currency, adjustment.reason.trim());
        await audit.record(trx, actor, 'subscription.credit_adjusted', 'subscription', id, {
          amount: adjustment.amount, currency: subscription.currency, reason: adjustment.reason.trim(), remaining: balance.remaining,
        });
      }
      balance ??= await credit.balance(trx, id);
      const end = endsAt ?? subscription.endsAt;
      const timeLeft = end !== null && Date.parse(end) > now.getTime();
      const stoppedForCredit = subscription.status === 'disabled' && subscription.disabledReason === 'credit_exhausted';
      if (balance.remaining > 0 && timeLeft && (subscription.status === 'expired' || stoppedForCredit)) {
        await subscriptions.markReenabled(trx, id, actor, { reason: endsAt !== undefined ? 'end_moved' : 'credit_added' });
        return 'active' as const;
      }
      if (subscription.status === 'active' && balance.remaining <= 0) {
        await jobs.enqueue(trx, { type: CHECK_JOB, payload: { subscriptionId: id } });
      }
      return undefined;
    });
    jobs.wake();
    if (moved) await publish(id, moved, iso(now), silentLog);
    return subscriptions.getAny(id);
  }

  // ---- reading: usage series and export -----------------------------------------------

  /** Owner (accountId) or operator (accountId null) reads a subscription: another account's is not found. */
  async function viewFor(accountId: string | null, id: string): Promise<SubscriptionView> {
    return accountId === null ? subscriptions.getAny(id) : subscriptions.get(accountId, id);
  }

  async function usageSeries(accountId: string | null, id: string, by: 'day' | 'meter'): Promise<{ series: Array<{ key: string; amount: number }> }> {
    const view = await viewFor(accountId, id);
    if (view.status === 'deleted') throw new NotFoundError('This subscription');
    return { series: by === 'day' ? await credit.usageByDay(db, id) : await credit.usageByMeter(db, id) };
  }

  /** Everything about a subscription the recipient may take away, until it is deleted. */
  async function exportSubscription(accountId: string | null, id: string): Promise<SubscriptionExport> {
    const view = await viewFor(accountId, id);
    if (view.status === 'deleted') throw new NotFoundError('This subscription');
    const ledger = await credit.entries(db, id);
    const usage = ledger.filter((e) => e.kind === 'usage').map((e) => ({
      id: e.usageEventId, meter: e.note, amount: -e.amount, currency: e.currency, occurredAt: e.occurredAt,
    }));
    return { subscription: view, ledger, usage };
  }

  // ---- the credit check (a job per crossing) ---------------------------------------------

  /** Disables a subscription whose credit is gone and sends the warnings its usage has reached, each once. */
  async function checkCredit(subscriptionId: string, log: JobLog = silentLog): Promise<void> {
    const subscription = await subscriptions.find(db, subscriptionId);
    if (!subscription || (subscription.status !== 'active' && subscription.status !== 'disabled')) return;
    const lifecycle = await settings.lifecycle();
    const recipient = await recipientOf(subscription);
    const now = clock.now();
    const afterCommit: Array<() => void> = [];
    const disabled = await db.transaction().execute(async (trx) => {
      const balance = await credit.balance(trx, subscriptionId);
      let disabledNow = false;
      if (subscription.status === 'active' && balance.remaining <= 0) {
        disabledNow = await subscriptions.markDisabled(trx, subscriptionId, 'credit_exhausted', systemActor, { remaining: balance.remaining });
        if (disabledNow && recipient) {
          const deleteAt = iso(addMs(now, lifecycle.retentionDays * DAY_MS));
          await notify(trx, subscriptionId, `disabled@${iso(now)}`, afterCommit,
            () => mails.stopped(config.publicUrl, recipient, forMail(subscription, balance), 'disabled', deleteAt));
        }
      }
      // Thresholds reached: each recorded once; only the highest new one is mailed, and none when the
      // same usage also disabled it (that mail says more).
      const reached = lifecycle.creditWarningsPercent.filter((p) => percentUsed(balance) >= p);
      let highest: number | undefined;
      for (const percent of reached) {
        if (await repo.insertNotice(trx, subscriptionId, `credit-${percent}`, iso(now))) highest = percent;
      }
      if (highest !== undefined && !disabledNow && subscription.status === 'active' && recipient) {
        const percent = highest;
        afterCommit.push(await mail.sendWithin(trx, mails.creditWarning(config.publicUrl, recipient, forMail(subscription, balance), percent)));
      }
      return disabledNow;
    });
    for (const deliver of afterCommit) deliver();
    jobs.wake();
    if (disabled) {
      log.info({ subscription: subscriptionId }, 'subscription disabled: its credit is used up');
      await publish(subscriptionId, 'disabled', iso(now), log);
    }
  }

  // ---- the sweep (a recurring job) ------------------------------------------------------

  /** Everything that is due by time: expiry, deletion, end and deletion warnings. Safe to run anywhere, any time. */
  async function sweep(log: JobLog = silentLog): Promise<{ expired: number; deleted: number; warned: number }> {
    const lifecycle = await settings.lifecycle();
    const expired = await expireDue(lifecycle, log);
    const deleted = await deleteDue(lifecycle, log);
    const warned = await warnEnding(lifecycle) + await warnDeletion(lifecycle);
    if (expired + deleted + warned > 0) jobs.wake();
    return { expired, deleted, warned };
  }

  async function expireDue(lifecycle: LifecycleSettings, log: JobLog): Promise<number> {
    let count = 0;
    for (;;) {
      const before = count;
      const now = clock.now();
      const due = await subscriptions.endingBetween(['active', 'disabled'], null, iso(now), SWEEP_BATCH);
      for (const { id, status } of due) {
        const subscription = await subscriptions.find(db, id);
        if (!subscription) continue;
        const recipient = await recipientOf(subscription);
        const afterCommit: Array<() => void> = [];
        const changed = await db.transaction().execute(async (trx) => {
          if (!(await subscriptions.markExpired(trx, { id, status }, systemActor))) return false;
          if (recipient) {
            const balance = await credit.balance(trx, id);
            const deleteAt = iso(addMs(now, lifecycle.retentionDays * DAY_MS));
            await notify(trx, id, `expired@${iso(now)}`, afterCommit,
              () => mails.stopped(config.publicUrl, recipient, forMail(subscription, balance), 'expired', deleteAt));
          }
          return true;
        });
        for (const deliver of afterCommit) deliver();
        if (changed) {
          count++;
          log.info({ subscription: id, from: status }, 'subscription expired');
          await publish(id, 'expired', iso(now), log);
        }
      }
      // A full page that changed nothing (each was moved on meanwhile) would come back the same: stop.
      if (due.length < SWEEP_BATCH || count === before) return count;
    }
  }

  async function deleteDue(lifecycle: LifecycleSettings, log: JobLog): Promise<number> {
    let count = 0;
    for (;;) {
      const before = count;
      const now = clock.now();
      const cutoff = iso(addMs(now, -lifecycle.retentionDays * DAY_MS));
      const due = await subscriptions.stoppedBetween(RETAINED, null, cutoff, SWEEP_BATCH);
      for (const { id, status } of due) {
        const changed = await db.transaction().execute(async (trx) => {
          if (!(await subscriptions.markDeleted(trx, id, systemActor, { from: status, retentionDays: lifecycle.retentionDays }))) return false;
          await credit.forgetUsageDetail(trx, id);
          return true;
        });
        if (changed) {
          count++;
          log.info({ subscription: id, from: status }, 'subscription deleted after its retention period');
          await publish(id, 'deleted', iso(now), log);
        }
      }
      if (due.length < SWEEP_BATCH || count === before) return count;
    }
  }

  /**
   * End warnings: for each warning day d (7, 1), the active subscriptions ending within d days but not
   * within the next smaller warning day, each mailed once per end date (a moved end date warns again).
   */
  async function warnEnding(lifecycle: LifecycleSettings): Promise<number> {
    const now = clock.now();
    const days = [...lifecycle.endWarningsDays].sort((a, b) => b - a);
    let sent = 0;
    for (const [i, d] of days.entries()) {
      // Page by end date: the ones already warned are skipped after they are read.
      let after = iso(addMs(now, (days[i + 1] ?? 0) * DAY_MS));
      for (;;) {
        const due = await subscriptions.endingBetween(['active'], after, iso(addMs(now, d * DAY_MS)), NOTICE_PAGE);
        sent += await noticeEach(due, (s) => `ends-in-${d}@${s.endsAt}`, (subscription, recipient, balance) =>
          mails.endWarning(config.publicUrl, recipient, forMail(subscription, balance), d));
        if (due.length < NOTICE_PAGE) break;
        after = due.at(-1)!.endsAt!;
      }
    }
    return sent;
  }

  /** Seven days before deletion (when the retention period is longer than that): a last call to download. */
  async function warnDeletion(lifecycle: LifecycleSettings): Promise<number> {
    if (lifecycle.retentionDays <= DELETION_WARNING_DAYS) return 0;
    const now = clock.now();
    let from = iso(addMs(now, -lifecycle.retentionDays * DAY_MS));
    const to = iso(addMs(now, (DELETION_WARNING_DAYS - lifecycle.retentionDays) * DAY_MS));
    let sent = 0;
    for (;;) {
      const due = await subscriptions.stoppedBetween(RETAINED, from, to, NOTICE_PAGE);
      sent += await noticeEach(due, (s) => `deletion-in-${DELETION_WARNING_DAYS}@${s.stoppedAt}`, (subscription, recipient) => {
        const deleteAt = deleteAtOf({ status: subscription.status, stopped_at: subscription.stoppedAt }, lifecycle.retentionDays);
        return mails.deletionWarning(config.publicUrl, recipient, forMail(subscription, undefined), deleteAt ?? iso(addMs(now, DELETION_WARNING_DAYS * DAY_MS)));
      });
      if (due.length < NOTICE_PAGE) return sent;
      from = due.at(-1)!.stoppedAt!;
    }
  }

  /** Sends `mail` about each of `due` not noticed yet under `key`, each once (the notice's key decides). */
  async function noticeEach(
    due: Array<{ id: string; status: SubscriptionStatus; endsAt: string | null; stoppedAt: string | null }>,
    key: (s: { endsAt: string | null; stoppedAt: string | null }) => string,
    message: (s: SubscriptionRecord, to: mails.Recipient, balance: CreditBalance) => ReturnType<typeof mails.endWarning>,
  ): Promise<number> {
    if (due.length === 0) return 0;
    const keys = due.map(key);
    const done = await repo.findNotices(db, due.map((s) => s.id), [...new Set(keys)]);
    let sent = 0;
    for (const [i, item] of due.entries()) {
      const notice = keys[i]!;
      if (done.has(`${item.id} ${notice}`)) continue;
      const subscription = await subscriptions.find(db, item.id);
      if (!subscription) continue;
      const recipient = await recipientOf(subscription);
      if (!recipient) continue;
      const afterCommit: Array<() => void> = [];
      await db.transaction().execute(async (trx) => {
        const balance = await credit.balance(trx, item.id);
        await notify(trx, item.id, notice, afterCommit, () => message(subscription, recipient, balance));
      });
      for (const deliver of afterCommit) deliver();
      sent += afterCommit.length;
    }
    return sent;
  }

  /** The notice's row and its mail in one transaction: the row's key lets exactly one worker send it. */
  async function notify(trx: Trx, subscriptionId: string, notice: string, afterCommit: Array<() => void>, message: () => ReturnType<typeof mails.endWarning>) {
    if (!(await repo.insertNotice(trx, subscriptionId, notice, iso(clock.now())))) return;
    afterCommit.push(await mail.sendWithin(trx, message()));
  }

  async function recipientOf(subscription: SubscriptionRecord): Promise<mails.Recipient | undefined> {
    const account = await accounts.findAccount(subscription.accountId);
    if (!account) return undefined;
    return { email: account.email, name: account.displayName, locale: mails.localeOfCountry(account.country) };
  }

  function forMail(subscription: SubscriptionRecord, balance: CreditBalance | undefined): mails.SubscriptionForMail {
    const currency = subscription.currency;
    return {
      id: subscription.id, name: subscription.name, endsAt: subscription.endsAt,
      remaining: { amount: balance?.remaining ?? 0, currency }, total: { amount: balance ? creditTotal(balance) : 0, currency },
    };
  }

  async function publish(subscriptionId: string, status: SubscriptionStatus, at: string, log: JobLog) {
    try {
      await deps.events?.publish({ subscriptionId, status, at });
    } catch (error) {
      log.warn({ subscription: subscriptionId, err: error }, 'could not publish a subscription status change');
    }
  }

  const checkHandler: JobHandler = {
    async run(payload, { log }) {
      const id = (payload as { subscriptionId?: unknown } | null)?.subscriptionId;
      if (typeof id === 'string' && id !== '') await checkCredit(id, log);
    },
  };

  const sweepJob: RecurringJob = {
    everyMs: SWEEP_INTERVAL_MS,
    async run(log) {
      await sweep(log);
    },
  };

  return {
    recordUsage, updateSubscription, usageSeries, exportSubscription, viewFor, checkCredit, sweep,
    /** The job handlers this module contributes to the worker. */
    handlers: { [CHECK_JOB]: checkHandler } as Record<string, JobHandler>,
    /** Its recurring jobs. */
    recurring: { [SWEEP_JOB]: sweepJob } as Record<string, RecurringJob>,
  };
}

export type LifecycleService = ReturnType<typeof createLifecycleService>;

/** Whether a batch took a subscription's usage across a warning threshold or its balance to zero or below. */
export function crossesSomething(before: CreditBalance, after: CreditBalance, thresholds: readonly number[]): boolean {
  if (before.remaining > 0 && after.remaining <= 0) return true;
  const was = percentUsed(before);
  const now = percentUsed(after);
  return thresholds.some((p) => was < p && now >= p);
}

/** RFC 3339 date-time, as the usage API accepts it (the route's schema uses the same pattern). */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

/** An RFC 3339 date-time as ISO 8601 UTC (what the database orders and groups by), or null. */
export function rfc3339(value: unknown): string | null {
  if (typeof value !== 'string' || !RFC3339.test(value)) return null;
  // Already in the form stored (what most platforms send): the round trip through Date only checks it.
  if (value.length === 24 && value.endsWith('Z') && value[19] === '.') {
    const ms = Date.parse(value);
    return Number.isNaN(ms) || new Date(ms).toISOString() !== value ? null : value;
  }
  const ms = Date.parse(value.replace(' ', 'T'));
  if (Number.isNaN(ms)) return null;
  const date = new Date(ms);
  return date.getUTCFullYear() >= 1970 && date.getUTCFullYear() <= 9999 ? date.toISOString() : null;
}
