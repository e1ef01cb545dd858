import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx, Trx } from '../../db/database.ts';
import type { OrganizationDomainTable, OrganizationTable } from './organizations.table.ts';

export type OrganizationRow = Selectable<OrganizationTable>;
export type DomainRow = Selectable<OrganizationDomainTable>;

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
