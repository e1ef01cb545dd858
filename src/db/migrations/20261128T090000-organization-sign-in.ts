import { sql, type Kysely } from 'kysely';

// A domain proves membership only when exactly one organization controls it, and an OpenID subject names
// exactly one member of its organization: both are unique where set, for SQLite and PostgreSQL alike.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create unique index organization_domains_verified on organization_domains (domain) where verified_at is not null`.execute(db);
  await sql`create unique index accounts_organization_oidc_subject on accounts (organization_id, oidc_subject) where oidc_subject is not null`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop index accounts_organization_oidc_subject`.execute(db);
  await sql`drop index organization_domains_verified`.execute(db);
}
