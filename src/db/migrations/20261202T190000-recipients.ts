import { sql, type Kysely } from 'kysely';

// The console's recipients list (issue 11): newest redemptions first, by campaign or by state, paged by
// (redeemed_at, id) so each page is an index range, not an offset; looking people up by email across both
// account kinds (the unique indexes are partial, one per kind); and the reminder to activate, sent once.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('redemptions').addColumn('reminded_at', 'text').execute();
  await db.schema.createIndex('redemptions_redeemed').on('redemptions').columns(['redeemed_at', 'id']).execute();
  await db.schema.createIndex('redemptions_campaign_redeemed').on('redemptions').columns(['campaign_id', 'redeemed_at', 'id']).execute();
  await db.schema.createIndex('redemptions_state_redeemed').on('redemptions').columns(['state', 'redeemed_at', 'id']).execute();
  await sql`create index accounts_email on accounts (email_normalized)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('accounts_email').execute();
  await db.schema.dropIndex('redemptions_state_redeemed').execute();
  await db.schema.dropIndex('redemptions_campaign_redeemed').execute();
  await db.schema.dropIndex('redemptions_redeemed').execute();
  await db.schema.alterTable('redemptions').dropColumn('reminded_at').execute();
}
