import type { Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type { AccountTable } from './accounts.table.ts';

export type AccountRow = Selectable<AccountTable> & { organization_name: string | null };

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
  return selectAccounts(db).where('accounts.email_normalized', '=', normalizeEmail(email)).execute();
}

export const normalizeEmail = (email: string): string => email.trim().toLowerCase();
