import type { Insertable, Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { AuditEventTable } from './audit.table.ts';

export type AuditEventRow = Selectable<AuditEventTable>;

const insertEventRow = prepared((db, row: Insertable<AuditEventTable>) => db.insertInto('audit_events').values(row));

/** Written with the caller's handle, so the trail and the change it records commit together. */
export async function insertEvent(db: DbOrTrx, row: Insertable<AuditEventTable>): Promise<void> {
  await insertEventRow.affected(db, row);
}

/** Newest first; `before` and `subjectId` narrow the list. */
export async function listEvents(db: DbOrTrx, options: { limit: number; before?: string; subjectId?: string }): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit);
  if (options.before) query = query.where('at', '<', options.before);
  if (options.subjectId) query = query.where('subject_id', '=', options.subjectId);
  return query.execute();
}

/** Newest first: the events about any of these subjects (each an index look-up on subject_type, subject_id). */
export async function listEventsAbout(db: DbOrTrx, subjects: ReadonlyArray<{ type: string; ids: readonly string[] }>, limit: number): Promise<AuditEventRow[]> {
  const wanted = subjects.filter((s) => s.ids.length > 0);
  if (wanted.length === 0) return [];
  return db.selectFrom('audit_events').selectAll()
    .where((eb) => eb.or(wanted.map((s) => eb.and([eb('subject_type', '=', s.type), eb('subject_id', 'in', [...s.ids])]))))
    .orderBy('at', 'desc').orderBy('id', 'desc').limit(limit)
    .execute();
}
