// Housekeeping: rows that have served their purpose are deleted by every process that works jobs, every
// few minutes. Deleting what is already gone changes nothing, so any number of processes may run it.
import type { JobLog } from './job-worker.ts';

export interface HousekeepingTask {
  /** What is deleted, for the log: "expired sessions". */
  name: string;
  /** Deletes and returns how many rows went. */
  run(): Promise<number>;
}

export const HOUSEKEEPING_INTERVAL_MS = 10 * 60 * 1000;
const FIRST_RUN_AFTER_MS = 30 * 1000;

/** Runs every task once; a failing task is logged and the others still run. */
export async function runHousekeeping(tasks: readonly HousekeepingTask[], log: JobLog): Promise<Record<string, number>> {
  const deleted: Record<string, number> = {};
  for (const task of tasks) {
    try {
      deleted[task.name] = await task.run();
    } catch (error) {
      log.warn({ task: task.name, err: error }, 'housekeeping task failed; will try again');
    }
  }
  const total = Object.values(deleted).reduce((sum, n) => sum + n, 0);
  if (total > 0) log.info({ deleted }, 'housekeeping');
  return deleted;
}

/** Runs the tasks soon after start, then every interval, until stopped (waiting for a run in progress). */
export function startHousekeeping(tasks: readonly HousekeepingTask[], log: JobLog, intervalMs = HOUSEKEEPING_INTERVAL_MS) {
  let running: Promise<unknown> | undefined;
  const tick = () => { running ??= runHousekeeping(tasks, log).finally(() => { running = undefined; }); };
  const first = setTimeout(tick, Math.min(FIRST_RUN_AFTER_MS, intervalMs));
  const every = setInterval(tick, intervalMs);
  first.unref();
  every.unref();
  return {
    async stop() {
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
