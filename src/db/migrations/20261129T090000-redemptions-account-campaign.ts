import type { Kysely } from 'kysely';

// The per-account campaign limit counts an account's redemptions of one campaign on every redemption; with
// only (account_id, redeemed_at) and (campaign_id, state) the planner scanned a whole campaign's rows.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('redemptions_account_campaign').on('redemptions').columns(['account_id', 'campaign_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('redemptions_account_campaign').execute();
}
