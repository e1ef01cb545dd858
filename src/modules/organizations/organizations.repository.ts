import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx, Trx } from '../../db/database.ts';
import type { AccountTable, OrganizationRole } from '../accounts/accounts.table.ts';
import type { OrganizationDomainTable, OrganizationTable } from './organizations.table.ts';

export type OrganizationRow = Selectable<OrganizationTable>;
export type DomainRow = Selectable<OrganizationDomainTable>;
export type MemberRow = Selectable<AccountTable>;

// ---- organizations --------------------------------------------------------

export async function insertOrganization(db: DbOrTrx, row: Insertable<OrganizationTable>): Promise<void> {
  await db.insertInto('organizations').values(row).execute();
}

export async function findOrganization(db: DbOrTrx, id: string): Promise<OrganizationRow | undefined> {
  return db.selectFrom('organizations').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Takes the organization's row lock (a no-op write locks in PostgreSQL and SQLite alike), so rules that count
 * admins cannot interleave: two admins removing each other cannot leave the organization with none.
 */
export async function lockOrganization(trx: Trx, id: string): Promise<boolean> {
  const result = await trx.updateTable('organizations').set((eb) => ({ name: eb.ref('name') })).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function updateOrganization(db: DbOrTrx, id: string, changes: Updateable<OrganizationTable>): Promise<void> {
  await db.updateTable('organizations').set(changes).where('id', '=', id).execute();
}

// ---- domains --------------------------------------------------------------

export async function insertDomain(db: DbOrTrx, row: Insertable<OrganizationDomainTable>): Promise<void> {
  await db.insertInto('organization_domains').values(row).execute();
}

export async function listDomains(db: DbOrTrx, organizationId: string): Promise<DomainRow[]> {
  return db.selectFrom('organization_domains').selectAll()
    .where('organization_id', '=', organizationId).orderBy('domain').execute();
}

export async function findDomain(db: DbOrTrx, organizationId: string, domain: string): Promise<DomainRow | undefined> {
  return db.selectFrom('organization_domains').selectAll()
    .where('organization_id', '=', organizationId).where('domain', '=', domain).executeTakeFirst();
}

/** The one verified claim on a domain, whichever organization holds it. */
export async function findVerifiedDomain(db: DbOrTrx, domain: string): Promise<DomainRow | undefined> {
  return db.selectFrom('organization_domains').selectAll()
    .where('domain', '=', domain).where('verified_at', 'is not', null).executeTakeFirst();
}

/** True when this call verified it (it was not verified before). */
export async function markDomainVerified(db: DbOrTrx, organizationId: string, domain: string, at: string): Promise<boolean> {
  const result = await db.updateTable('organization_domains').set({ verified_at: at })
    .where('organization_id', '=', organizationId).where('domain', '=', domain).where('verified_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteDomain(db: DbOrTrx, organizationId: string, domain: string): Promise<boolean> {
  const result = await db.deleteFrom('organization_domains')
    .where('organization_id', '=', organizationId).where('domain', '=', domain).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

// ---- members --------------------------------------------------------------
// Members are the organizational accounts of an organization that still hold a role; a removed member's
// account keeps its row (its redemptions and subscriptions point at it) but loses its role and email key.

export async function insertMember(db: DbOrTrx, row: Insertable<AccountTable>): Promise<void> {
  await db.insertInto('accounts').values(row).execute();
}

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

/** The oldest admin: whose country a member who joins without one starts with. */
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

export async function deleteTokensOfAccount(db: DbOrTrx, accountId: string): Promise<void> {
  await db.deleteFrom('account_tokens').where('account_id', '=', accountId).execute();
}
