import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { AccountRow } from '../accounts/accounts.repository.ts';
import type { SessionTable } from './sessions.table.ts';

export type SessionRow = Selectable<SessionTable>;

export async function insertSession(db: DbOrTrx, row: Insertable<SessionTable>): Promise<void> {
  await db.insertInto('sessions').values(row).execute();
}

const selectSessionWithAccount = prepared((db, p: { tokenHash: string }) => db.selectFrom('sessions')
  .leftJoin('accounts', 'accounts.id', 'sessions.account_id')
  .leftJoin('organizations', 'organizations.id', 'accounts.organization_id')
  .selectAll('accounts')
  .select([
    'sessions.token_hash', 'sessions.account_id', 'sessions.csrf_secret', 'sessions.data', 'sessions.created_at as session_created_at',
    'sessions.last_seen_at', 'sessions.expires_at', 'organizations.name as organization_name',
  ])
  .where('sessions.token_hash', '=', p.tokenHash));

/**
 * The session and its signed-in account (with the organization's name) in one query: every request
 * with a cookie starts here.
 */
export async function findSessionWithAccount(db: DbOrTrx, tokenHash: string): Promise<{ session: SessionRow; account: AccountRow | undefined } | undefined> {
  const row = await selectSessionWithAccount.first(db, { tokenHash });
  if (!row) return undefined;
  const { token_hash, account_id, csrf_secret, data, session_created_at, last_seen_at, expires_at, ...account } = row;
  return {
    session: { token_hash, account_id, csrf_secret, data, created_at: session_created_at, last_seen_at, expires_at },
    account: account.id === null ? undefined : (account as AccountRow),
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
