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
