import type { Kysely } from 'kysely';

// When a job was first tried: retries go on for a fixed time after it, whatever the job's own run_at was.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('first_attempt_at', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').dropColumn('first_attempt_at').execute();
}
