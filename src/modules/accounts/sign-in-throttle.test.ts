// The sign-in throttle on its own, in memory and (when TEST_REDIS_URL is set) in Redis.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { TooManyAttemptsError } from '../../lib/errors.ts';
import { createRedis } from '../../lib/redis.ts';
import { redisSkipReason, testRedisUrl } from '../../testing/harness.ts';
import { createLimiter } from '../../lib/throttle.ts';
import { createSignInThrottle, lockoutSeconds, type SignInThrottleOptions } from './sign-in-throttle.ts';

const unique = (prefix: string) => `${prefix}-${randomBytes(6).toString('hex')}`;

test('lockouts start at a minute after 10 failures and double with each further failure, up to a day', () => {
  assert.equal(lockoutSeconds(10), 60);
  assert.equal(lockoutSeconds(11), 120);
  assert.equal(lockoutSeconds(12), 240);
  assert.equal(lockoutSeconds(40), 24 * 60 * 60);
});

for (const store of ['memory', 'redis'] as const) {
  describe(`sign-in throttle [${store}]`, { skip: store === 'redis' ? redisSkipReason : undefined }, () => {
    const throttle = async (options?: SignInThrottleOptions) => {
      const redis = store === 'redis' ? await createRedis(testRedisUrl!) : undefined;
      return { throttle: createSignInThrottle(redis, options), close: () => redis?.disconnect() };
    };

    test('500 successful sign-ins from one address in a minute all pass', async () => {
      const { throttle: t, close } = await throttle();
      const address = unique('addr');
      try {
        for (let i = 0; i < 500; i++) {
          const attempt = await t.begin(`person${i}@example.test`, address);
          await attempt.succeeded();
        }
        // Someone who mistyped once in between is not held back either.
        const typo = await t.begin('typo@example.test', address);
        await typo.failed();
        await (await t.begin('typo@example.test', address)).succeeded();
      } finally {
        close();
      }
    });

    test('the 11th consecutive attempt after 10 failures is refused for about a minute; a success resets', async () => {
      const { throttle: t, close } = await throttle();
      const address = unique('addr');
      try {
        for (let i = 0; i < 10; i++) await (await t.begin('victim@example.test', address)).failed();
        await assert.rejects(t.begin('VICTIM@example.test', address), (e: unknown) =>
          e instanceof TooManyAttemptsError && e.retryAfterSeconds > 50 && e.retryAfterSeconds <= 60);
        // Another address, another count.
        await (await t.begin('victim@example.test', unique('addr'))).succeeded();

        const other = unique('addr');
        for (let i = 0; i < 9; i++) await (await t.begin('reset@example.test', other)).failed();
        await (await t.begin('reset@example.test', other)).succeeded();
        for (let i = 0; i < 10; i++) await (await t.begin('reset@example.test', other)).failed();
        await assert.rejects(t.begin('reset@example.test', other), TooManyAttemptsError);
      } finally {
        close();
      }
    });

    test('parallel guesses cannot slip past the limit', async () => {
      const { throttle: t, close } = await throttle();
      const address = unique('addr');
      try {
        const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => t.begin('parallel@example.test', address)));
        const admitted = outcomes.filter((o) => o.status === 'fulfilled');
        assert.ok(admitted.length <= 11, `${admitted.length} admitted`);
        assert.ok(outcomes.every((o) => o.status === 'fulfilled' || o.reason instanceof TooManyAttemptsError));
      } finally {
        close();
      }
    });

    test('an address slows down past its soft limit and is refused past its hard limit; device cookies are not held by it', async () => {
      const waits: number[] = [];
      const { throttle: t, close } = await throttle({ sleep: async (ms) => { waits.push(ms); }, address: { softLimit: 8, hardLimit: 20 } });
      const address = unique('addr');
      try {
        for (let i = 0; i < 20; i++) await (await t.begin(`sweep${i}@example.test`, address)).failed();
        assert.equal(waits.length, 12, 'failures 9 to 20 waited');
        assert.deepEqual(waits.slice(0, 3), [250, 354, 500]);
        assert.ok(waits.every((ms, i) => ms >= (waits[i - 1] ?? 0) && ms <= 5000), 'waits grow and stay under five seconds');
        await assert.rejects(t.begin('fresh@example.test', address), (e: unknown) => e instanceof TooManyAttemptsError && e.retryAfterSeconds > 3000);
        // Parallel attempts at the hard limit are all refused: none slips past it.
        const parallel = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => t.begin(`par${i}@example.test`, address)));
        assert.ok(parallel.every((o) => o.status === 'rejected' && o.reason instanceof TooManyAttemptsError));
        // A browser that signed in to its email before is not held by the address, nor slowed.
        waits.length = 0;
        const remembered = await t.begin('regular@example.test', { address, device: 'device-1' });
        await remembered.failed();
        await (await t.begin('regular@example.test', { address, device: 'device-1' })).succeeded();
        assert.deepEqual(waits, []);
        await (await t.begin('fresh@example.test', unique('addr'))).succeeded();
      } finally {
        close();
      }
    });

    test('a device cookie is held by its own consecutive failures; a lockout by others at its address does not hold it', async () => {
      const { throttle: t, close } = await throttle();
      const address = unique('addr');
      // Redis outlives a run: every name is new, so an earlier run's lockouts do not count here.
      const email = `${unique('owner')}@example.test`;
      const [phone, stolen] = [unique('owners-phone'), unique('stolen')];
      try {
        // An attacker behind the same address locks the email out for cookie-less clients there …
        for (let i = 0; i < 10; i++) await (await t.begin(email, address)).failed();
        await assert.rejects(t.begin(email, address), TooManyAttemptsError);
        // … the owner's browser with its device cookie still gets its password checked.
        await (await t.begin(email, { address, device: phone })).succeeded();
        // A device cookie guessing is locked out after 10 failures of its own, at any address.
        for (let i = 0; i < 10; i++) await (await t.begin(email, { address: unique('addr'), device: stolen })).failed();
        await assert.rejects(t.begin(email, { address: unique('addr'), device: stolen }), TooManyAttemptsError);
        await (await t.begin(email, { address, device: phone })).succeeded();
      } finally {
        close();
      }
    });
  });
}

test('createLimiter: consume throws TooManyAttemptsError with the seconds to wait; reward and delete give points back', async () => {
  const limiter = createLimiter(undefined, { keyPrefix: unique('unit'), points: 2, durationSeconds: 30 });
  await limiter.consume('k');
  await limiter.consume('k');
  await assert.rejects(limiter.consume('k'), (e: unknown) => e instanceof TooManyAttemptsError && e.retryAfterSeconds >= 1 && e.retryAfterSeconds <= 30);
  await limiter.reward('k', 2);
  await limiter.consume('k');
  await limiter.delete('k');
  assert.equal(await limiter.get('k'), null);
  await limiter.penalty('k', 5);
  assert.equal((await limiter.get('k'))!.consumedPoints, 5);
});

test('with Redis unreachable, limiting goes on in memory instead of failing', async () => {
  const redis = await createRedis('redis://127.0.0.1:1');
  redis.on('error', () => {});
  try {
    const limiter = createLimiter(redis, { keyPrefix: unique('down'), points: 1, durationSeconds: 30 });
    await limiter.consume('k');
    await assert.rejects(limiter.consume('k'), TooManyAttemptsError);
  } finally {
    redis.disconnect();
  }
});
