// Provisioning: the job that takes a subscription from pending to active through a provisioner, the
// platform's confirmation, and what happens when it never works (failed, support case, emails, alert).
import type { Config } from '../../config.ts';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AccountService } from '../accounts/accounts.service.ts';
import { systemActor, type Actor, type AuditService } from '../audit/audit.service.ts';
import { ledgerTotals } from '../credit/credit.repository.ts';
import { enqueueJob } from '../jobs/jobs.repository.ts';
import type { JobHandler, JobLog } from '../jobs/job-worker.ts';
import type { MailMessage } from '../mail/mail.service.ts';
import type { SubscriptionEvent } from '../subscriptions/subscription-events.ts';
import { findSubscription, updateSubscriptionStatus, type SubscriptionRow } from '../subscriptions/subscriptions.repository.ts';
import type { SubscriptionStatus } from '../subscriptions/subscriptions.table.ts';
import * as mails from './provisioning.mails.ts';
import {
  createBuiltinProvisioner, createWebhookProvisioner, type Provisioner, type SubscriptionForPlatform,
} from './provisioners.ts';
import * as repo from './provisioning.repository.ts';

export const PROVISION_JOB = 'subscription.provision';
export const NOTIFY_JOB = 'subscription.notify';
/** After a 202 the platform has this long (from the first try) to confirm, then the activation fails. */
export const CONFIRM_DEADLINE_JOB = 'subscription.confirm-deadline';
export const CONFIRM_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A subscription cancelled in cloudpass that the platform may be running: tell the platform to stop it. */
export const DISABLE_JOB = 'subscription.disable';

const DAY_MS = 24 * 60 * 60 * 1000;

type Notice =
  | { kind: 'activated'; subscriptionId: string }
  | { kind: 'failed'; subscriptionId: string; caseId: string }
  | { kind: 'operator-alert'; subscriptionId: string; caseId: string; to: string };

export interface ProvisionedView {
  id: string;
  status: SubscriptionStatus;
  externalId: string | null;
  startsAt: string | null;
  endsAt: string | null;
}

export interface ProvisioningDeps {
  db: Db;
  clock: Clock;
  config: Config;
  metrics: Metrics;
  audit: AuditService;
  mail: { send(message: MailMessage): Promise<void> };
  accounts: Pick<AccountService, 'findAccount' | 'operatorAdminEmails'>;
  subscriptionEvents?: { publish(event: SubscriptionEvent): Promise<void> };
  /** Defaults from the configuration: the webhook when PROVISIONER_URL is set, else the built-in one. */
  provisioner?: Provisioner;
}

const silentLog: JobLog = { info: () => {}, warn: () => {}, error: () => {} };

export function provisionerFromConfig(config: Config, options: { webhookTimeoutMs?: number } = {}): Provisioner {
  if (config.provisionerUrl && config.provisionerSecret) {
    return createWebhookProvisioner({ url: config.provisionerUrl, secret: config.provisionerSecret, timeoutMs: options.webhookTimeoutMs });
  }
  return createBuiltinProvisioner({ delayMs: config.builtinProvisionDelayMs });
}

export function createProvisioningService(deps: ProvisioningDeps) {
  const { db, clock, config, metrics, audit, mail } = deps;
  const provisioner = deps.provisioner ?? provisionerFromConfig(config);

  async function publish(subscriptionId: string, status: SubscriptionStatus, at: string, log: JobLog) {
    try {
      await deps.subscriptionEvents?.publish({ subscriptionId, status, at });
    } catch (error) {
      log.warn({ subscription: subscriptionId, err: error }, 'could not publish a subscription status change');
    }
  }

  type Activation =
    | { outcome: 'activated' | 'already_active'; view: ProvisionedView }
    | { outcome: 'not_found' }
    | { outcome: 'closed' | 'other_external_id'; view: ProvisionedView };

  /**
   * One transaction: the conditional status change, its audit entry and the email job land together.
   * `known` is the subscription as the caller just read it: its validity never changes, and the status is
   * checked by the conditional write, so it spares reading it again.
   */
  async function activate(subscriptionId: string, externalId: string, actor: Actor, log: JobLog, known?: SubscriptionRow): Promise<Activation> {
    const now = clock.now();
    const result = await db.transaction().execute(async (trx): Promise<Activation> => {
      const subscription = known ?? await findSubscription(trx, subscriptionId);
      if (!subscription) return { outcome: 'not_found' };
      const endsAt = addMs(now, subscription.validity_days * DAY_MS);
      const changed = await repo.activateSubscription(trx, subscriptionId, {
        externalId, startsAt: iso(now), endsAt: iso(endsAt), now: iso(now),
      });
      if (changed === 0) {
        const current = await findSubscription(trx, subscriptionId);
        if (!current) return { outcome: 'not_found' };
        if (current.status !== 'active') return { outcome: 'closed', view: toProvisionedView(current) };
        return { outcome: current.external_id === externalId ? 'already_active' : 'other_external_id', view: toProvisionedView(current) };
      }
      await audit.record(trx, actor, 'subscription.activated', 'subscription', subscriptionId, { externalId, provisioner: provisioner.name });
      await enqueueNotice(trx, { kind: 'activated', subscriptionId }, now);
      return {
        outcome: 'activated',
        view: { id: subscriptionId, status: 'active', externalId, startsAt: iso(now), endsAt: iso(endsAt) },
      };
    });
    if (result.outcome === 'activated') {
      metrics.provisioning.inc({ outcome: 'activated' });
      log.info({ subscription: subscriptionId, externalId }, 'subscription active');
      await publish(subscriptionId, 'active', iso(now), log);
    }
    return result;
  }

  /**
   * Marks a subscription provisioned (the job, or the platform confirming a 202). Repeating it with the
   * same externalId changes nothing and answers the same.
   */
  async function completeProvisioning(
    subscriptionId: string, externalId: string, actor: Actor = systemActor, log: JobLog = silentLog,
  ): Promise<ProvisionedView> {
    const result = await activate(subscriptionId, externalId, actor, log);
    switch (result.outcome) {
      case 'not_found': throw new NotFoundError('The subscription');
      case 'closed': throw new DomainError('conflict', `The subscription is ${result.view.status} and can no longer be provisioned.`, { subscriptionStatus: result.view.status });
      case 'other_external_id': throw new DomainError('conflict', 'The subscription is already active with another externalId.', { externalId: result.view.externalId });
      default: return result.view;
    }
  }

  /** After a day of failed tries: failed, a support case, emails and an operator alert, exactly once. */
  async function giveUp(subscriptionId: string, reason: string, log: JobLog = silentLog): Promise<boolean> {
    const now = clock.now();
    const failed = await db.transaction().execute(async (trx) => {
      const subscription = await findSubscription(trx, subscriptionId);
      if (!subscription) return false;
      if (await repo.failSubscription(trx, subscriptionId, reason, iso(now)) === 0) return false;
      const caseId = newId();
      await repo.insertSupportCaseWithMessage(trx, {
        id: caseId, messageId: newId(), accountId: subscription.account_id, subscriptionId, now: iso(now),
        subject: `Provisioning failed for subscription ${subscriptionId}`,
        description: `cloudpass could not activate this ${offerName(subscription)} subscription after a day of retries.`,
        message: `Provisioning failed for good. Last error: ${reason}. The operator has been alerted.`,
      });
      await audit.record(trx, systemActor, 'subscription.failed', 'subscription', subscriptionId, { reason, supportCaseId: caseId });
      await enqueueNotice(trx, { kind: 'failed', subscriptionId, caseId }, now);
      for (const to of await deps.accounts.operatorAdminEmails(trx)) {
        await enqueueNotice(trx, { kind: 'operator-alert', subscriptionId, caseId, to }, now);
      }
      return true;
    });
    if (failed) {
      metrics.provisioning.inc({ outcome: 'failed' });
      log.error({ subscription: subscriptionId, reason }, 'provisioning failed for good; operator alerted and support case opened');
      await publish(subscriptionId, 'failed', iso(now), log);
    }
    return failed;
  }

  async function enqueueNotice(trx: DbOrTrx, notice: Notice, now: Date) {
    await enqueueJob(trx, { type: NOTIFY_JOB, payload: notice }, now);
  }

  /** pending → provisioning, once, so the status page shows that work has started; false when it was not pending. */
  async function markProvisioning(subscriptionId: string, log: JobLog): Promise<boolean> {
    const now = iso(clock.now());
    const changed = await db.transaction().execute(async (trx) => {
      if (await updateSubscriptionStatus(trx, subscriptionId, ['pending'], 'provisioning', now) === 0) return false;
      await audit.record(trx, systemActor, 'subscription.provisioning', 'subscription', subscriptionId, { provisioner: provisioner.name });
      return true;
    });
    if (changed) await publish(subscriptionId, 'provisioning', now, log);
    return changed;
  }

  async function forPlatform(subscription: SubscriptionRow): Promise<SubscriptionForPlatform> {
    const [totals] = await ledgerTotals(db, [subscription.id]);
    return {
      id: subscription.id, offer: subscription.offer, accountId: subscription.account_id,
      redemptionId: subscription.redemption_id, profile: parseProfile(subscription.profile),
      credit: { amount: totals?.granted ?? 0, currency: subscription.credit_currency },
      validityDays: subscription.validity_days, createdAt: subscription.created_at, externalId: subscription.external_id,
    };
  }

  const provisionHandler: JobHandler = {
    async run(payload, { job, signal, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) {
        log.error({ job: job.id, payload }, 'provisioning job without a subscriptionId; dropped');
        return;
      }
      const subscription = await findSubscription(db, subscriptionId);
      if (!subscription || !repo.PROVISIONABLE.includes(subscription.status)) return;
      if (subscription.status === 'pending' && !(await markProvisioning(subscriptionId, log))) {
        // Cancelled since it was read: the platform is never asked to create it.
        const current = await findSubscription(db, subscriptionId);
        if (!current || !repo.PROVISIONABLE.includes(current.status)) return;
      }
      let outcome;
      try {
        outcome = await provisioner.provision({
          requestId: job.id, createdAt: job.createdAt, subscription: await forPlatform(subscription),
          firstAttemptAt: job.firstAttemptAt, now: clock.now(), signal,
        });
      } catch (error) {
        metrics.provisioning.inc({ outcome: 'retry' });
        throw error;
      }
      if (outcome.kind === 'later') return { retryAt: outcome.at };
      if (outcome.kind === 'accepted') {
        metrics.provisioning.inc({ outcome: 'accepted' });
        const deadline = addMs(job.firstAttemptAt, CONFIRM_WINDOW_MS);
        await db.transaction().execute(async (trx) => {
          await audit.record(trx, systemActor, 'subscription.provisioning_accepted', 'subscription', subscriptionId, { requestId: job.id, confirmBy: iso(deadline) });
          await enqueueJob(trx, { type: CONFIRM_DEADLINE_JOB, payload: { subscriptionId }, runAt: iso(deadline) }, clock.now());
        });
        log.info({ subscription: subscriptionId }, 'the platform accepted provisioning; waiting for its confirmation');
        return;
      }
      const result = await activate(subscriptionId, outcome.externalId, systemActor, log, subscription);
      if (result.outcome === 'closed' || result.outcome === 'other_external_id') {
        log.warn({ subscription: subscriptionId, outcome: result.outcome, externalId: outcome.externalId }, 'provisioned, but the subscription was no longer waiting for it');
      }
      // Cancelled while the platform was creating it: the platform now runs it, so it must stop it again
      // (a disable sent at cancel time may have reached it before the subscription existed there).
      if (result.outcome === 'closed' && result.view.status === 'cancelled') {
        await repo.recordExternalIdOfCancelled(db, subscriptionId, outcome.externalId);
        await requestDisable(subscriptionId, outcome.externalId);
      }
    },
    async onGiveUp(payload, { error, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const reason = giveUpReason(error);
      await giveUp(subscriptionId, reason, log);
    },
  };

  /** The platform said 202 and never confirmed: treated like a day of failed tries. */
  const confirmDeadlineHandler: JobHandler = {
    async run(payload, { log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      await giveUp(subscriptionId, 'the platform accepted provisioning (202) but never confirmed it', log);
    },
  };

  /** `externalId`: what the platform answered for a subscription that was cancelled before it could be recorded. */
  async function requestDisable(subscriptionId: string, externalId: string) {
    await enqueueJob(db, { type: DISABLE_JOB, payload: { subscriptionId, externalId } }, clock.now());
  }

  /** Tells the platform to stop a cancelled subscription: retried like provisioning, audited once done. */
  const disableHandler: JobHandler = {
    async run(payload, { job, signal, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const subscription = await findSubscription(db, subscriptionId);
      if (!subscription || subscription.status !== 'cancelled') return;
      const externalId = subscription.external_id ?? externalIdOf(payload);
      await provisioner.disable({ requestId: job.id, createdAt: job.createdAt, subscription: { ...await forPlatform(subscription), externalId }, signal });
      await audit.record(db, systemActor, 'subscription.disabled_on_platform', 'subscription', subscriptionId, {
        requestId: job.id, provisioner: provisioner.name, externalId,
      });
      metrics.provisioning.inc({ outcome: 'disabled' });
      log.info({ subscription: subscriptionId }, 'the platform was told to stop a cancelled subscription');
    },
    async onGiveUp(payload, { error, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const reason = giveUpReason(error);
      await audit.record(db, systemActor, 'subscription.disable_failed', 'subscription', subscriptionId, { reason });
      metrics.provisioning.inc({ outcome: 'disable_failed' });
      log.error({ subscription: subscriptionId, reason }, 'could not tell the platform to stop a cancelled subscription; it may still be running there');
    },
  };

  const notifyHandler: JobHandler = {
    async run(payload) {
      const notice = payload as Notice;
      const subscription = await findSubscription(db, notice.subscriptionId);
      if (!subscription) return;
      const account = await deps.accounts.findAccount(subscription.account_id);
      if (!account) return;
      const [totals] = await ledgerTotals(db, [subscription.id]);
      const forMail: mails.SubscriptionForMail = {
        id: subscription.id, offerName: offerName(subscription), endsAt: subscription.ends_at, failureReason: subscription.failure_reason,
        credit: { amount: totals?.granted ?? 0, currency: subscription.credit_currency },
      };
      const to = { email: account.email, name: account.displayName };
      if (notice.kind === 'activated') await mail.send(mails.subscriptionActive(config.publicUrl, to, forMail));
      else if (notice.kind === 'failed') await mail.send(mails.subscriptionFailed(config.publicUrl, to, forMail, notice.caseId));
      else if (notice.kind === 'operator-alert') {
        await mail.send(mails.operatorAlert(config.publicUrl, notice.to, { ...forMail, accountEmail: account.email }, notice.caseId));
      }
    },
  };

  return {
    provisioner,
    completeProvisioning,
    giveUp,
    /** The job handlers this module contributes to the worker. */
    handlers: {
      [PROVISION_JOB]: provisionHandler, [CONFIRM_DEADLINE_JOB]: confirmDeadlineHandler, [NOTIFY_JOB]: notifyHandler,
      [DISABLE_JOB]: disableHandler,
    } as Record<string, JobHandler>,
  };
}

export type ProvisioningService = ReturnType<typeof createProvisioningService>;

function subscriptionIdOf(payload: unknown): string | undefined {
  const id = (payload as { subscriptionId?: unknown } | null)?.subscriptionId;
  return typeof id === 'string' && id !== '' ? id : undefined;
}

const giveUpReason = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 500);

function externalIdOf(payload: unknown): string | null {
  const id = (payload as { externalId?: unknown } | null)?.externalId;
  return typeof id === 'string' && id !== '' ? id : null;
}

function offerName(subscription: SubscriptionRow): string {
  return subscription.offer === 'free-trial' ? 'Free trial' : (subscription.campaign_name ?? 'Pass');
}

function parseProfile(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value && typeof value === 'object' ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function toProvisionedView(row: SubscriptionRow): ProvisionedView {
  return { id: row.id, status: row.status, externalId: row.external_id, startsAt: row.starts_at, endsAt: row.ends_at };
}
