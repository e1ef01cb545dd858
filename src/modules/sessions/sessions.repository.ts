import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { SessionTable } from './sessions.table.ts';

export type SessionRow = Selectable<SessionTable>;

export async function insertSession(db: DbOrTrx, row: Insertable<SessionTable>): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

/**
 * What a session reads of its signed-in account. A read-only join on the accounts module's `accounts` table
 * (and `organizations` for the name): every request with a cookie needs both, and one query instead of two
 * was a measured win in the redemption storm bench. Only these columns are read, never the password hash.
 */
export interface SessionAccountRow {
  id: string;
  kind: 'personal' | 'organizational';
  organization_id: string | null;
  organization_name: string | null;
  organization_role: 'admin' | 'member' | null;
  email: string;
  display_name: string;
  country: string;
  email_verified_at: string | null;
  operator_admin: number;
  has_password: number | boolean;
}

const selectSessionWithAccount = prepared((db, p: { tokenHash: string }) => db.selectFrom('sessions')
  .leftJoin('accounts', 'accounts.id', 'sessions.account_id')
  .leftJoin('organizations', 'organizations.id', 'accounts.organization_id')
  .select((eb) => [
    'sessions.token_hash', 'sessions.account_id', 'sessions.csrf_secret', 'sessions.data', 'sessions.created_at',
    'sessions.last_seen_at', 'sessions.expires_at',
    'accounts.id as account_row_id', 'accounts.kind', 'accounts.organization_id', 'organizations.name as organization_name',
    'accounts.organization_role', 'accounts.email', 'accounts.display_name', 'accounts.country', 'accounts.email_verified_at',
    'accounts.operator_admin', eb('accounts.password_hash', 'is not', null).as('has_password'),
  ])
  .where('sessions.token_hash', '=', p.tokenHash));

/** The session and its signed-in account (with the organization's name) in one query: every request with a cookie starts here. */
export async function findSessionWithAccount(db: DbOrTrx, tokenHash: string): Promise<{ session: SessionRow; account: SessionAccountRow | undefined } | undefined> {
  const row = await selectSessionWithAccount.first(db, { tokenHash });
  if (!row) return undefined;
  const { token_hash, account_id, csrf_secret, data, created_at, last_seen_at, expires_at, account_row_id, ...account } = row;
  return {
    session: { token_hash, account_id, csrf_secret, data, created_at, last_seen_at, expires_at },
    account: account_row_id === null ? undefined : { ...(account as Omit<SessionAccountRow, 'id'>), id: account_row_id },
  };
}

export async function updateSession(db: DbOrTrx, tokenHash: string, changes: Updateable<SessionTable>): Promise<void> {
  await db.updateTable('sessions').set(changes).where('token_hash', '=', tokenHash).execute();
}

export async function deleteSession(db: DbOrTrx, tokenHash: string): Promise<void> {
  await db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

export async function deleteSessionsOfAccount(db: DbOrTrx, accountId: string, exceptTokenHash?: string): Promise<void> {
  let query = db.deleteFrom('sessions').where('account_id', '=', accountId);
  if (exceptTokenHash) query = query.where('token_hash', '<>', exceptTokenHash);
  await query.execute();
}

export async function deleteExpiredSessions(db: DbOrTrx, nowIso: string, idleBeforeIso: string): Promise<number> {
  const result = await db.deleteFrom('sessions')
    .where((eb) => eb.or([eb('expires_at', '<=', nowIso), eb('last_seen_at', '<=', idleBeforeIso)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
