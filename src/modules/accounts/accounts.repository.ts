import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type { AccountTable, AccountTokenPurpose, AccountTokenTable } from './accounts.table.ts';

export type AccountRow = Selectable<AccountTable> & { organization_name: string | null };
export type AccountTokenRow = Selectable<AccountTokenTable>;

function selectAccounts(db: DbOrTrx) {
  return db.selectFrom('accounts')
    .leftJoin('organizations', 'organizations.id', 'accounts.organization_id')
    .selectAll('accounts')
    .select('organizations.name as organization_name');
}

export async function findAccountById(db: DbOrTrx, id: string): Promise<AccountRow | undefined> {
  return selectAccounts(db).where('accounts.id', '=', id).executeTakeFirst();
}

/** Every account (personal and organizational) holding this email, case-insensitively. */
export async function findAccountsByEmail(db: DbOrTrx, email: string): Promise<AccountRow[]> {
  return selectAccounts(db).where('accounts.email_normalized', '=', normalizeEmail(email))
    .orderBy('accounts.kind', 'desc').orderBy('organizations.name').execute();
}

export async function findPersonalAccountByEmail(db: DbOrTrx, email: string): Promise<AccountRow | undefined> {
  return selectAccounts(db).where('accounts.email_normalized', '=', normalizeEmail(email))
    .where('accounts.kind', '=', 'personal').executeTakeFirst();
}

export async function insertAccount(db: DbOrTrx, row: Insertable<AccountTable>): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}

export async function updateAccount(db: DbOrTrx, id: string, changes: Updateable<AccountTable>): Promise<boolean> {
  const result = await db.updateTable('accounts').set(changes).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Sets the verification time only once; false when it was already verified. */
export async function markEmailVerified(db: DbOrTrx, id: string, at: string): Promise<boolean> {
  const result = await db.updateTable('accounts').set({ email_verified_at: at, updated_at: at })
    .where('id', '=', id).where('email_verified_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertToken(db: DbOrTrx, row: Insertable<AccountTokenTable>): Promise<void> {
  await db.insertInto('account_tokens').values(row).execute();
}

/** Marks an unused, unexpired token as used; only one caller ever wins. */
export async function useToken(db: DbOrTrx, tokenHash: string, purpose: AccountTokenPurpose, now: string): Promise<AccountTokenRow | undefined> {
  const result = await db.updateTable('account_tokens').set({ used_at: now })
    .where('token_hash', '=', tokenHash).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) return undefined;
  return db.selectFrom('account_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** The account an unused, unexpired token belongs to, without using the token. */
export async function findLiveToken(db: DbOrTrx, tokenHash: string, purpose: AccountTokenPurpose, now: string): Promise<AccountTokenRow | undefined> {
  return db.selectFrom('account_tokens').selectAll()
    .where('token_hash', '=', tokenHash).where('purpose', '=', purpose)
    .where('used_at', 'is', null).where('expires_at', '>', now)
    .executeTakeFirst();
}

/** Invalidates every other outstanding token of this purpose (e.g. older reset links after a reset). */
export async function expireTokens(db: DbOrTrx, accountId: string, purpose: AccountTokenPurpose, now: string): Promise<void> {
  await db.updateTable('account_tokens').set({ used_at: now })
    .where('account_id', '=', accountId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** A unique index refused the row (SQLite and PostgreSQL say it differently). */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string } | null;
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export async function operatorAdminEmails(db: DbOrTrx): Promise<string[]> {
  const rows = await db.selectFrom('accounts').select('email').where('operator_admin', '=', 1).orderBy('email').execute();
  return rows.map((r) => r.email);
}
