// All SQL of the credit ledger and of each subscription's totals (`credit_balances`). Every entry is
// written together with its totals, in the caller's transaction; the totals are never recomputed.
import { CompiledQuery, sql, type Insertable, type Selectable } from 'kysely';
import type { Dialect } from '../../db/connect.ts';
import type { DbOrTrx, Trx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { CreditBalanceTable, CreditLedgerTable, LedgerEntryKind } from './credit.table.ts';

export type BalanceRow = Selectable<CreditBalanceTable>;

export interface NewLedgerEntry {
  id: string;
  subscriptionId: string;
  kind: LedgerEntryKind;
  amount: number;
  currency: string;
  usageEventId?: string | null;
  meter?: string | null;
  occurredAt?: string | null;
  createdAt: string;
}

const insertEntry = prepared((db, row: Insertable<CreditLedgerTable>) => db.insertInto('credit_ledger').values(row));

/** The entry's amounts added to the subscription's totals; the first entry inserts them. */
const addToBalance = prepared((db, p: { subscriptionId: string; currency: string; granted: number; adjusted: number; used: number; amount: number }) => db
  .insertInto('credit_balances')
  .values({ subscription_id: p.subscriptionId, currency: p.currency, granted: p.granted, adjusted: p.adjusted, used: p.used, balance: p.amount })
  .onConflict((oc) => oc.column('subscription_id').doUpdateSet((eb) => ({
    granted: eb('credit_balances.granted', '+', p.granted),
    adjusted: eb('credit_balances.adjusted', '+', p.adjusted),
    used: eb('credit_balances.used', '+', p.used),
    balance: eb('credit_balances.balance', '+', p.amount),
  })))
  .returningAll());

/** One entry and its totals. Grants and adjustments only: usage goes in batches (insertUsage). */
export async function insertLedgerEntry(trx: Trx, entry: NewLedgerEntry): Promise<BalanceRow> {
  await insertEntry.affected(trx, {
    id: entry.id, subscription_id: entry.subscriptionId, kind: entry.kind, amount: entry.amount,
    currency: entry.currency, usage_event_id: entry.usageEventId ?? null, meter: entry.meter ?? null,
    occurred_at: entry.occurredAt ?? null, created_at: entry.createdAt,
  });
  const granted = entry.kind === 'grant' ? entry.amount : 0;
  const used = entry.kind === 'usage' ? -entry.amount : 0;
  const adjusted = entry.kind === 'adjustment' || entry.kind === 'expiry' ? entry.amount : 0;
  const row = await addToBalance.first(trx, { subscriptionId: entry.subscriptionId, currency: entry.currency, granted, adjusted, used, amount: entry.amount });
  if (!row) throw new Error(`credit_balances: no row written for subscription ${entry.subscriptionId}`);
  return numericBalance(row);
}

export interface UsageRow {
  id: string;
  subscriptionId: string;
  eventId: string;
  /** Positive minor units used. */
  amount: number;
  currency: string;
  meter: string;
  occurredAt: string;
}

const USAGE_COLUMNS = ['id', 'subscription_id', 'kind', 'amount', 'currency', 'usage_event_id', 'meter', 'occurred_at', 'created_at'];
const usageSqlCache = new Map<string, string>();

/**
 * Inserts a batch of usage entries in one statement; an event id already in the ledger (the unique
 * usage_event_id, here or in a concurrent transaction) is skipped by the database, not by a read first.
 * Returns the rows that went in. Rows should come sorted by event id, so two overlapping batches take
 * their locks in one order.
 *
 * Written as SQL text compiled once per size: building a 1,000-row insert through the query builder
 * cost more than running it.
 */
export async function insertUsage(trx: Trx, dialect: Dialect, rows: readonly UsageRow[], createdAt: string): Promise<Array<{ subscription_id: string; amount: number }>> {
  if (rows.length === 0) return [];
  const key = `${dialect}:${rows.length}`;
  let text = usageSqlCache.get(key);
  if (!text) {
    let n = 0;
    const slot = () => (dialect === 'postgres' ? `$${++n}` : '?');
    const tuples = rows.map(() => `(${USAGE_COLUMNS.map(slot).join(',')})`);
    text = `insert into credit_ledger (${USAGE_COLUMNS.join(',')}) values ${tuples.join(',')} on conflict (usage_event_id) do nothing returning subscription_id, amount`;
    usageSqlCache.set(key, text);
  }
  const params: unknown[] = [];
  for (const r of rows) params.push(r.id, r.subscriptionId, 'usage', -r.amount, r.currency, r.eventId, r.meter, r.occurredAt, createdAt);
  const result = await trx.executeQuery<{ subscription_id: string; amount: number }>(CompiledQuery.raw(text, params));
  return result.rows.map((r) => ({ subscription_id: r.subscription_id, amount: Number(r.amount) }));
}

/**
 * Adds used credit to the totals of several subscriptions in one statement; returns the totals after it.
 * On PostgreSQL the rows are locked first in subscription order, so concurrent batches that share
 * subscriptions never deadlock (one UPDATE … FROM locks in whatever order its plan visits them).
 */
export async function addUsedMany(trx: Trx, dialect: Dialect, entries: ReadonlyArray<{ subscriptionId: string; used: number }>): Promise<BalanceRow[]> {
  if (entries.length === 0) return [];
  const sorted = [...entries].sort((a, b) => (a.subscriptionId < b.subscriptionId ? -1 : a.subscriptionId > b.subscriptionId ? 1 : 0));
  const ids = sorted.map((e) => e.subscriptionId);
  if (dialect === 'postgres') {
    await trx.selectFrom('credit_balances').select('subscription_id').where('subscription_id', 'in', ids)
      .orderBy('subscription_id').forUpdate().execute();
  }
  let n = 0;
  const slot = (type: string) => (dialect === 'postgres' ? `cast($${++n} as ${type})` : `cast(? as ${type === 'bigint' ? 'integer' : type})`);
  const values = sorted.map(() => `(${slot('text')}, ${slot('bigint')})`).join(', ');
  const source = dialect === 'postgres'
    ? `(values ${values}) as v(sid, delta)`
    : `(select column1 as sid, column2 as delta from (values ${values})) as v`;
  const text = `update credit_balances set used = used + v.delta, balance = balance - v.delta from ${source}
    where credit_balances.subscription_id = v.sid returning subscription_id, currency, granted, adjusted, used, balance`;
  const result = await trx.executeQuery<BalanceRow>(CompiledQuery.raw(text, sorted.flatMap((e) => [e.subscriptionId, e.used])));
  return result.rows.map(numericBalance);
}

const selectBalances = (db: DbOrTrx, ids: readonly string[]) => db.selectFrom('credit_balances').selectAll().where('subscription_id', 'in', ids);
const selectBalance = prepared((db, p: { id: string }) => db.selectFrom('credit_balances').selectAll().where('subscription_id', '=', p.id));

export async function findBalances(db: DbOrTrx, subscriptionIds: readonly string[]): Promise<BalanceRow[]> {
  if (subscriptionIds.length === 0) return [];
  // One subscription's totals (provisioning reads them for every subscription it sets up): compiled once.
  const rows = subscriptionIds.length === 1 ? await selectBalance.rows(db, { id: subscriptionIds[0]! }) : await selectBalances(db, subscriptionIds).execute();
  return rows.map(numericBalance);
}

// PostgreSQL returns bigint sums as numbers through the type parser in db/connect.ts; make sure anyway.
function numericBalance(row: BalanceRow): BalanceRow {
  return {
    subscription_id: row.subscription_id, currency: row.currency, granted: Number(row.granted), adjusted: Number(row.adjusted),
    used: Number(row.used), balance: Number(row.balance),
  };
}

/** Usage by UTC day (`YYYY-MM-DD`) in time order, from `since` (a day) when given. */
export async function usageByDay(db: DbOrTrx, subscriptionId: string, since?: string): Promise<Array<{ key: string; amount: number }>> {
  let query = db.selectFrom('credit_ledger')
    .select([sql<string>`substr(occurred_at, 1, 10)`.as('key'), sql<number>`coalesce(sum(-amount), 0)`.as('amount')])
    .where('subscription_id', '=', subscriptionId).where('kind', '=', 'usage').where('occurred_at', 'is not', null);
  if (since) query = query.where('occurred_at', '>=', since);
  const rows = await query.groupBy(sql`substr(occurred_at, 1, 10)`).orderBy(sql`substr(occurred_at, 1, 10)`).execute();
  return rows.map((r) => ({ key: r.key, amount: Number(r.amount) }));
}

export async function usageByMeter(db: DbOrTrx, subscriptionId: string): Promise<Array<{ key: string; amount: number }>> {
  const rows = await db.selectFrom('credit_ledger')
    .select([sql<string>`coalesce(meter, '')`.as('key'), sql<number>`coalesce(sum(-amount), 0)`.as('amount')])
    .where('subscription_id', '=', subscriptionId).where('kind', '=', 'usage')
    .groupBy('meter').orderBy(sql`sum(-amount)`, 'desc').orderBy('meter').execute();
  return rows.map((r) => ({ key: r.key, amount: Number(r.amount) }));
}

export type LedgerRow = Selectable<CreditLedgerTable>;

/** Every entry of a subscription in the order written (exports). */
export async function listEntries(db: DbOrTrx, subscriptionId: string): Promise<LedgerRow[]> {
  const rows = await db.selectFrom('credit_ledger').selectAll().where('subscription_id', '=', subscriptionId)
    .orderBy('created_at').orderBy('id').execute();
  return rows.map((r) => ({ ...r, amount: Number(r.amount) }));
}

/**
 * Deletion: the usage entries of a subscription become one entry of their sum, so the totals stay and
 * what was used when is gone. Returns how many entries went.
 */
export async function collapseUsage(trx: Trx, subscriptionId: string, entry: { id: string; createdAt: string }): Promise<number> {
  const totals = await trx.selectFrom('credit_ledger')
    .select([sql<number>`count(*)`.as('n'), sql<number>`coalesce(sum(amount), 0)`.as('total'), sql<string>`max(currency)`.as('currency')])
    .where('subscription_id', '=', subscriptionId).where('kind', '=', 'usage')
    .executeTakeFirstOrThrow();
  const n = Number(totals.n);
  if (n === 0) return 0;
  await trx.deleteFrom('credit_ledger').where('subscription_id', '=', subscriptionId).where('kind', '=', 'usage').execute();
  await insertEntry.affected(trx, {
    id: entry.id, subscription_id: subscriptionId, kind: 'usage', amount: Number(totals.total), currency: totals.currency,
    usage_event_id: null, meter: null, occurred_at: null, created_at: entry.createdAt,
  });
  return n;
}
