// The life of a subscription's status, in one place: the moves a subscription can make, each from the
// statuses it may be in to the status it arrives at. The one writer of the status
// (subscriptions.repository.ts, `changeStatus`) makes only these moves, as a conditional write from the
// move's statuses; the service records each move in the audit trail under the move's action.
// Pure rules, no database.
import type { SubscriptionStatus } from './subscriptions.table.ts';

export type { SubscriptionStatus };

export interface StatusMove {
  from: readonly SubscriptionStatus[];
  to: SubscriptionStatus;
  /** The audit action that records the move. */
  audit: string;
}

/**
 * Every move a subscription can make. Two moves may arrive at the same status from different ones
 * (re-enabling an expired subscription is not activating a new one): each names its own statuses.
 */
export const MOVES = {
  /** The platform has been asked to create it. */
  provisioning: { from: ['pending'], to: 'provisioning', audit: 'subscription.provisioning' },
  /** The platform runs it (a webhook that answers at once skips `provisioning`). */
  activation: { from: ['pending', 'provisioning'], to: 'active', audit: 'subscription.activated' },
  /** The platform could not create it, for good. */
  failure: { from: ['pending', 'provisioning'], to: 'failed', audit: 'subscription.failed' },
  /** Its owner ended it. */
  cancellation: { from: ['pending', 'provisioning', 'active'], to: 'cancelled', audit: 'subscription.cancelled' },
  /** Its credit ran out (or an operator stopped it): the platform stops it; it may come back. */
  disabling: { from: ['active'], to: 'disabled', audit: 'subscription.disabled' },
  /** Its end date passed. */
  expiry: { from: ['active', 'disabled'], to: 'expired', audit: 'subscription.expired' },
  /** Its end was moved later (expired) or credit was added (disabled): it runs again with the same externalId. */
  reenabling: { from: ['disabled', 'expired'], to: 'active', audit: 'subscription.reenabled' },
  /** The retention period after it stopped is over: the recipient's data about it is gone. */
  deletion: { from: ['disabled', 'expired', 'cancelled'], to: 'deleted', audit: 'subscription.deleted' },
} as const satisfies Record<string, StatusMove>;

export type MoveName = keyof typeof MOVES;

const EVERY_STATUS: Record<SubscriptionStatus, true> = {
  pending: true, provisioning: true, active: true, disabled: true, expired: true, cancelled: true, deleted: true, failed: true,
};
export const STATUSES = Object.keys(EVERY_STATUS) as SubscriptionStatus[];

/** From each status, the statuses it may move to: the moves read as a table. A status with none is final. */
export const TRANSITIONS: Readonly<Record<SubscriptionStatus, readonly SubscriptionStatus[]>> = (() => {
  const table = {} as Record<SubscriptionStatus, SubscriptionStatus[]>;
  for (const status of STATUSES) table[status] = [];
  for (const move of Object.values(MOVES) as StatusMove[]) {
    for (const from of move.from) if (!table[from].includes(move.to)) table[from].push(move.to);
  }
  return table;
})();

export function canMove(from: SubscriptionStatus, to: SubscriptionStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Whether a subscription in `status` can make `move` now. */
export function allows(move: MoveName, status: SubscriptionStatus): boolean {
  return (MOVES[move].from as readonly SubscriptionStatus[]).includes(status);
}

/** Statuses after which nothing changes any more for the status page (setup is over, one way or another). */
export const TERMINAL_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(['active', 'failed', 'cancelled', 'disabled', 'expired', 'deleted']);

/** Statuses in which the platform may already run the subscription: leaving them must reach the platform. */
export const ON_PLATFORM: ReadonlySet<SubscriptionStatus> = new Set(['provisioning', 'active']);

/** Statuses in which the platform must not run the subscription: a disable request still applies. */
export const STOPPED: ReadonlySet<SubscriptionStatus> = new Set(['cancelled', 'disabled', 'expired', 'deleted']);

/** Statuses that start the retention period: after it, the subscription is deleted. */
export const RETAINED: readonly SubscriptionStatus[] = ['disabled', 'expired', 'cancelled'];
