import type { Kysely } from 'kysely';

// The operator console lists a campaign's batches with their codes counted by state and revokes a whole
// batch (by batch_id, then state); its audit trail filters by action and by actor, newest first.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('pass_codes_batch_state').on('pass_codes').columns(['batch_id', 'state']).execute();
  await db.schema.createIndex('code_batches_campaign').on('code_batches').columns(['campaign_id', 'created_at']).execute();
  await db.schema.createIndex('audit_events_action').on('audit_events').columns(['action', 'at']).execute();
  await db.schema.createIndex('audit_events_actor').on('audit_events').columns(['actor_label', 'at']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('audit_events_actor').execute();
  await db.schema.dropIndex('audit_events_action').execute();
  await db.schema.dropIndex('code_batches_campaign').execute();
  await db.schema.dropIndex('pass_codes_batch_state').execute();
}
