// The life of a subscription's status, in one place: which status may follow which. The one writer of the
// status (subscriptions.repository.ts, `changeStatus`) moves a subscription only along these arrows, with
// a conditional write from the statuses that lead to the new one; the service records each move in the
// audit trail. Pure rules, no database.
import type { SubscriptionStatus } from './subscriptions.table.ts';

export type { SubscriptionStatus };

/** From each status, the statuses it may move to. A status with no arrows out is final. */
export const TRANSITIONS: Readonly<Record<SubscriptionStatus, readonly SubscriptionStatus[]>> = {
  // The platform is asked at once; a webhook that answers at the first try skips `provisioning`.
  pending: ['provisioning', 'active', 'failed', 'cancelled'],
  provisioning: ['active', 'failed', 'cancelled'],
  active: ['cancelled'],
  failed: [],
  cancelled: [],
  disabled: [],
  expired: [],
  deleted: [],
};

/** The audit action each arrival records (`subscription.<action>`), whatever status it came from. */
export const ARRIVAL_ACTIONS: Readonly<Record<SubscriptionStatus, string>> = {
  pending: 'subscription.created',
  provisioning: 'subscription.provisioning',
  active: 'subscription.activated',
  failed: 'subscription.failed',
  cancelled: 'subscription.cancelled',
  disabled: 'subscription.disabled',
  expired: 'subscription.expired',
  deleted: 'subscription.deleted',
};

const STATUSES = Object.keys(TRANSITIONS) as SubscriptionStatus[];

const FROM = new Map(STATUSES.map((to) => [to, STATUSES.filter((from) => TRANSITIONS[from].includes(to))]));

/** The statuses a subscription may be in to move to `to` (the `WHERE status IN (…)` of the write). */
export function statusesLeadingTo(to: SubscriptionStatus): readonly SubscriptionStatus[] {
  return FROM.get(to) ?? [];
}

export function canMove(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses after which nothing changes any more for the status page (setup is over, one way or another). */
export const TERMINAL_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(['active', 'failed', 'cancelled', 'disabled', 'expired', 'deleted']);

/** Statuses in which the platform may already run the subscription: leaving them must reach the platform. */
export const ON_PLATFORM: ReadonlySet<SubscriptionStatus> = new Set(['provisioning', 'active']);

/** Statuses in which the platform must not run the subscription: a disable request still applies. */
export const STOPPED: ReadonlySet<SubscriptionStatus> = new Set(['cancelled']);
