import { sql, type Kysely } from 'kysely';

// Links that sign somebody in or reset a password must not be readable from the outbox (issue 9, item 5):
// the secret part of a message is kept sealed in its own column until delivered, and the bodies keep a
// marker. Mail already kept has its tokens scrubbed: those links stop working from the outbox (they were
// delivered, or are kept only for reading).
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mail_outbox').addColumn('sealed_secrets', 'text').execute();
  const { rows } = await sql<{ id: string; text_body: string; html_body: string | null }>`
    select id, text_body, html_body from mail_outbox where text_body like '%token=%' or html_body like '%token=%'`.execute(db);
  for (const row of rows) {
    const html = row.html_body === null ? null : scrub(row.html_body);
    await sql`update mail_outbox set text_body = ${scrub(row.text_body)}, html_body = ${html} where id = ${row.id}`.execute(db);
  }
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('mail_outbox').dropColumn('sealed_secrets').execute();
}

const scrub = (text: string) => text.replace(/token=[^\s"&<>]+/g, 'token=[redacted]');
