// Guessing passwords is throttled; signing in is not. Only failures count, and who is held by what:
//  - per (email, client): 10 consecutive wrong passwords, then a lockout that doubles with every further
//    failure (1 min, 2 min, 4 min … up to a day); a success clears it. The client is the browser's device
//    cookie for this email when it has a valid one (OWASP's device-cookie pattern), else the address. So a
//    device cookie that fails too often is held by its own lockout, and a neighbour (or an attacker) behind
//    the same address failing on an email never locks out the browser its owner signed in from before.
//  - per client address, for attempts without a device cookie for the email: past 100 failures an hour
//    each attempt waits before its password is checked (a growing delay, up to five seconds), and past
//    1,000 it is refused, so one address cannot sweep through many accounts. A conference behind one NAT
//    address with a few people mistyping is slowed at most; people who signed in from their browser before
//    are not held by the address at all.
// Five hundred people behind one address signing in at once are unaffected: their successes add nothing.
import { setTimeout as sleepFor } from 'node:timers/promises';
import type { Redis } from '../../lib/redis.ts';
import { TooManyAttemptsError } from '../../lib/errors.ts';
import { createLimiter, retryAfterSeconds } from '../../lib/throttle.ts';
import { normalizeEmail } from './accounts.repository.ts';

export const MAX_CONSECUTIVE_FAILURES = 10;
/** Failures an hour of one address (without device cookies) before it slows down, and before it is refused. */
export const ADDRESS_LIMITS = { softLimit: 100, hardLimit: 1000 };
const FIRST_LOCKOUT_SECONDS = 60;
const MAX_LOCKOUT_SECONDS = 24 * 60 * 60;
/** Consecutive failures are remembered this long after the first one. */
const FAILURE_MEMORY_SECONDS = 24 * 60 * 60;
const BASE_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

export function lockoutSeconds(failures: number): number {
  const doublings = Math.max(0, failures - MAX_CONSECUTIVE_FAILURES);
  return Math.min(MAX_LOCKOUT_SECONDS, FIRST_LOCKOUT_SECONDS * 2 ** Math.min(doublings, 20));
}

/** The wait before the password is checked, for an address with `failures` failures in the hour. */
export function addressDelayMs(failures: number, softLimit = ADDRESS_LIMITS.softLimit): number {
  if (failures < softLimit) return 0;
  const step = Math.max(1, softLimit / 4);
  return Math.min(MAX_DELAY_MS, Math.round(BASE_DELAY_MS * 2 ** ((failures - softLimit) / step)));
}

export interface SignInAttempt {
  /** Records the outcome once the password was checked. */
  succeeded(): Promise<void>;
  failed(): Promise<void>;
}

export interface SignInClient {
  address: string;
  /** The id of a valid device cookie this browser holds for this email, if any. */
  device?: string;
}

export interface SignInThrottleOptions {
  sleep?: (ms: number) => Promise<unknown>;
  /** The address limits; tests make them small (each failure costs an argon2 check). */
  address?: { softLimit: number; hardLimit: number };
}

export function createSignInThrottle(redis: Redis | undefined, options: SignInThrottleOptions = {}) {
  const sleep = options.sleep ?? sleepFor;
  const { softLimit, hardLimit } = options.address ?? ADDRESS_LIMITS;
  const failures = createLimiter(redis, { keyPrefix: 'signin-failures', points: 1_000_000, durationSeconds: FAILURE_MEMORY_SECONDS });
  // Holds the lockout; also lets exactly one attempt through when a lockout ends.
  const gate = createLimiter(redis, { keyPrefix: 'signin-gate', points: 1, durationSeconds: 30 });
  const perAddress = createLimiter(redis, { keyPrefix: 'signin-address', points: 1_000_000, durationSeconds: 3600 });

  /** Throws TooManyAttemptsError when this attempt may not even be checked; waits first when the address is slowed down. */
  async function begin(email: string, client: string | SignInClient): Promise<SignInAttempt> {
    const { address, device } = typeof client === 'string' ? { address: client, device: undefined } : client;
    const key = `${normalizeEmail(email)}|${device ? `device:${device}` : address}`;
    const locked = await gate.get(key);
    if (locked && locked.consumedPoints > 1) throw new TooManyAttemptsError(retryAfterSeconds(locked.msBeforeNext));

    // Counted before the check, atomically, so parallel guesses cannot slip past the limits; a success gives the point back.
    let addressCount = 0;
    if (!device) {
      const state = await perAddress.penalty(address);
      addressCount = state.consumedPoints;
      if (addressCount > hardLimit) {
        await perAddress.reward(address);
        throw new TooManyAttemptsError(retryAfterSeconds(state.msBeforeNext));
      }
    }
    const count = (await failures.penalty(key)).consumedPoints;
    if (count > MAX_CONSECUTIVE_FAILURES) {
      try {
        await gate.consume(key);
      } catch (error) {
        await failures.reward(key);
        if (!device) await perAddress.reward(address);
        throw error;
      }
    }
    const delayMs = addressDelayMs(addressCount - 1, softLimit);
    if (delayMs > 0) await sleep(delayMs);
    return {
      async succeeded() {
        await Promise.all([failures.delete(key), gate.delete(key), device ? undefined : perAddress.reward(address)]);
      },
      async failed() {
        if (count >= MAX_CONSECUTIVE_FAILURES) await gate.block(key, lockoutSeconds(count));
      },
    };
  }

  return { begin };
}

export type SignInThrottle = ReturnType<typeof createSignInThrottle>;
