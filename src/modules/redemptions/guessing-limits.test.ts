import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TooManyAttemptsError } from '../../lib/errors.ts';
import { createSlowDown } from '../../lib/throttle.ts';
import { createGuessingLimits, type Guesser } from './guessing-limits.ts';

test('a slow-down: no wait below the soft limit, growing waits up to the cap, refused at the hard limit', async () => {
  const gate = createSlowDown(undefined, { keyPrefix: `t${Math.random()}`, windowSeconds: 60, softLimit: 8, hardLimit: 20, baseDelayMs: 100, maxDelayMs: 1000 });
  const delays: number[] = [];
  for (let i = 0; i < 20; i++) {
    delays.push((await gate.assess('k')).delayMs);
    await gate.fail('k');
  }
  assert.deepEqual(delays.slice(0, 8), [0, 0, 0, 0, 0, 0, 0, 0]);
  // Doubling every quarter of the soft limit (2 failures) past it, from 100 ms, capped at 1 s.
  assert.deepEqual(delays.slice(8), [100, 141, 200, 283, 400, 566, 800, 1000, 1000, 1000, 1000, 1000]);
  await assert.rejects(gate.assess('k'), (error: unknown) => error instanceof TooManyAttemptsError && error.retryAfterSeconds > 0);
  // Other keys are their own.
  assert.equal((await gate.assess('other')).delayMs, 0);
});

test('who is held by what: verified accounts by their own and the global limit, everyone else by the address', async () => {
  const waits: number[] = [];
  const limits = createGuessingLimits(undefined, {
    sleep: async (ms) => { waits.push(ms); }, perAccount: 3,
    address: { softLimit: 4, hardLimit: 6 }, global: { softLimit: 10, hardLimit: 14 },
  });
  const address = '198.51.100.1';
  const verified = (accountId: string): Guesser => ({ accountId, verified: true, address });
  const signedOut: Guesser = { accountId: null, verified: false, address };
  const unverified: Guesser = { accountId: 'u', verified: false, address };
  const tryAndFail = async (who: Guesser) => { await limits.assertMayTry(who); await limits.recordFailure(who); };

  // The address fails 6 times (signed out and unverified alike): slowed after 4, refused at 6.
  for (let i = 0; i < 3; i++) await tryAndFail(signedOut);
  for (let i = 0; i < 3; i++) await tryAndFail(unverified);
  assert.equal(waits.length, 2);
  await assert.rejects(limits.assertMayTry(signedOut), TooManyAttemptsError);
  await assert.rejects(limits.assertMayTry(unverified), TooManyAttemptsError);
  // A verified neighbour is not held by the address, only by its own limit (3).
  for (let i = 0; i < 3; i++) await tryAndFail(verified('a'));
  await assert.rejects(limits.assertMayTry(verified('a')), TooManyAttemptsError);
  await limits.assertMayTry(verified('b'));
  // The global limit holds everyone: 6 + 3 failures so far; 'b' and 'c' bring it to 14, slowed from 10.
  waits.length = 0;
  for (let i = 0; i < 3; i++) await tryAndFail(verified('b'));
  for (let i = 0; i < 2; i++) await tryAndFail(verified('c'));
  assert.equal(waits.length, 4, 'failures 10 to 13 waited');
  await assert.rejects(limits.assertMayTry(verified('d')), TooManyAttemptsError);
});
