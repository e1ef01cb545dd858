// The job queue as the rest of cloudpass sees it: enqueue inside your transaction, and workers built
// with every module's handlers.
import type { Dialect } from '../../db/connect.ts';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { Clock } from '../../lib/clock.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { deleteJobsDoneBefore, enqueueJob, type NewJob } from './jobs.repository.ts';
import { createJobWorker, type JobHandlers, type JobLog, type JobWorker } from './job-worker.ts';

export interface WorkerSettings {
  log: JobLog;
  pollMs?: number;
  concurrency?: number;
  workerId?: string;
  leaseMs?: number;
}

/** Done jobs are kept this long, for looking into what happened. */
export const FINISHED_JOB_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function createJobService(deps: { db: Db; dialect: Dialect; clock: Clock; handlers: JobHandlers }) {
  const { db, dialect, clock, handlers } = deps;
  const workers = new Set<JobWorker>();

  /** Inserts the job with the caller's handle (a transaction, so it commits with the work it stands for). */
  async function enqueue(trx: DbOrTrx, job: NewJob): Promise<string> {
    return enqueueJob(trx, job, clock.now());
  }

  /** Asks this process's workers to poll now, e.g. right after a transaction that enqueued committed. */
  function wake() {
    for (const worker of workers) worker.wake();
  }

  function createWorker(settings: WorkerSettings): JobWorker {
    const worker = createJobWorker({ db, dialect, clock, handlers, ...settings });
    workers.add(worker);
    const stop = worker.stop;
    return { ...worker, stop: async () => { await stop(); workers.delete(worker); } };
  }

  /** Housekeeping: forgets jobs done more than a week ago; returns how many. */
  async function purgeFinished(): Promise<number> {
    return deleteJobsDoneBefore(db, iso(addMs(clock.now(), -FINISHED_JOB_TTL_MS)));
  }

  return { dialect, handlers, enqueue, wake, createWorker, purgeFinished };
}

export type JobService = ReturnType<typeof createJobService>;
