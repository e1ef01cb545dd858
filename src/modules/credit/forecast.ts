// When a subscription's credit runs out at the rate it has been used lately. Pure rules, no database.

const DAY_MS = 24 * 60 * 60 * 1000;
/** The forecast reads the usage of the last seven UTC days (today included). */
export const FORECAST_WINDOW_DAYS = 7;

/** Where the recent window starts: midnight UTC six days before today, or the subscription's start if later. */
export function recentWindowStart(now: Date, startsAt: string | null): string {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = today - (FORECAST_WINDOW_DAYS - 1) * DAY_MS;
  const start = startsAt ? Math.max(from, Date.parse(startsAt)) : from;
  return new Date(start).toISOString();
}

/**
 * The moment the credit runs out: `remaining` spent at the window's average daily rate (the window counts
 * as at least one day, so the first hour's usage is not taken for a whole day's rate). Null when nothing
 * was used in the window, or when it would run out after `endsAt`; `now` when nothing is left.
 */
export function forecastRunOut(input: {
  remaining: number; recent: ReadonlyArray<{ amount: number }>; since: string; now: Date; endsAt: string | null;
}): string | null {
  const used = input.recent.reduce((sum, day) => sum + day.amount, 0);
  if (used <= 0) return null;
  if (input.remaining <= 0) return input.now.toISOString();
  const days = Math.max(1, (input.now.getTime() - Date.parse(input.since)) / DAY_MS);
  const perMs = used / days / DAY_MS;
  const runOut = input.now.getTime() + input.remaining / perMs;
  if (input.endsAt && runOut > Date.parse(input.endsAt)) return null;
  return new Date(Math.round(runOut)).toISOString();
}
