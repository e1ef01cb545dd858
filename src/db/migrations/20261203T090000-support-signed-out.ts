import type { Kysely } from 'kysely';

// Support without signing in (issue 13): a signed-out visitor's case waits as a request until they open the
// link mailed to the address they gave (only the link token's keyed hash is kept, like account tokens); the
// case then belongs to the account with that email, or, when there is none, to the address itself, which
// the operator's replies are mailed to, in the language the request was made in.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('support_case_requests')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('locale', 'text', (c) => c.notNull())
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('case_id', 'text', (c) => c.references('support_cases.id').onDelete('set null'))
    .execute();
  await db.schema.createIndex('support_case_requests_expires').on('support_case_requests').columns(['expires_at']).execute();
  await db.schema.alterTable('support_cases').addColumn('contact_email', 'text').execute();
  await db.schema.alterTable('support_cases').addColumn('contact_locale', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('support_cases').dropColumn('contact_locale').execute();
  await db.schema.alterTable('support_cases').dropColumn('contact_email').execute();
  await db.schema.dropTable('support_case_requests').execute();
}
