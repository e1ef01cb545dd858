// Guessing codes does not pay: a well-formed code that was never issued is a failure, and failures are
// limited per account and per client address (in Redis when configured, so every instance shares them).
// Only failures count, so a classroom behind one address redeeming real codes at once is never slowed.
// The limits are checked before the code is looked up, so a blocked client learns nothing about any code.
// A client can overshoot a limit by at most the number of requests it has in flight at the moment it
// reaches it; after that every request is refused until the window ends.
import { createLimiter, retryAfterSeconds, type Limiter } from '../../lib/throttle.ts';
import { TooManyAttemptsError } from '../../lib/errors.ts';
import type { Redis } from '../../lib/redis.ts';

export const MAX_FAILURES_PER_ACCOUNT_PER_HOUR = 20;
export const MAX_FAILURES_PER_ADDRESS_PER_HOUR = 100;
const WINDOW_SECONDS = 60 * 60;

export interface Guesser {
  accountId: string | null;
  address: string;
}

export function createGuessingLimits(redis: Redis | undefined) {
  const perAccount = createLimiter(redis, { keyPrefix: 'redeem-failures:account', points: MAX_FAILURES_PER_ACCOUNT_PER_HOUR, durationSeconds: WINDOW_SECONDS });
  const perAddress = createLimiter(redis, { keyPrefix: 'redeem-failures:address', points: MAX_FAILURES_PER_ADDRESS_PER_HOUR, durationSeconds: WINDOW_SECONDS });

  const counters = (who: Guesser): Array<[Limiter, string, number]> => [
    [perAddress, who.address, MAX_FAILURES_PER_ADDRESS_PER_HOUR],
    ...(who.accountId ? [[perAccount, who.accountId, MAX_FAILURES_PER_ACCOUNT_PER_HOUR] as [Limiter, string, number]] : []),
  ];

  /** Throws TooManyAttemptsError when this caller has used up its failures. */
  async function assertMayTry(who: Guesser): Promise<void> {
    for (const [limiter, key, max] of counters(who)) {
      const state = await limiter.get(key);
      if (state && state.consumedPoints >= max) {
        const seconds = retryAfterSeconds(state.msBeforeNext);
        throw new TooManyAttemptsError(seconds, `Too many promo codes that do not exist were tried. Try again in ${inWords(seconds)}.`);
      }
    }
  }

  async function recordFailure(who: Guesser): Promise<void> {
    for (const [limiter, key] of counters(who)) await limiter.penalty(key);
  }

  return { assertMayTry, recordFailure };
}

export type GuessingLimits = ReturnType<typeof createGuessingLimits>;

function inWords(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return minutes <= 1 ? 'a minute' : `${minutes} minutes`;
}
