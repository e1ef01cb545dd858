// Guessing codes does not pay: a well-formed code that was never issued is a failure, and failures are
// limited (in Redis when configured, so every instance shares them). Only failures count, so a classroom
// redeeming real codes at once is never slowed; a mistyped code is caught by its check symbol first and
// counts for nothing.
//
// Who is held by which limit:
//  - a signed-in account with a verified email: its own failures (20 an hour, then refused), and every
//    verified account's together (the global limit). Not the address: at a venue hundreds of people share
//    one address, and one of them guessing must not hold up the others.
//  - anyone else (signed out, or an email not verified — such accounts cost an attacker nothing): the
//    client address, and the global limit.
// The address and global limits slow down before they shut out: past the soft limit each check waits a
// little longer (up to five seconds), and only past the hard limit is it refused, so an attacker gets no
// more than the hard limit of tries an hour whatever it sends in parallel, while the honest people behind
// the same address wait a moment instead of being turned away. The limits are checked before the code is
// looked up, so a refused client learns nothing about any code.
import { setTimeout as sleepFor } from 'node:timers/promises';
import { TooManyAttemptsError } from '../../lib/errors.ts';
import type { Redis } from '../../lib/redis.ts';
import { createLimiter, createSlowDown, retryAfterSeconds } from '../../lib/throttle.ts';

const HOUR = 60 * 60;
export const MAX_FAILURES_PER_ACCOUNT_PER_HOUR = 20;
export const ADDRESS_LIMITS = { softLimit: 100, hardLimit: 1000 };
export const GLOBAL_LIMITS = { softLimit: 2000, hardLimit: 20_000 };

export interface Guesser {
  /** The signed-in account, if any. */
  accountId: string | null;
  /** Whether that account's email is verified: only then is it held by its own limit instead of its address's. */
  verified: boolean;
  address: string;
}

export interface GuessingLimitOptions {
  sleep?: (ms: number) => Promise<unknown>;
  /** The limits themselves; tests make them small. */
  perAccount?: number;
  address?: { softLimit: number; hardLimit: number };
  global?: { softLimit: number; hardLimit: number };
}

export function createGuessingLimits(redis: Redis | undefined, options: GuessingLimitOptions = {}) {
  const sleep = options.sleep ?? sleepFor;
  const accountLimit = options.perAccount ?? MAX_FAILURES_PER_ACCOUNT_PER_HOUR;
  const perAccount = createLimiter(redis, { keyPrefix: 'redeem-failures:account', points: accountLimit, durationSeconds: HOUR });
  const perAddress = createSlowDown(redis, { keyPrefix: 'redeem-failures:address', windowSeconds: HOUR, ...(options.address ?? ADDRESS_LIMITS) });
  const global = createSlowDown(redis, { keyPrefix: 'redeem-failures:global', windowSeconds: HOUR, ...(options.global ?? GLOBAL_LIMITS) });
  const everyone = 'all';

  const heldByAccount = (who: Guesser): who is Guesser & { accountId: string } => who.accountId !== null && who.verified;

  /** Throws TooManyAttemptsError when this caller may not try now; waits first when its limits say to slow down. */
  async function assertMayTry(who: Guesser): Promise<void> {
    if (heldByAccount(who)) {
      const state = await perAccount.get(who.accountId);
      if (state && state.consumedPoints >= accountLimit) throw tooMany(retryAfterSeconds(state.msBeforeNext));
    }
    const verdicts = await Promise.all([
      global.assess(everyone, tooMany),
      heldByAccount(who) ? { delayMs: 0 } : perAddress.assess(who.address, tooMany),
    ]);
    const delayMs = Math.max(...verdicts.map((v) => v.delayMs));
    if (delayMs > 0) await sleep(delayMs);
  }

  async function recordFailure(who: Guesser): Promise<void> {
    await global.fail(everyone);
    if (heldByAccount(who)) await perAccount.penalty(who.accountId);
    else await perAddress.fail(who.address);
  }

  return { assertMayTry, recordFailure };
}

export type GuessingLimits = ReturnType<typeof createGuessingLimits>;

const tooMany = (seconds: number) =>
  new TooManyAttemptsError(seconds, `Too many promo codes that do not exist were tried. Try again in ${inWords(seconds)}.`);

function inWords(seconds: number): string {
  const minutes = Math.ceil(seconds / 60);
  return minutes <= 1 ? 'a minute' : `${minutes} minutes`;
}
