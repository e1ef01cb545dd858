import type { Db, DbOrTrx } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import * as repo from './audit.repository.ts';
import type { ActorType } from './audit.table.ts';

/** Who did something: an API key, an operator admin, a recipient's account, or cloudpass itself. */
export interface Actor {
  type: ActorType;
  id: string | null;
  label: string;
}

export const systemActor: Actor = { type: 'system', id: null, label: 'cloudpass' };

export interface AuditEventView {
  id: string;
  at: string;
  actor: Actor;
  action: string;
  subject: { type: string; id: string | null };
  details: Record<string, unknown>;
}

/** Narrows the trail; every filter is an exact match. */
export interface AuditFilter {
  limit?: number;
  before?: string;
  subjectId?: string;
  subjectType?: string;
  /** The actor's label (an admin's email, a key's name). */
  actor?: string;
  action?: string;
}

export function createAuditService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  /** Written inside the caller's transaction, so the trail and the change land together. */
  async function record(trx: DbOrTrx, actor: Actor, action: string, subjectType: string, subjectId: string | null, details: Record<string, unknown> = {}) {
    await repo.insertEvent(trx, {
      id: newId(), at: iso(clock.now()), actor_type: actor.type, actor_id: actor.id, actor_label: actor.label,
      action, subject_type: subjectType, subject_id: subjectId, details: JSON.stringify(details),
    });
  }

  async function list(options: AuditFilter = {}): Promise<AuditEventView[]> {
    const rows = await repo.listEvents(db, { ...options, limit: Math.min(options.limit ?? 100, 500) });
    return rows.map(toAuditEventView);
  }

  /** The actions and subject types recorded so far: what the trail can be filtered by. */
  async function filterChoices(): Promise<{ actions: string[]; subjectTypes: string[] }> {
    return repo.distinctValues(db);
  }

  /** What happened to these subjects (an account, its passes and subscriptions), newest first. */
  async function listAbout(subjects: ReadonlyArray<{ type: string; ids: readonly string[] }>, limit = 200): Promise<AuditEventView[]> {
    return (await repo.listEventsAbout(db, subjects, Math.min(limit, 500))).map(toAuditEventView);
  }

  return { record, list, filterChoices, listAbout };
}

export type AuditService = ReturnType<typeof createAuditService>;

function toAuditEventView(r: repo.AuditEventRow): AuditEventView {
  return {
    id: r.id, at: r.at, actor: { type: r.actor_type, id: r.actor_id, label: r.actor_label }, action: r.action,
    subject: { type: r.subject_type, id: r.subject_id }, details: JSON.parse(r.details) as Record<string, unknown>,
  };
}
