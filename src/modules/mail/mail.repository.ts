import type { Insertable, Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { MailOutboxTable } from './mail.table.ts';

export type MailRow = Selectable<MailOutboxTable>;

const insertMailRow = prepared((db, row: Insertable<MailOutboxTable>) => db.insertInto('mail_outbox').values(row));

export async function insertMail(db: DbOrTrx, row: Insertable<MailOutboxTable>): Promise<void> {
  await insertMailRow.affected(db, row);
}

export async function findMail(db: DbOrTrx, id: string): Promise<MailRow | undefined> {
  return db.selectFrom('mail_outbox').selectAll().where('id', '=', id).executeTakeFirst();
}

/** True when this caller won attempt number `seenAttempts + 1`. */
export async function claimAttempt(db: DbOrTrx, id: string, seenAttempts: number): Promise<boolean> {
  const result = await db.updateTable('mail_outbox')
    .set({ attempts: seenAttempts + 1, last_error: null })
    .where('id', '=', id).where('attempts', '=', seenAttempts).where('sent_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function markSent(db: DbOrTrx, id: string, at: string): Promise<void> {
  // Delivered: the secrets are not needed again, and nobody may read them from here on.
  await db.updateTable('mail_outbox').set({ sent_at: at, last_error: null, sealed_secrets: null }).where('id', '=', id).execute();
}

export async function markFailed(db: DbOrTrx, id: string, error: string): Promise<void> {
  await db.updateTable('mail_outbox').set({ last_error: error }).where('id', '=', id).where('sent_at', 'is', null).execute();
}

/**
 * Unsent mail whose last attempt failed, or that was written before `staleBefore` and never sent: claimed and
 * never finished, or never tried at all (the process died between the commit and the start of delivery).
 */
export async function findRetryable(db: DbOrTrx, maxAttempts: number, staleBefore: string): Promise<MailRow[]> {
  return db.selectFrom('mail_outbox').selectAll()
    .where('sent_at', 'is', null)
    .where('attempts', '<', maxAttempts)
    .where((eb) => eb.or([
      eb('last_error', 'is not', null),
      eb('created_at', '<', staleBefore),
    ]))
    .orderBy('created_at').limit(100).execute();
}

export async function listMail(db: DbOrTrx, limit: number, before?: string): Promise<MailRow[]> {
  let query = db.selectFrom('mail_outbox').selectAll().orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit);
  if (before) query = query.where('created_at', '<', before);
  return query.execute();
}
