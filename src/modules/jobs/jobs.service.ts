// The job queue as the rest of cloudpass sees it, in two parts. The queue (enqueue inside your
// transaction, wake the workers) needs nothing but the clock, so services.ts builds it first and hands it
// to every module that enqueues; the job service builds workers with every module's handlers, last.
import type { Dialect } from '../../db/connect.ts';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { Clock } from '../../lib/clock.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { deleteJobsDoneBefore, enqueueJob, ensureJob, type NewJob } from './jobs.repository.ts';
import { createJobWorker, type JobHandler, type JobHandlers, type JobLog, type JobWorker } from './job-worker.ts';

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

/**
 * Work done again and again (the lifecycle's sweep): one job row per type, with a fixed id, that puts
 * itself back `everyMs` later after each run. Being a row with a run-at time, it survives restarts, and
 * one that was due while every process was down runs as soon as one starts. It never fails for good: a
 * failing run is logged and tried again at the next interval.
 */
export interface RecurringJob {
  everyMs: number;
  run(log: JobLog): Promise<void>;
}

const recurringId = (type: string) => `recurring:${type}`;

export function createJobService(deps: {
  db: Db; dialect: Dialect; clock: Clock; queue: JobQueue; handlers: JobHandlers; recurring?: Record<string, RecurringJob>;
}) {
  const { db, dialect, clock, queue } = deps;
  const recurring = deps.recurring ?? {};
  const handlers: JobHandlers = { ...deps.handlers };
  for (const [type, job] of Object.entries(recurring)) {
    const handler: JobHandler = {
      async run(_payload, { log }) {
        try {
          await job.run(log);
        } catch (error) {
          log.error({ type, err: error }, 'a recurring job failed; it runs again at its next interval');
        }
        return { retryAt: addMs(clock.now(), job.everyMs) };
      },
    };
    handlers[type] = handler;
  }

  /** Every recurring job exists and is armed (each process that works jobs calls this as it starts). */
  async function ensureRecurring(): Promise<void> {
    for (const type of Object.keys(recurring)) {
      await ensureJob(db, { id: recurringId(type), type, payload: {}, runAt: iso(clock.now()) }, clock.now());
    }
  }

  function createWorker(settings: WorkerSettings): JobWorker {
    const worker = createJobWorker({ db, dialect, clock, handlers, ...settings });
    const stopHearing = queue.onWake(() => worker.wake());
    const { stop, start, runDue } = worker;
    let ensured: Promise<void> | undefined;
    const ensure = () => (ensured ??= ensureRecurring().catch((error: unknown) => {
      ensured = undefined;
      settings.log.error({ err: error }, 'could not arm the recurring jobs; will try again');
    }));
    return {
      ...worker,
      start: () => { void ensure().then(() => worker.wake()); start(); },
      runDue: async () => { await ensure(); return runDue(); },
      stop: async () => { await stop(); stopHearing(); },
    };
  }

  /** Housekeeping: forgets jobs done more than a week ago; returns how many. */
  async function purgeFinished(): Promise<number> {
    return deleteJobsDoneBefore(db, iso(addMs(clock.now(), -FINISHED_JOB_TTL_MS)));
  }

  return { dialect, handlers, enqueue: queue.enqueue, wake: queue.wake, createWorker, purgeFinished, ensureRecurring };
}

export type JobService = ReturnType<typeof createJobService>;
