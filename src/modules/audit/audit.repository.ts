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

export interface EventFilter {
  limit: number;
  before?: string;
  subjectId?: string;
  subjectType?: string;
  /** The actor's label as the trail shows it (an admin's email, a key's name, "cloudpass"). */
  actor?: string;
  action?: string;
}

/** Newest first; every filter given narrows the list (each is an exact match). */
export async function listEvents(db: DbOrTrx, options: EventFilter): Promise<AuditEventRow[]> {
  let query = db.selectFrom('audit_events').selectAll().orderBy('at', 'desc').orderBy('id', 'desc').limit(options.limit);
  if (options.before) query = query.where('at', '<', options.before);
  if (options.subjectId) query = query.where('subject_id', '=', options.subjectId);
  if (options.subjectType) query = query.where('subject_type', '=', options.subjectType);
  if (options.actor) query = query.where('actor_label', '=', options.actor);
  if (options.action) query = query.where('action', '=', options.action);
  return query.execute();
}

/** Every action and subject type the trail holds, for the filter's choices (each read from its own index). */
export async function distinctValues(db: DbOrTrx): Promise<{ actions: string[]; subjectTypes: string[] }> {
  const [actions, subjectTypes] = await Promise.all([
    db.selectFrom('audit_events').select('action').distinct().orderBy('action').execute(),
    db.selectFrom('audit_events').select('subject_type').distinct().orderBy('subject_type').execute(),
  ]);
  return { actions: actions.map((r) => r.action), subjectTypes: subjectTypes.map((r) => r.subject_type) };
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
