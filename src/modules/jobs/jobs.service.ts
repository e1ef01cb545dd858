// The job queue as the rest of cloudpass sees it, in two parts. The queue (enqueue inside your
// transaction, wake the workers) needs nothing but the clock, so services.ts builds it first and hands it
// to every module that enqueues; the job service builds workers with every module's handlers, last.
import type { Dialect } from '../../db/connect.ts';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { Clock } from '../../lib/clock.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { deleteJobsDoneBefore, enqueueJob, type NewJob } from './jobs.repository.ts';
import { createJobWorker, type JobHandlers, type JobLog, type JobWorker } from './job-worker.ts';

export type { NewJob };

export interface WorkerSettings {
  log: JobLog;
  pollMs?: number;
  concurrency?: number;
  workerId?: string;
  leaseMs?: number;
}

/** Done jobs are kept this long, for looking into what happened. */
export const FINISHED_JOB_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function createJobQueue(deps: { clock: Clock }) {
  const { clock } = deps;
  const listeners = new Set<() => void>();

  /** Inserts the job with the caller's handle (a transaction, so it commits with the work it stands for). */
  async function enqueue(trx: DbOrTrx, job: NewJob): Promise<string> {
    return enqueueJob(trx, job, clock.now());
  }

  /** Asks this process's workers to poll now, e.g. right after a transaction that enqueued committed. */
  function wake() {
    for (const listener of listeners) listener();
  }

  /** Hears every wake until the returned function is called. */
  function onWake(listener: () => void): () => void {
    listeners.add(listener);
    return () => { listeners.delete(listener); };
  }

  return { enqueue, wake, onWake };
}

export type JobQueue = ReturnType<typeof createJobQueue>;

export function createJobService(deps: { db: Db; dialect: Dialect; clock: Clock; queue: JobQueue; handlers: JobHandlers }) {
  const { db, dialect, clock, queue, handlers } = deps;

  function createWorker(settings: WorkerSettings): JobWorker {
    const worker = createJobWorker({ db, dialect, clock, handlers, ...settings });
    const stopHearing = queue.onWake(() => worker.wake());
    const stop = worker.stop;
    return { ...worker, stop: async () => { await stop(); stopHearing(); } };
  }

  /** Housekeeping: forgets jobs done more than a week ago; returns how many. */
  async function purgeFinished(): Promise<number> {
    return deleteJobsDoneBefore(db, iso(addMs(clock.now(), -FINISHED_JOB_TTL_MS)));
  }

  return { dialect, handlers, enqueue: queue.enqueue, wake: queue.wake, createWorker, purgeFinished };
}

export type JobService = ReturnType<typeof createJobService>;
