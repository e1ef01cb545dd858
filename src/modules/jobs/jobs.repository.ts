import type { Selectable } from 'kysely';
import type { Dialect } from '../../db/connect.ts';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import { iso } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import type { JobTable } from './jobs.table.ts';

export type JobRow = Selectable<JobTable>;

export interface NewJob {
  type: string;
  payload: object;
  /** ISO-8601 UTC; defaults to now. */
  runAt?: string;
}

const insertJob = prepared((db, row: JobRow) => db.insertInto('jobs').values(row));

/** Inserts a job row inside the caller's transaction, so the job exists exactly when the work it stands for does. */
export async function enqueueJob(trx: DbOrTrx, job: NewJob, now: Date): Promise<string> {
  const id = newId();
  await insertJob.affected(trx, {
    id,
    type: job.type,
    payload: JSON.stringify(job.payload),
    run_at: job.runAt ?? iso(now),
    attempts: 0,
    locked_by: null,
    locked_until: null,
    last_error: null,
    first_attempt_at: null,
    created_at: iso(now),
    done_at: null,
    failed_at: null,
  });
  return id;
}

/**
 * Makes sure the one job with this fixed id exists and will run: inserted when missing, armed again at
 * `runAt` when it had finished or failed, left alone when it is waiting or running (any number of
 * processes may call this at start).
 */
export async function ensureJob(db: DbOrTrx, job: { id: string; type: string; payload: object; runAt: string }, now: Date): Promise<void> {
  await db.insertInto('jobs').values({
    id: job.id, type: job.type, payload: JSON.stringify(job.payload), run_at: job.runAt, attempts: 0, locked_by: null,
    locked_until: null, last_error: null, first_attempt_at: null, created_at: iso(now), done_at: null, failed_at: null,
  }).onConflict((oc) => oc.column('id').doUpdateSet({ run_at: job.runAt, done_at: null, failed_at: null, attempts: 0, first_attempt_at: null })
    .where((eb) => eb.or([eb('jobs.done_at', 'is not', null), eb('jobs.failed_at', 'is not', null)])))
    .execute();
}

type Claim = { workerId: string; limit: number; now: string; lockedUntil: string };

const claimDue = (forPostgres: boolean) => prepared((db, claim: Claim) => db
  .updateTable('jobs')
  .set((eb) => ({
    locked_by: claim.workerId,
    locked_until: claim.lockedUntil,
    attempts: eb('attempts', '+', 1),
    first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(claim.now)),
  }))
  .where('id', 'in', (eb) => {
    const due = eb
      .selectFrom('jobs')
      .select('id')
      .where('done_at', 'is', null)
      .where('failed_at', 'is', null)
      .where('run_at', '<=', claim.now)
      .where((w) => w.or([w('locked_until', 'is', null), w('locked_until', '<', claim.now)]))
      .orderBy('run_at')
      .limit(claim.limit);
    return forPostgres ? due.forUpdate().skipLocked() : due;
  })
  .returningAll());
const claimDueOnSqlite = claimDue(false);
const claimDueOnPostgres = claimDue(true);

/**
 * Takes up to `limit` due jobs for `workerId` until `lockedUntil`, in one statement. On PostgreSQL the
 * inner select skips rows another worker is claiming; SQLite has one writer, so the statement is atomic.
 * A job whose lease ran out (its worker died) is due again.
 */
export async function claimJobs(db: DbOrTrx, dialect: Dialect, claim: Claim): Promise<JobRow[]> {
  return (dialect === 'postgres' ? claimDueOnPostgres : claimDueOnSqlite).rows(db, claim);
}

/** Extends the lease; false when this worker no longer holds the job. */
export async function renewLease(db: DbOrTrx, id: string, workerId: string, lockedUntil: string): Promise<boolean> {
  const result = await db.updateTable('jobs').set({ locked_until: lockedUntil })
    .where('id', '=', id).where('locked_by', '=', workerId)
    .where('done_at', 'is', null).where('failed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

const markHeldJobDone = prepared((db, p: { id: string; workerId: string; at: string }) => db.updateTable('jobs')
  .set({ done_at: p.at, locked_until: null, last_error: null })
  .where('id', '=', p.id).where('locked_by', '=', p.workerId)
  .where('done_at', 'is', null).where('failed_at', 'is', null));

export async function markDone(db: DbOrTrx, id: string, workerId: string, at: string): Promise<boolean> {
  return await markHeldJobDone.affected(db, { id, workerId, at }) === 1;
}

const rescheduleHeldJob = prepared((db, p: { id: string; workerId: string; runAt: string; lastError: string | null }) => db.updateTable('jobs')
  .set({ run_at: p.runAt, locked_by: null, locked_until: null, last_error: p.lastError })
  .where('id', '=', p.id).where('locked_by', '=', p.workerId)
  .where('done_at', 'is', null).where('failed_at', 'is', null));

/** Releases the job to run again at `runAt`, keeping why the last try failed (null when it did not fail). */
export async function reschedule(db: DbOrTrx, id: string, workerId: string, runAt: string, lastError: string | null): Promise<boolean> {
  return await rescheduleHeldJob.affected(db, { id, workerId, runAt, lastError }) === 1;
}

export async function markFailed(db: DbOrTrx, id: string, workerId: string, at: string, lastError: string): Promise<boolean> {
  const result = await db.updateTable('jobs').set({ failed_at: at, locked_until: null, last_error: lastError })
    .where('id', '=', id).where('locked_by', '=', workerId)
    .where('done_at', 'is', null).where('failed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Jobs done before `before` (failed ones stay, for operators to look into). */
export async function deleteJobsDoneBefore(db: DbOrTrx, before: string): Promise<number> {
  const result = await db.deleteFrom('jobs').where('done_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function findJob(db: DbOrTrx, id: string): Promise<JobRow | undefined> {
  return db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listJobs(db: DbOrTrx, filter: { type?: string } = {}): Promise<JobRow[]> {
  let query = db.selectFrom('jobs').selectAll().orderBy('created_at').orderBy('id');
  if (filter.type) query = query.where('type', '=', filter.type);
  return query.execute();
}
