// Credit is a ledger: grants, usage, adjustments and expiry are entries; the balance is derived.
import type { DbOrTrx } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import * as repo from './credit.repository.ts';

export interface CreditBalance {
  /** Sum of the grants, in minor units. */
  granted: number;
  /** What is left to spend: the sum of all entries, never shown below zero. */
  remaining: number;
  /** The raw sum of all entries, which usage may drive below zero. */
  balance: number;
}

const emptyBalance: CreditBalance = { granted: 0, remaining: 0, balance: 0 };

export function toCreditBalance(totals: { granted: number; total: number } | undefined): CreditBalance {
  if (!totals) return { ...emptyBalance };
  return { granted: totals.granted, remaining: Math.max(0, totals.total), balance: totals.total };
}

export function createCreditService(deps: { clock: Clock }) {
  const { clock } = deps;

  /** Adds a grant inside the caller's transaction (the activation that earns it). */
  async function grant(trx: DbOrTrx, subscriptionId: string, amount: number, currency: string): Promise<void> {
    if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`a grant is a whole, non-negative amount of minor units, got ${amount}`);
    await repo.insertLedgerEntry(trx, {
      id: newId(), subscriptionId, kind: 'grant', amount, currency: currency.toUpperCase(), createdAt: iso(clock.now()),
    });
  }

  async function balance(db: DbOrTrx, subscriptionId: string): Promise<CreditBalance> {
    const [totals] = await repo.ledgerTotals(db, [subscriptionId]);
    return toCreditBalance(totals);
  }

  /** Balances of many subscriptions in one grouped query; every id asked for is in the map. */
  async function balances(db: DbOrTrx, subscriptionIds: readonly string[]): Promise<Map<string, CreditBalance>> {
    const rows = await repo.ledgerTotals(db, [...new Set(subscriptionIds)]);
    const byId = new Map(rows.map((r) => [r.subscription_id, toCreditBalance(r)]));
    for (const id of subscriptionIds) if (!byId.has(id)) byId.set(id, { ...emptyBalance });
    return byId;
  }

  return { grant, balance, balances };
}

export type CreditService = ReturnType<typeof createCreditService>;
