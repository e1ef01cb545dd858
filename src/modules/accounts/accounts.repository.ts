import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { AccountTable, AccountTokenPurpose, AccountTokenTable, OrganizationRole } from './accounts.table.ts';

export type AccountRow = Selectable<AccountTable> & { organization_name: string | null };
export type AccountTokenRow = Selectable<AccountTokenTable>;
export type MemberRow = Selectable<AccountTable>;

// The accounts' rows read with the name of their organization: a read-only join on the organizations
// module's table, so every account view can say which organization it belongs to.
function selectAccounts(db: DbOrTrx) {
  return db.selectFrom('accounts')
    .leftJoin('organizations', 'organizations.id', 'accounts.organization_id')
    .selectAll('accounts')
    .select('organizations.name as organization_name');
}

const selectAccountById = prepared((db, p: { id: string }) => selectAccounts(db).where('accounts.id', '=', p.id));

export async function findAccountById(db: DbOrTrx, id: string): Promise<AccountRow | undefined> {
  return selectAccountById.first(db, { id });
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

/** Writes only a change, so signing in again in the same language costs a read of the index, not a write. */
export async function updateLocale(db: DbOrTrx, id: string, locale: string): Promise<void> {
  await db.updateTable('accounts').set({ locale }).where('id', '=', id)
    .where((eb) => eb.or([eb('locale', 'is', null), eb('locale', '!=', locale)])).execute();
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

export async function operatorAdminEmails(db: DbOrTrx): Promise<string[]> {
  const rows = await db.selectFrom('accounts').select('email').where('operator_admin', '=', 1).orderBy('email').execute();
  return rows.map((r) => r.email);
}

export async function deleteTokensOfAccount(db: DbOrTrx, accountId: string): Promise<void> {
  await db.deleteFrom('account_tokens').where('account_id', '=', accountId).execute();
}

// ---- members of an organization ---------------------------------------------
// Members are the organizational accounts of an organization that still hold a role; a removed member's
// account keeps its row (its redemptions and subscriptions point at it) but loses its role and email key.

function members(db: DbOrTrx, organizationId: string) {
  return db.selectFrom('accounts').selectAll()
    .where('kind', '=', 'organizational').where('organization_id', '=', organizationId)
    .where('organization_role', 'is not', null);
}

export async function listMembers(db: DbOrTrx, organizationId: string): Promise<MemberRow[]> {
  return members(db, organizationId).orderBy('created_at').orderBy('id').execute();
}

export async function findMember(db: DbOrTrx, organizationId: string, accountId: string): Promise<MemberRow | undefined> {
  return members(db, organizationId).where('id', '=', accountId).executeTakeFirst();
}

export async function findMemberByEmail(db: DbOrTrx, organizationId: string, emailNormalized: string): Promise<MemberRow | undefined> {
  return members(db, organizationId).where('email_normalized', '=', emailNormalized).executeTakeFirst();
}

export async function findMemberBySubject(db: DbOrTrx, organizationId: string, subject: string): Promise<MemberRow | undefined> {
  return members(db, organizationId).where('oidc_subject', '=', subject).executeTakeFirst();
}

export async function countAdmins(db: DbOrTrx, organizationId: string): Promise<number> {
  const row = await members(db, organizationId).clearSelect()
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_role', '=', 'admin').executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The oldest admin. */
export async function findFirstAdmin(db: DbOrTrx, organizationId: string): Promise<MemberRow | undefined> {
  return members(db, organizationId).where('organization_role', '=', 'admin').orderBy('created_at').limit(1).executeTakeFirst();
}

export async function setMemberRole(db: DbOrTrx, organizationId: string, accountId: string, role: OrganizationRole, at: string): Promise<boolean> {
  const result = await db.updateTable('accounts').set({ organization_role: role, updated_at: at })
    .where('kind', '=', 'organizational').where('organization_id', '=', organizationId)
    .where('id', '=', accountId).where('organization_role', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Binds an OpenID subject to a member that has none yet; the provider has vouched for the email too. */
export async function linkOidcSubject(db: DbOrTrx, accountId: string, subject: string, at: string): Promise<boolean> {
  const result = await db.updateTable('accounts')
    .set((eb) => ({
      oidc_subject: subject, updated_at: at,
      email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(at)),
    }))
    .where('id', '=', accountId).where('oidc_subject', 'is', null).where('organization_role', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** An invited member chose a password: the invitation link proved the email. */
export async function setInitialPassword(db: DbOrTrx, accountId: string, passwordHash: string, at: string): Promise<boolean> {
  const result = await db.updateTable('accounts')
    .set((eb) => ({
      password_hash: passwordHash, updated_at: at,
      email_verified_at: eb.fn.coalesce('email_verified_at', eb.val(at)),
    }))
    .where('id', '=', accountId).where('kind', '=', 'organizational').where('organization_role', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Ends a membership while keeping the account's history: no role, no password, no OpenID subject, and an
 * email key no sign-in, reset or invitation can match, so the same email can be invited again.
 */
export async function detachMember(db: DbOrTrx, organizationId: string, accountId: string, at: string): Promise<boolean> {
  const result = await db.updateTable('accounts')
    .set({
      organization_role: null, password_hash: null, oidc_subject: null,
      email_normalized: `removed:${accountId}`, updated_at: at,
    })
    .where('kind', '=', 'organizational').where('organization_id', '=', organizationId)
    .where('id', '=', accountId).where('organization_role', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
