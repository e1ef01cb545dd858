// Works the job queue: claims due jobs with a lease, runs their handlers, and records done, retry or
// give-up. Any number of workers (processes) may share one database; a crashed worker's jobs come back
// when their lease runs out. Nothing a handler or the database does stops the loop.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Dialect } from '../../db/connect.ts';
import type { Db } from '../../db/database.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import * as repo from './jobs.repository.ts';
import { nextRetryDelay, RETRY_WINDOW_MS, retryWindowOver } from './retry-policy.ts';

export interface JobLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface JobView {
  id: string;
  type: string;
  /** Tries so far, this one included. */
  attempts: number;
  createdAt: string;
  firstAttemptAt: Date;
}

export interface JobContext {
  job: JobView;
  /** Aborted when this worker lost the job's lease (another worker may take it). */
  signal: AbortSignal;
  log: JobLog;
}

/** Returning `{ retryAt }` puts the job back to run again then, without counting as a failure. */
export type JobResult = void | { retryAt: Date };

/** Throwing from `run` means "try again later"; `onGiveUp` runs once the retry window is over. */
export interface JobHandler {
  run(payload: unknown, context: JobContext): Promise<JobResult>;
  onGiveUp?(payload: unknown, context: JobContext & { error: unknown }): Promise<void>;
}

export type JobHandlers = Record<string, JobHandler>;

export interface JobWorkerOptions {
  db: Db;
  dialect: Dialect;
  clock: Clock;
  handlers: JobHandlers;
  log: JobLog;
  pollMs?: number;
  concurrency?: number;
  workerId?: string;
  leaseMs?: number;
  retryWindowMs?: number;
  /** Jitter source for backoff, in [0, 1). */
  random?: () => number;
}

/**
 * Jobs one process runs at once. Most of a job's time is spent waiting (on the provisioner's webhook, on
 * SMTP, on the built-in provisioner's delay), so a process can hold many: with 4, a storm of 10,000
 * activations took minutes to provision.
 */
export const DEFAULT_JOB_CONCURRENCY = 16;

/** Long enough for any handler try (the webhook times out after 10 s); renewed every third of it while running. */
export const DEFAULT_LEASE_MS = 30_000;

const WAKE_BATCH_MS = 5;

export function newWorkerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export function createJobWorker(options: JobWorkerOptions) {
  const { db, dialect, clock, handlers, log } = options;
  const pollMs = options.pollMs ?? 300;
  const concurrency = Math.max(1, options.concurrency ?? DEFAULT_JOB_CONCURRENCY);
  const workerId = options.workerId ?? newWorkerId();
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  const retryWindowMs = options.retryWindowMs ?? RETRY_WINDOW_MS;
  const random = options.random ?? Math.random;

  const inFlight = new Set<Promise<void>>();
  let running = false;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;
  let wakeTimer: NodeJS.Timeout | undefined;
  /** The last claim filled every free slot (or found none free): a finishing job should claim again at once. */
  let moreMayBeDue = false;
  /** Woken while claiming: the job that woke us may have committed after that claim looked. */
  let wokenWhileClaiming = false;

  const lease = () => iso(addMs(clock.now(), leaseMs));
  const outcomes = createOutcomeRecorder(db, workerId);

  /** Claims as many due jobs as there are free slots and starts them; returns how many it took. */
  async function claimAndStart(): Promise<number> {
    const free = concurrency - inFlight.size;
    if (free <= 0) {
      moreMayBeDue = true;
      return 0;
    }
    const rows = await repo.claimJobs(db, dialect, { workerId, limit: free, now: iso(clock.now()), lockedUntil: lease() });
    moreMayBeDue = rows.length === free;
    for (const row of rows) track(execute(row));
    return rows.length;
  }

  function track(promise: Promise<void>) {
    inFlight.add(promise);
    // A claim that left slots free took every due job: jobs that become due later wait for the next poll
    // or wake, rather than each finishing job polling again for nothing.
    void promise.finally(() => { inFlight.delete(promise); if (moreMayBeDue) wake(); });
  }

  async function execute(row: repo.JobRow): Promise<void> {
    const job: JobView = {
      id: row.id, type: row.type, attempts: row.attempts, createdAt: row.created_at,
      firstAttemptAt: new Date(row.first_attempt_at ?? iso(clock.now())),
    };
    const handler = handlers[row.type];
    const controller = new AbortController();
    const renewal = setInterval(() => { void renew(job, controller); }, Math.max(10, Math.floor(leaseMs / 3)));
    renewal.unref();
    let payload: unknown;
    let result: JobResult;
    try {
      if (!handler) throw new Error(`no handler for jobs of type "${row.type}"`);
      payload = JSON.parse(row.payload);
      result = await handler.run(payload, { job, signal: controller.signal, log });
    } catch (error) {
      clearInterval(renewal);
      await settleFailure(job, handler, payload, error, controller.signal);
      return;
    } finally {
      clearInterval(renewal);
    }
    try {
      const kept = await outcomes.record(job.id, result ? { runAt: iso(result.retryAt) } : { doneAt: iso(clock.now()) });
      if (!kept) log.warn({ job: job.id, type: job.type }, 'job finished after its lease was lost; outcome not recorded');
    } catch (error) {
      // Handlers are idempotent: the job runs again once its lease runs out.
      log.error({ job: job.id, type: job.type, err: error }, 'could not record a finished job');
    }
  }

  async function renew(job: JobView, controller: AbortController) {
    try {
      if (!(await repo.renewLease(db, job.id, workerId, lease()))) controller.abort(new Error('lease lost'));
    } catch (error) {
      log.warn({ job: job.id, err: error }, 'could not renew a job lease');
    }
  }

  async function settleFailure(job: JobView, handler: JobHandler | undefined, payload: unknown, error: unknown, signal: AbortSignal) {
    const reason = describe(error);
    try {
      const now = clock.now();
      if (retryWindowOver(job.firstAttemptAt, now, retryWindowMs)) {
        try {
          await handler?.onGiveUp?.(payload, { job, signal, log, error });
        } catch (giveUpError) {
          log.error({ job: job.id, type: job.type, err: giveUpError }, 'giving up on a job failed; will try again');
          await repo.reschedule(db, job.id, workerId, iso(addMs(now, nextRetryDelay(job.attempts, random))), describe(giveUpError));
          return;
        }
        if (await repo.markFailed(db, job.id, workerId, iso(now), reason)) {
          log.error({ job: job.id, type: job.type, attempts: job.attempts, reason }, 'job failed for good');
        }
        return;
      }
      const delay = nextRetryDelay(job.attempts, random);
      if (await repo.reschedule(db, job.id, workerId, iso(addMs(now, delay)), reason)) {
        log.warn({ job: job.id, type: job.type, attempts: job.attempts, retryInMs: delay, reason }, 'job failed; will retry');
      } else {
        log.warn({ job: job.id, type: job.type, reason }, 'job failed after its lease was lost; another worker has it');
      }
    } catch (dbError) {
      // The lease runs out and the job is tried again.
      log.error({ job: job.id, type: job.type, err: dbError }, 'could not record a job failure');
    }
  }

  async function run() {
    while (running) {
      wokenWhileClaiming = false;
      try {
        await claimAndStart();
      } catch (error) {
        log.error({ err: error }, 'job queue unavailable; will poll again');
      }
      if (!running) break;
      // Sleep until the next poll, or until a job finishes (a full batch means more may be due).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, wokenWhileClaiming ? WAKE_BATCH_MS : pollMs);
        function done() { clearTimeout(timer); clearTimeout(wakeTimer); wakeTimer = undefined; wakeUp = undefined; resolve(); }
        wakeUp = done;
      });
    }
  }

  /**
   * Polls soon instead of at the next tick (e.g. after enqueueing in this process). Wakes a few
   * milliseconds apart are taken together, so a burst of enqueued jobs is claimed in one batch.
   */
  function wake() {
    if (!wakeUp) wokenWhileClaiming = true;
    else if (!wakeTimer) wakeTimer = setTimeout(wakeUp, WAKE_BATCH_MS);
  }

  function start() {
    if (running) return;
    running = true;
    loop = run();
    log.info({ workerId, concurrency, pollMs }, 'job worker started');
  }

  /** Stops polling and waits for the handlers in flight to finish. */
  async function stop() {
    running = false;
    wakeUp?.();
    await loop;
    while (inFlight.size > 0) await Promise.allSettled(inFlight);
  }

  /** Runs every due job to its outcome, round after round, until none is due (tests, one-off runs). */
  async function runDue(): Promise<number> {
    let total = 0;
    for (let round = 0; round < 1000; round++) {
      while (inFlight.size > 0) await Promise.allSettled(inFlight);
      const claimed = await claimAndStart();
      if (claimed === 0) break;
      total += claimed;
    }
    while (inFlight.size > 0) await Promise.allSettled(inFlight);
    return total;
  }

  return { workerId, start, stop, wake, runDue };
}

export type JobWorker = ReturnType<typeof createJobWorker>;

type Outcome = { doneAt: string } | { runAt: string };

/**
 * Records finished jobs (done, or to run again later) in batches: every outcome that arrives while one
 * batch is being written goes into the next, in one transaction. Under load that is one commit for many
 * jobs instead of one each; alone, a job's outcome is written at once. Each outcome is still the
 * conditional write that checks this worker holds the job.
 */
function createOutcomeRecorder(db: Db, workerId: string) {
  let waiting: Array<{ id: string; outcome: Outcome; settle: (kept: boolean) => void; fail: (error: unknown) => void }> = [];
  let writing = false;

  function record(id: string, outcome: Outcome): Promise<boolean> {
    return new Promise((settle, fail) => {
      waiting.push({ id, outcome, settle, fail });
      if (!writing) void writeBatches();
    });
  }

  async function writeBatches() {
    writing = true;
    while (waiting.length > 0) {
      const batch = waiting;
      waiting = [];
      try {
        // In id order, so two batches that meet on rows whose lease changed hands lock them in one order.
        batch.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
        const kept = await db.transaction().execute(async (trx) => {
          const results: boolean[] = [];
          for (const { id, outcome } of batch) {
            results.push('doneAt' in outcome
              ? await repo.markDone(trx, id, workerId, outcome.doneAt)
              : await repo.reschedule(trx, id, workerId, outcome.runAt, null));
          }
          return results;
        });
        batch.forEach((entry, i) => entry.settle(kept[i]!));
      } catch (error) {
        for (const entry of batch) entry.fail(error);
      }
    }
    writing = false;
  }

  return { record };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 2000);
}
