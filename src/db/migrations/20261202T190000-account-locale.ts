import type { Kysely } from 'kysely';

// The language each person last used (signing up, signing in, switching language while signed in), so the
// emails they get later (a password reset, an invitation) are written in it. Null: never said, English.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('locale', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('locale').execute();
}
