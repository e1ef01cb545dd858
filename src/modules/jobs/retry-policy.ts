// How long a failed job waits before its next try: doubling from about a second, never more than an hour,
// with jitter so jobs that failed together (the platform was down) do not all come back at once.

export const FIRST_RETRY_MS = 1000;
export const MAX_RETRY_MS = 60 * 60 * 1000;
/** Failed jobs keep being retried for at least this long after their first try. */
export const RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * The wait after try number `attempt` (1 for the first try) failed: a value in [base/2, base] where
 * base = 1 s · 2^(attempt−1), capped at one hour. `random` is in [0, 1).
 */
export function nextRetryDelay(attempt: number, random: () => number = Math.random): number {
  const exponent = Math.max(0, Math.floor(Number.isNaN(attempt) ? 1 : attempt) - 1);
  const base = Math.min(FIRST_RETRY_MS * 2 ** Math.min(exponent, 32), MAX_RETRY_MS);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(base / 2 + (base / 2) * r);
}

/** True when a job first tried at `firstAttemptAt` has been retried long enough to give up. */
export function retryWindowOver(firstAttemptAt: Date, now: Date, windowMs = RETRY_WINDOW_MS): boolean {
  return now.getTime() - firstAttemptAt.getTime() >= windowMs;
}
