// Provisioning: the job that takes a subscription from pending to active through a provisioner, the
// platform's confirmation, and what happens when it never works (failed, support case, emails, alert).
// It changes a subscription only through the subscriptions service's transitions, and is how that service's
// requests to the platform (PlatformRequests) are carried out: as jobs, retried until the platform answers.
import type { Config } from '../../config.ts';
import type { Db, DbOrTrx, Trx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AccountService } from '../accounts/accounts.service.ts';
import { systemActor, type Actor, type AuditService } from '../audit/audit.service.ts';
import type { CreditService } from '../credit/credit.service.ts';
import type { JobQueue } from '../jobs/jobs.service.ts';
import type { JobHandler, JobLog } from '../jobs/job-worker.ts';
import type { MailMessage } from '../mail/mail.service.ts';
import type { SupportService } from '../support/support.service.ts';
import type { SubscriptionEvent } from '../subscriptions/subscription-events.ts';
import { allows, STOPPED, type SubscriptionStatus } from '../subscriptions/subscription-status.ts';
import {
  DISABLE_REASONS, type DisableReason, type PlatformRequests, type SubscriptionRecord, type SubscriptionService,
} from '../subscriptions/subscriptions.service.ts';
import * as mails from './provisioning.mails.ts';
import {
  createBuiltinProvisioner, createWebhookProvisioner, type Provisioner, type SubscriptionForPlatform,
} from './provisioners.ts';

export const PROVISION_JOB = 'subscription.provision';
export const NOTIFY_JOB = 'subscription.notify';
/** After a 202 the platform has this long (from the first try) to confirm, then the activation fails. */
export const CONFIRM_DEADLINE_JOB = 'subscription.confirm-deadline';
export const CONFIRM_WINDOW_MS = 24 * 60 * 60 * 1000;
/** A subscription stopped in cloudpass (cancelled, out of credit, expired) that the platform may be running: tell the platform to stop it. */
export const DISABLE_JOB = 'subscription.disable';
/** A re-enabled subscription: ask the platform to run it again, as the same externalId. */
export const REPROVISION_JOB = 'subscription.reprovision';
/** A deleted subscription: tell the platform to delete it. */
export const DELETE_JOB = 'subscription.delete';

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

/**
 * The subscriptions service's requests to the platform, as jobs in the caller's transaction. It needs only
 * the queue, so services.ts builds it before the subscriptions service that uses it.
 */
export function createPlatformRequests(deps: { jobs: Pick<JobQueue, 'enqueue' | 'wake'> }): PlatformRequests {
  const { jobs } = deps;
  return {
    async provision(trx: Trx, subscriptionId: string) {
      await jobs.enqueue(trx, { type: PROVISION_JOB, payload: { subscriptionId } });
    },
    async disable(trx: Trx, subscriptionId: string, reason: DisableReason) {
      await jobs.enqueue(trx, { type: DISABLE_JOB, payload: { subscriptionId, reason } });
    },
    async reprovision(trx: Trx, subscriptionId: string) {
      await jobs.enqueue(trx, { type: REPROVISION_JOB, payload: { subscriptionId } });
    },
    async remove(trx: Trx, subscriptionId: string) {
      await jobs.enqueue(trx, { type: DELETE_JOB, payload: { subscriptionId } });
    },
    committed: () => jobs.wake(),
  };
}

export interface ProvisioningDeps {
  db: Db;
  clock: Clock;
  config: Config;
  metrics: Metrics;
  audit: AuditService;
  mail: { send(message: MailMessage): Promise<void>; sendWithin(trx: Trx, message: MailMessage): Promise<() => void> };
  accounts: Pick<AccountService, 'findAccount' | 'operatorAdminEmails'>;
  subscriptions: Pick<SubscriptionService, 'find' | 'markProvisioning' | 'markActive' | 'markFailed' | 'keepExternalIdOfCancelled'>;
  support: Pick<SupportService, 'openSystemCase'>;
  credit: Pick<CreditService, 'balance'>;
  jobs: Pick<JobQueue, 'enqueue'>;
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
  const { db, clock, config, metrics, audit, mail, subscriptions, support, credit, jobs } = deps;
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
   * One transaction: the conditional status change, its audit entry and the "active" email land together,
   * so the email exists exactly when the activation does (and is written once: only the write that changed
   * the status writes it). `known` is the subscription as the caller just read it and `granted` its credit
   * as the caller just told the platform: its validity and grant never change, and the status is checked by
   * the conditional write, so they spare reading them again.
   */
  async function activate(
    subscriptionId: string, externalId: string, actor: Actor, log: JobLog, known?: { subscription: SubscriptionRecord; granted: number },
  ): Promise<Activation> {
    const now = clock.now();
    let startDelivery: (() => void) | undefined;
    const result = await db.transaction().execute(async (trx): Promise<Activation> => {
      const subscription = known?.subscription ?? await subscriptions.find(trx, subscriptionId);
      if (!subscription) return { outcome: 'not_found' };
      const endsAt = addMs(now, subscription.validityDays * DAY_MS);
      const changed = await subscriptions.markActive(trx, subscriptionId, {
        externalId, startsAt: iso(now), endsAt: iso(endsAt),
      }, actor, { provisioner: provisioner.name });
      if (!changed) {
        const current = await subscriptions.find(trx, subscriptionId);
        if (!current) return { outcome: 'not_found' };
        if (current.status !== 'active') return { outcome: 'closed', view: toProvisionedView(current) };
        return { outcome: current.externalId === externalId ? 'already_active' : 'other_external_id', view: toProvisionedView(current) };
      }
      const granted = known?.granted ?? (await credit.balance(trx, subscriptionId)).granted;
      startDelivery = await writeActiveMail(trx, { ...subscription, endsAt: iso(endsAt) }, granted);
      return {
        outcome: 'activated',
        view: { id: subscriptionId, status: 'active', externalId, startsAt: iso(now), endsAt: iso(endsAt) },
      };
    });
    if (result.outcome === 'activated') {
      startDelivery?.();
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
      const subscription = await subscriptions.find(trx, subscriptionId);
      if (!subscription) return false;
      const caseId = newId();
      if (!(await subscriptions.markFailed(trx, subscriptionId, reason, systemActor, { supportCaseId: caseId }))) return false;
      await support.openSystemCase(trx, {
        id: caseId, accountId: subscription.accountId, category: 'activation', subscriptionId,
        subject: `Provisioning failed for subscription ${subscriptionId}`,
        description: `cloudpass could not activate this ${subscription.name} subscription after a day of retries.`,
        message: `Provisioning failed for good. Last error: ${reason}. The operator has been alerted.`,
      });
      await enqueueNotice(trx, { kind: 'failed', subscriptionId, caseId });
      for (const to of await deps.accounts.operatorAdminEmails(trx)) {
        await enqueueNotice(trx, { kind: 'operator-alert', subscriptionId, caseId, to });
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

  /** The "active" email to the subscription's account, in the transaction of the activation; undefined without an account. */
  async function writeActiveMail(trx: Trx, subscription: SubscriptionRecord, granted: number): Promise<(() => void) | undefined> {
    const account = await deps.accounts.findAccount(subscription.accountId, trx);
    if (!account) return undefined;
    const to = { email: account.email, name: account.displayName, locale: account.locale };
    return mail.sendWithin(trx, mails.subscriptionActive(config.publicUrl, to, forMail(subscription, granted)));
  }

  async function enqueueNotice(trx: DbOrTrx, notice: Notice) {
    await jobs.enqueue(trx, { type: NOTIFY_JOB, payload: notice });
  }

  /** pending → provisioning, once, so the status page shows that work has started; false when it was not pending. */
  async function markProvisioning(subscriptionId: string, log: JobLog): Promise<boolean> {
    const now = iso(clock.now());
    const changed = await db.transaction().execute((trx) =>
      subscriptions.markProvisioning(trx, subscriptionId, systemActor, { provisioner: provisioner.name }));
    if (changed) await publish(subscriptionId, 'provisioning', now, log);
    return changed;
  }

  async function forPlatform(subscription: SubscriptionRecord): Promise<SubscriptionForPlatform> {
    const { granted } = await credit.balance(db, subscription.id);
    return {
      id: subscription.id, offer: subscription.offer, accountId: subscription.accountId,
      redemptionId: subscription.redemptionId, profile: subscription.profile,
      credit: { amount: granted, currency: subscription.currency },
      validityDays: subscription.validityDays, createdAt: subscription.createdAt, externalId: subscription.externalId,
    };
  }

  const provisionHandler: JobHandler = {
    async run(payload, { job, signal, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) {
        log.error({ job: job.id, payload }, 'provisioning job without a subscriptionId; dropped');
        return;
      }
      const subscription = await subscriptions.find(db, subscriptionId);
      if (!subscription || !allows('activation', subscription.status)) return;
      if (subscription.status === 'pending' && !(await markProvisioning(subscriptionId, log))) {
        // Cancelled since it was read: the platform is never asked to create it.
        const current = await subscriptions.find(db, subscriptionId);
        if (!current || !allows('activation', current.status)) return;
      }
      const request = await forPlatform(subscription);
      let outcome;
      try {
        outcome = await provisioner.provision({
          requestId: job.id, createdAt: job.createdAt, subscription: request,
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
          await jobs.enqueue(trx, { type: CONFIRM_DEADLINE_JOB, payload: { subscriptionId }, runAt: iso(deadline) });
        });
        log.info({ subscription: subscriptionId }, 'the platform accepted provisioning; waiting for its confirmation');
        return;
      }
      const result = await activate(subscriptionId, outcome.externalId, systemActor, log, { subscription, granted: request.credit.amount });
      if (result.outcome === 'closed' || result.outcome === 'other_external_id') {
        log.warn({ subscription: subscriptionId, outcome: result.outcome, externalId: outcome.externalId }, 'provisioned, but the subscription was no longer waiting for it');
      }
      // Cancelled while the platform was creating it: the platform now runs it, so it must stop it again
      // (a disable sent at cancel time may have reached it before the subscription existed there).
      if (result.outcome === 'closed' && result.view.status === 'cancelled') {
        const externalId = outcome.externalId;
        await db.transaction().execute(async (trx) => {
          await subscriptions.keepExternalIdOfCancelled(trx, subscriptionId, externalId);
          await requestDisable(trx, subscriptionId, 'cancelled', externalId);
        });
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
  async function requestDisable(trx: DbOrTrx, subscriptionId: string, reason: DisableReason, externalId: string) {
    await jobs.enqueue(trx, { type: DISABLE_JOB, payload: { subscriptionId, reason, externalId } });
  }

  /** Tells the platform to stop a subscription it must no longer run: retried like provisioning, audited once done. */
  const disableHandler: JobHandler = {
    async run(payload, { job, signal, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const subscription = await subscriptions.find(db, subscriptionId);
      if (!subscription || !STOPPED.has(subscription.status)) return;
      const externalId = subscription.externalId ?? externalIdOf(payload);
      await provisioner.disable({
        requestId: job.id, createdAt: job.createdAt, reason: disableReasonOf(payload),
        subscription: { ...await forPlatform(subscription), externalId }, signal,
      });
      await audit.record(db, systemActor, 'subscription.disabled_on_platform', 'subscription', subscriptionId, {
        requestId: job.id, provisioner: provisioner.name, externalId,
      });
      metrics.provisioning.inc({ outcome: 'disabled' });
      log.info({ subscription: subscriptionId, status: subscription.status }, 'the platform was told to stop a subscription');
    },
    async onGiveUp(payload, { error, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const reason = giveUpReason(error);
      await audit.record(db, systemActor, 'subscription.disable_failed', 'subscription', subscriptionId, { reason });
      metrics.provisioning.inc({ outcome: 'disable_failed' });
      log.error({ subscription: subscriptionId, reason }, 'could not tell the platform to stop a subscription; it may still be running there');
    },
  };

  /** Asks the platform to run a re-enabled subscription again, with its externalId: retried like provisioning. */
  const reprovisionHandler: JobHandler = {
    async run(payload, { job, signal, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const subscription = await subscriptions.find(db, subscriptionId);
      if (!subscription || subscription.status !== 'active') return;
      const outcome = await provisioner.provision({
        requestId: job.id, createdAt: job.createdAt, subscription: await forPlatform(subscription),
        firstAttemptAt: job.firstAttemptAt, now: clock.now(), signal,
      });
      if (outcome.kind === 'later') return { retryAt: outcome.at };
      await audit.record(db, systemActor, 'subscription.reprovisioned_on_platform', 'subscription', subscriptionId, {
        requestId: job.id, provisioner: provisioner.name, externalId: subscription.externalId,
      });
      log.info({ subscription: subscriptionId }, 'the platform was asked to run a re-enabled subscription again');
    },
    async onGiveUp(payload, { error, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const reason = giveUpReason(error);
      await audit.record(db, systemActor, 'subscription.reprovision_failed', 'subscription', subscriptionId, { reason });
      log.error({ subscription: subscriptionId, reason }, 'could not ask the platform to run a re-enabled subscription again');
    },
  };

  /** Tells the platform to delete a deleted subscription: retried like provisioning, audited once done. */
  const deleteHandler: JobHandler = {
    async run(payload, { job, signal, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const subscription = await subscriptions.find(db, subscriptionId);
      if (!subscription || subscription.status !== 'deleted') return;
      await provisioner.remove({ requestId: job.id, createdAt: job.createdAt, subscription: await forPlatform(subscription), signal });
      await audit.record(db, systemActor, 'subscription.deleted_on_platform', 'subscription', subscriptionId, {
        requestId: job.id, provisioner: provisioner.name, externalId: subscription.externalId,
      });
      log.info({ subscription: subscriptionId }, 'the platform was told to delete a subscription');
    },
    async onGiveUp(payload, { error, log }) {
      const subscriptionId = subscriptionIdOf(payload);
      if (!subscriptionId) return;
      const reason = giveUpReason(error);
      await audit.record(db, systemActor, 'subscription.delete_failed', 'subscription', subscriptionId, { reason });
      log.error({ subscription: subscriptionId, reason }, 'could not tell the platform to delete a subscription');
    },
  };

  const notifyHandler: JobHandler = {
    async run(payload) {
      const notice = payload as Notice;
      const subscription = await subscriptions.find(db, notice.subscriptionId);
      if (!subscription) return;
      const account = await deps.accounts.findAccount(subscription.accountId);
      if (!account) return;
      const { granted } = await credit.balance(db, subscription.id);
      const about = forMail(subscription, granted);
      const to = { email: account.email, name: account.displayName, locale: account.locale };
      // 'activated' notices are written by the activation itself now; these are jobs queued before that.
      if (notice.kind === 'activated') await mail.send(mails.subscriptionActive(config.publicUrl, to, about));
      else if (notice.kind === 'failed') await mail.send(mails.subscriptionFailed(config.publicUrl, to, about, notice.caseId));
      else if (notice.kind === 'operator-alert') {
        await mail.send(mails.operatorAlert(config.publicUrl, notice.to, { ...about, accountEmail: account.email }, notice.caseId));
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
      [DISABLE_JOB]: disableHandler, [REPROVISION_JOB]: reprovisionHandler, [DELETE_JOB]: deleteHandler,
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

/** Jobs queued before disables carried a reason were all for cancelled subscriptions. */
function disableReasonOf(payload: unknown): DisableReason {
  const reason = (payload as { reason?: unknown } | null)?.reason;
  return DISABLE_REASONS.find((r) => r === reason) ?? 'cancelled';
}

function forMail(subscription: SubscriptionRecord, granted: number): mails.SubscriptionForMail {
  return {
    id: subscription.id, offer: subscription.offer, offerName: subscription.name, endsAt: subscription.endsAt, failureReason: subscription.failureReason,
    credit: { amount: granted, currency: subscription.currency },
  };
}

export function toProvisionedView(subscription: SubscriptionRecord): ProvisionedView {
  const { id, status, externalId, startsAt, endsAt } = subscription;
  return { id, status, externalId, startsAt, endsAt };
}
