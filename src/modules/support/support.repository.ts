// All SQL for support cases and their messages. Every function takes the handle its caller owns.
import type { Insertable, Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type { SupportCaseRequestTable, SupportCaseStatus, SupportCaseTable, SupportMessageTable } from './support.table.ts';

/** A case with the account that opened it (null for a case without one). */
export type SupportCaseRow = Selectable<SupportCaseTable> & {
  account_email: string | null;
  account_display_name: string | null;
  account_locale: string | null;
};

export type SupportMessageRow = Selectable<SupportMessageTable>;

function selectCases(db: DbOrTrx) {
  return db.selectFrom('support_cases')
    .leftJoin('accounts', 'accounts.id', 'support_cases.account_id')
    .selectAll('support_cases')
    .select(['accounts.email as account_email', 'accounts.display_name as account_display_name', 'accounts.locale as account_locale']);
}

export async function insertCase(db: DbOrTrx, row: Insertable<SupportCaseTable>): Promise<void> {
  await db.insertInto('support_cases').values(row).execute();
}

export async function insertMessage(db: DbOrTrx, row: Insertable<SupportMessageTable>): Promise<void> {
  await db.insertInto('support_messages').values(row).execute();
}

export async function findCase(db: DbOrTrx, id: string): Promise<SupportCaseRow | undefined> {
  return selectCases(db).where('support_cases.id', '=', id).executeTakeFirst();
}

export interface CaseFilter {
  accountId?: string;
  status?: SupportCaseStatus;
  /** Keyset cursor: cases strictly after this (updated_at, id) in newest-first order. */
  before?: { updatedAt: string; id: string };
  limit: number;
}

/** Most recently active first; ties broken by id so pages never skip or repeat a case. */
export async function listCases(db: DbOrTrx, filter: CaseFilter): Promise<SupportCaseRow[]> {
  let query = selectCases(db);
  if (filter.accountId) query = query.where('support_cases.account_id', '=', filter.accountId);
  if (filter.status) query = query.where('support_cases.status', '=', filter.status);
  const before = filter.before;
  if (before) {
    query = query.where((eb) => eb.or([
      eb('support_cases.updated_at', '<', before.updatedAt),
      eb.and([eb('support_cases.updated_at', '=', before.updatedAt), eb('support_cases.id', '<', before.id)]),
    ]));
  }
  return query.orderBy('support_cases.updated_at', 'desc').orderBy('support_cases.id', 'desc').limit(filter.limit).execute();
}

/** How many cases are in each status (the queue's tabs). */
export async function countByStatus(db: DbOrTrx): Promise<Record<SupportCaseStatus, number>> {
  const rows = await db.selectFrom('support_cases')
    .select(['status', (eb) => eb.fn.countAll<number | string>().as('count')])
    .groupBy('status')
    .execute();
  const counts: Record<SupportCaseStatus, number> = { open: 0, waiting: 0, closed: 0 };
  for (const row of rows) counts[row.status] = Number(row.count);
  return counts;
}

/** Oldest first: a conversation reads top to bottom. */
export async function listMessages(db: DbOrTrx, caseId: string): Promise<SupportMessageRow[]> {
  return db.selectFrom('support_messages')
    .selectAll()
    .where('case_id', '=', caseId)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc')
    .execute();
}

/**
 * Conditional: moves the case to `to` only from one of `from`, and marks it as active now. Returns the
 * rows changed (0 or 1), so two requests racing to change the status change it once.
 */
export async function changeStatus(
  db: DbOrTrx, id: string, from: readonly SupportCaseStatus[], to: SupportCaseStatus, now: string,
): Promise<number> {
  if (from.length === 0) return 0;
  const result = await db.updateTable('support_cases')
    .set({ status: to, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** A new message is activity: the case moves to the top of its lists. */
export async function touchCase(db: DbOrTrx, id: string, now: string): Promise<void> {
  await db.updateTable('support_cases').set({ updated_at: now }).where('id', '=', id).execute();
}

// ---- requests from signed-out visitors ---------------------------------------------------------------

export type SupportCaseRequestRow = Selectable<SupportCaseRequestTable>;

export async function insertRequest(db: DbOrTrx, row: Insertable<SupportCaseRequestTable>): Promise<void> {
  await db.insertInto('support_case_requests').values(row).execute();
}

/**
 * Conditional: uses the request up (unused and unexpired) and returns it, so a link opened twice, or twice
 * at once, opens one case.
 */
export async function useRequest(db: DbOrTrx, tokenHash: string, now: string): Promise<SupportCaseRequestRow | undefined> {
  const result = await db.updateTable('support_case_requests').set({ used_at: now })
    .where('token_hash', '=', tokenHash).where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return db.selectFrom('support_case_requests').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

export async function setRequestCase(db: DbOrTrx, tokenHash: string, caseId: string): Promise<void> {
  await db.updateTable('support_case_requests').set({ case_id: caseId }).where('token_hash', '=', tokenHash).execute();
}

/** Deletes requests whose link can no longer be used: expired, or used before `usedBefore`. */
export async function deleteSpentRequests(db: DbOrTrx, now: string, usedBefore: string): Promise<number> {
  const result = await db.deleteFrom('support_case_requests')
    .where((eb) => eb.or([eb('expires_at', '<=', now), eb('used_at', '<', usedBefore)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** The account a confirmed address belongs to: its personal account first, else its oldest organizational one. */
export async function findAccountIdByEmail(db: DbOrTrx, emailNormalized: string): Promise<string | undefined> {
  const row = await db.selectFrom('accounts').select('id')
    .where('email_normalized', '=', emailNormalized)
    .orderBy((eb) => eb.case().when('kind', '=', 'personal').then(0).else(1).end())
    .orderBy('created_at').orderBy('id')
    .executeTakeFirst();
  return row?.id;
}
