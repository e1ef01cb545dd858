// Guessing passwords is throttled; signing in is not. Only failures count:
//  - per (email, client address): 10 consecutive wrong passwords, then a lockout that doubles with every
//    further failure (1 min, 2 min, 4 min … up to a day); a success clears it.
//  - per client address: at most 100 failures an hour, whatever the emails, so one address cannot sweep
//    through many accounts.
// Five hundred people behind one address signing in at once are unaffected: their successes add nothing.
import type { Redis } from '../../lib/redis.ts';
import { TooManyAttemptsError } from '../../lib/errors.ts';
import { createLimiter, retryAfterSeconds } from '../../lib/throttle.ts';
import { normalizeEmail } from './accounts.repository.ts';

export const MAX_CONSECUTIVE_FAILURES = 10;
export const MAX_FAILURES_PER_ADDRESS_PER_HOUR = 100;
const FIRST_LOCKOUT_SECONDS = 60;
const MAX_LOCKOUT_SECONDS = 24 * 60 * 60;
/** Consecutive failures are remembered this long after the first one. */
const FAILURE_MEMORY_SECONDS = 24 * 60 * 60;

export function lockoutSeconds(failures: number): number {
  const doublings = Math.max(0, failures - MAX_CONSECUTIVE_FAILURES);
  return Math.min(MAX_LOCKOUT_SECONDS, FIRST_LOCKOUT_SECONDS * 2 ** Math.min(doublings, 20));
}

export interface SignInAttempt {
  /** Records the outcome once the password was checked. */
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

export function createSignInThrottle(redis: Redis | undefined) {
  const failures = createLimiter(redis, { keyPrefix: 'signin-failures', points: 1_000_000, durationSeconds: FAILURE_MEMORY_SECONDS });
  // Holds the lockout; also lets exactly one attempt through when a lockout ends.
  const gate = createLimiter(redis, { keyPrefix: 'signin-gate', points: 1, durationSeconds: 30 });
  const perAddress = createLimiter(redis, { keyPrefix: 'signin-address', points: MAX_FAILURES_PER_ADDRESS_PER_HOUR, durationSeconds: 3600 });

  /** Throws TooManyAttemptsError when this attempt may not even be checked. */
  async function begin(email: string, clientAddress: string): Promise<SignInAttempt> {
    const key = `${normalizeEmail(email)}|${clientAddress}`;
    const address = await perAddress.get(clientAddress);
    if (address && address.consumedPoints >= MAX_FAILURES_PER_ADDRESS_PER_HOUR) {
      throw new TooManyAttemptsError(retryAfterSeconds(address.msBeforeNext));
    }
    const locked = await gate.get(key);
    if (locked && locked.consumedPoints > 1) throw new TooManyAttemptsError(retryAfterSeconds(locked.msBeforeNext));

    // Counted before the check, atomically, so parallel guesses cannot slip past the limit.
    const count = (await failures.penalty(key)).consumedPoints;
    if (count > MAX_CONSECUTIVE_FAILURES) {
      try {
        await gate.consume(key);
      } catch (error) {
        await failures.reward(key);
        throw error;
      }
    }
    return {
      async succeeded() {
        await Promise.all([failures.delete(key), gate.delete(key)]);
      },
      async failed() {
        await perAddress.penalty(clientAddress);
        if (count >= MAX_CONSECUTIVE_FAILURES) await gate.block(key, lockoutSeconds(count));
      },
    };
  }

  return { begin };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
