// All SQL of the credit ledger. The balance is never stored: it is the sum of the entries.
import { sql, type Insertable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { CreditLedgerTable, LedgerEntryKind } from './credit.table.ts';

export interface NewLedgerEntry {
  id: string;
  subscriptionId: string;
  kind: LedgerEntryKind;
  amount: number;
  currency: string;
  usageEventId?: string | null;
  createdAt: string;
}

const insertEntry = prepared((db, row: Insertable<CreditLedgerTable>) => db.insertInto('credit_ledger').values(row));

export async function insertLedgerEntry(db: DbOrTrx, entry: NewLedgerEntry): Promise<void> {
  await insertEntry.affected(db, {
    id: entry.id, subscription_id: entry.subscriptionId, kind: entry.kind, amount: entry.amount,
    currency: entry.currency, usage_event_id: entry.usageEventId ?? null, created_at: entry.createdAt,
  });
}

export interface LedgerTotalsRow {
  subscription_id: string;
  granted: number;
  total: number;
}

/** Grants and the sum of all entries per subscription, for any number of subscriptions in one query. */
export async function ledgerTotals(db: DbOrTrx, subscriptionIds: readonly string[]): Promise<LedgerTotalsRow[]> {
  if (subscriptionIds.length === 0) return [];
  const rows = await db.selectFrom('credit_ledger')
    .select([
      'subscription_id',
      sql<number>`coalesce(sum(case when kind = 'grant' then amount else 0 end), 0)`.as('granted'),
      sql<number>`coalesce(sum(amount), 0)`.as('total'),
    ])
    .where('subscription_id', 'in', subscriptionIds)
    .groupBy('subscription_id')
    .execute();
  // PostgreSQL sums bigint as numeric; both come back as numbers, but make sure.
  return rows.map((r) => ({ subscription_id: r.subscription_id, granted: Number(r.granted), total: Number(r.total) }));
}
