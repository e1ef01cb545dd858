// Credit is a ledger: grants, usage, adjustments and expiry are entries; the balance is derived from
// them. Each entry is written with its subscription's totals in one transaction (credit.repository.ts),
// so a balance is read, never summed by hand.
import type { Dialect } from '../../db/connect.ts';
import type { DbOrTrx, Trx } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import * as repo from './credit.repository.ts';

export interface CreditBalance {
  /** Sum of the grants, in minor units. */
  granted: number;
  /** Sum of the adjustments (and expiry entries), signed. */
  adjusted: number;
  /** Sum of the usage, as a positive amount. */
  used: number;
  /** What is left: granted + adjusted − used. Usage reported late may take it below zero (overage). */
  remaining: number;
}

const emptyBalance: CreditBalance = { granted: 0, adjusted: 0, used: 0, remaining: 0 };

export function toCreditBalance(totals: Pick<repo.BalanceRow, 'granted' | 'adjusted' | 'used' | 'balance'> | undefined): CreditBalance {
  if (!totals) return { ...emptyBalance };
  return { granted: totals.granted, adjusted: totals.adjusted, used: totals.used, remaining: totals.balance };
}

/** The credit a subscription had to spend: grants and adjustments (never below zero). */
export const creditTotal = (balance: CreditBalance) => Math.max(0, balance.granted + balance.adjusted);

/** Whole percent of the credit used, for warning thresholds; 100 when there is nothing to spend. */
export function percentUsed(balance: CreditBalance): number {
  const total = creditTotal(balance);
  if (total === 0) return balance.used > 0 ? 100 : 0;
  return (balance.used * 100) / total;
}

export type { UsageRow } from './credit.repository.ts';

export interface UsageApplied {
  subscriptionId: string;
  /** Events of this batch that went in (not seen before). */
  accepted: number;
  before: CreditBalance;
  after: CreditBalance;
}

export interface LedgerEntryView {
  id: string;
  kind: string;
  amount: number;
  currency: string;
  usageEventId: string | null;
  /** Usage: the meter; adjustments: the operator's reason. */
  note: string | null;
  occurredAt: string | null;
  createdAt: string;
}

export function createCreditService(deps: { clock: Clock; dialect: Dialect }) {
  const { clock, dialect } = deps;

  /** Adds a grant inside the caller's transaction (the activation that earns it). */
  async function grant(trx: Trx, subscriptionId: string, amount: number, currency: string): Promise<void> {
    if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`a grant is a whole, non-negative amount of minor units, got ${amount}`);
    await repo.insertLedgerEntry(trx, {
      id: newId(), subscriptionId, kind: 'grant', amount, currency: currency.toUpperCase(), createdAt: iso(clock.now()),
    });
  }

  /** An operator's adjustment (positive adds credit, negative removes it); returns the balance after it. */
  async function adjust(trx: Trx, subscriptionId: string, amount: number, currency: string, reason: string): Promise<CreditBalance> {
    if (!Number.isSafeInteger(amount) || amount === 0) throw new RangeError(`an adjustment is a whole, non-zero amount of minor units, got ${amount}`);
    const row = await repo.insertLedgerEntry(trx, {
      id: newId(), subscriptionId, kind: 'adjustment', amount, currency: currency.toUpperCase(), meter: reason, createdAt: iso(clock.now()),
    });
    return toCreditBalance(row);
  }

  /**
   * Applies a batch of usage in the caller's transaction: each event once by its id (the database skips
   * ids it has), then each subscription's totals once. Returns, per subscription that had new usage, the
   * balance before and after, for the caller to act on what the batch crossed.
   */
  async function applyUsage(trx: Trx, rows: readonly repo.UsageRow[]): Promise<{ accepted: number; applied: UsageApplied[] }> {
    const sorted = [...rows].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
    const inserted = await repo.insertUsage(trx, dialect, sorted, iso(clock.now()));
    const bySubscription = new Map<string, { used: number; accepted: number }>();
    for (const row of inserted) {
      const sum = bySubscription.get(row.subscription_id) ?? { used: 0, accepted: 0 };
      sum.used += -row.amount;
      sum.accepted += 1;
      bySubscription.set(row.subscription_id, sum);
    }
    const totals = await repo.addUsedMany(trx, dialect, [...bySubscription].map(([subscriptionId, { used }]) => ({ subscriptionId, used })));
    if (totals.length !== bySubscription.size) throw new Error('a subscription with usage has no credit totals');
    const applied: UsageApplied[] = totals.map((row) => {
      const { used, accepted } = bySubscription.get(row.subscription_id)!;
      const after = toCreditBalance(row);
      return { subscriptionId: row.subscription_id, accepted, after, before: { ...after, used: after.used - used, remaining: after.remaining + used } };
    });
    return { accepted: inserted.length, applied };
  }

  async function balance(db: DbOrTrx, subscriptionId: string): Promise<CreditBalance> {
    const [row] = await repo.findBalances(db, [subscriptionId]);
    return toCreditBalance(row);
  }

  /** Balances of many subscriptions in one query; every id asked for is in the map. */
  async function balances(db: DbOrTrx, subscriptionIds: readonly string[]): Promise<Map<string, CreditBalance>> {
    const rows = await repo.findBalances(db, [...new Set(subscriptionIds)]);
    const byId = new Map(rows.map((r) => [r.subscription_id, toCreditBalance(r)]));
    for (const id of subscriptionIds) if (!byId.has(id)) byId.set(id, { ...emptyBalance });
    return byId;
  }

  /** Usage per UTC day (`YYYY-MM-DD`), in time order, optionally from a day on. */
  async function usageByDay(db: DbOrTrx, subscriptionId: string, sinceDay?: string) {
    return repo.usageByDay(db, subscriptionId, sinceDay);
  }

  async function usageByMeter(db: DbOrTrx, subscriptionId: string) {
    return repo.usageByMeter(db, subscriptionId);
  }

  async function entries(db: DbOrTrx, subscriptionId: string): Promise<LedgerEntryView[]> {
    return (await repo.listEntries(db, subscriptionId)).map((r) => ({
      id: r.id, kind: r.kind, amount: r.amount, currency: r.currency, usageEventId: r.usage_event_id, note: r.meter,
      occurredAt: r.occurred_at, createdAt: r.created_at,
    }));
  }

  /** Deletion: usage entries become one entry of their sum; totals stay. */
  async function forgetUsageDetail(trx: Trx, subscriptionId: string): Promise<number> {
    return repo.collapseUsage(trx, subscriptionId, { id: newId(), createdAt: iso(clock.now()) });
  }

  return { grant, adjust, applyUsage, balance, balances, usageByDay, usageByMeter, entries, forgetUsageDetail };
}

export type CreditService = ReturnType<typeof createCreditService>;
