/** Time as the domain sees it; tests pass their own to move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/**
 * ISO 8601 in UTC. A request asks for the time several times within one millisecond (its rows, its audit
 * entry, its jobs), so the last one formatted is kept.
 */
export function iso(date: Date): string {
  const ms = date.getTime();
  if (ms !== lastMs) {
    lastIso = date.toISOString(); // throws on an invalid date, as before: NaN is never equal to lastMs
    lastMs = ms;
  }
  return lastIso;
}
let lastMs = Number.NaN;
let lastIso = '';
export const addMs = (date: Date, ms: number): Date => new Date(date.getTime() + ms);
