// Throttling with rate-limiter-flexible: in memory for one instance, in Redis when REDIS_URL is set so
// that every instance shares the counts.
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from './redis.ts';
import { TooManyAttemptsError } from './errors.ts';

export interface LimiterOptions {
  keyPrefix: string;
  points: number;
  durationSeconds: number;
  /** How long a key stays blocked once over the limit (default: the rest of the window). */
  blockSeconds?: number;
}

export interface LimiterState {
  consumedPoints: number;
  remainingPoints: number;
  msBeforeNext: number;
}

export interface Limiter {
  /** Counts `points` (default 1) for the key; throws TooManyAttemptsError when over the limit. */
  consume(key: string, points?: number): Promise<LimiterState>;
  /** Adds points without throwing. */
  penalty(key: string, points?: number): Promise<LimiterState>;
  /** Gives points back. */
  reward(key: string, points?: number): Promise<LimiterState>;
  delete(key: string): Promise<void>;
  get(key: string): Promise<LimiterState | null>;
  /** Blocks the key for `seconds`. */
  block(key: string, seconds: number): Promise<void>;
}

export function createLimiter(redis: Redis | undefined, options: LimiterOptions): Limiter {
  const common = {
    keyPrefix: `cloudpass:${options.keyPrefix}`,
    points: options.points,
    duration: options.durationSeconds,
    blockDuration: options.blockSeconds ?? 0,
  };
  const limiter: RateLimiterAbstract = redis
    // When Redis is unreachable, each instance keeps counting in memory rather than failing sign-ins.
    ? new RateLimiterRedis({ ...common, storeClient: redis, rejectIfRedisNotReady: true, insuranceLimiter: new RateLimiterMemory(common) })
    : new RateLimiterMemory(common);

  return {
    async consume(key, points = 1) {
      try {
        return state(await limiter.consume(key, points));
      } catch (error) {
        if (error instanceof RateLimiterRes) throw tooMany(error);
        throw error;
      }
    },
    async penalty(key, points = 1) { return state(await limiter.penalty(key, points)); },
    async reward(key, points = 1) { return state(await limiter.reward(key, points)); },
    async delete(key) { await limiter.delete(key); },
    async get(key) {
      const res = await limiter.get(key);
      return res ? state(res) : null;
    },
    async block(key, seconds) { await limiter.block(key, seconds); },
  };
}

export function retryAfterSeconds(msBeforeNext: number): number {
  return Math.max(1, Math.ceil(msBeforeNext / 1000));
}

function tooMany(res: RateLimiterRes): TooManyAttemptsError {
  return new TooManyAttemptsError(retryAfterSeconds(res.msBeforeNext));
}

function state(res: RateLimiterRes): LimiterState {
  return { consumedPoints: res.consumedPoints, remainingPoints: res.remainingPoints, msBeforeNext: res.msBeforeNext };
}

// ---- slowing down before shutting out ------------------------------------------------------------

export interface SlowDownOptions {
  keyPrefix: string;
  windowSeconds: number;
  /** Failures in the window after which each attempt waits before it is checked. */
  softLimit: number;
  /** Failures in the window after which attempts are refused until the window moves on. */
  hardLimit: number;
  /** The first wait past the soft limit; it doubles every quarter of the soft limit beyond it. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface SlowDownVerdict {
  /** How long this attempt waits before it is checked (0 below the soft limit). */
  delayMs: number;
}

/**
 * Failures counted per key, answered in two stages: past the soft limit each attempt is slowed down (a
 * venue's honest people behind a noisy neighbour wait a moment), past the hard limit it is refused (an
 * attacker never gets more than the hard limit of tries in a window, however many requests it sends in
 * parallel while it waits). Only failures count; successes cost nothing.
 */
export function createSlowDown(redis: Redis | undefined, options: SlowDownOptions) {
  const failures = createLimiter(redis, { keyPrefix: options.keyPrefix, points: options.hardLimit, durationSeconds: options.windowSeconds });
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 5000;
  const step = Math.max(1, options.softLimit / 4);

  /** The wait for this attempt; throws TooManyAttemptsError at or past the hard limit. */
  async function assess(key: string, refusal?: (retryAfterSeconds: number) => TooManyAttemptsError): Promise<SlowDownVerdict> {
    const state = await failures.get(key);
    const count = state?.consumedPoints ?? 0;
    if (count >= options.hardLimit) {
      const seconds = retryAfterSeconds(state!.msBeforeNext);
      throw refusal ? refusal(seconds) : new TooManyAttemptsError(seconds);
    }
    if (count < options.softLimit) return { delayMs: 0 };
    return { delayMs: Math.min(max, Math.round(base * 2 ** ((count - options.softLimit) / step))) };
  }

  async function fail(key: string): Promise<void> {
    await failures.penalty(key);
  }

  return { assess, fail };
}

export type SlowDown = ReturnType<typeof createSlowDown>;
