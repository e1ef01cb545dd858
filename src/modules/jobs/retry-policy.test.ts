import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_RETRY_MS, nextRetryDelay, RETRY_WINDOW_MS, retryWindowOver } from './retry-policy.ts';

const low = () => 0;
/** The top of the jitter range (Math.random never quite reaches it). */
const high = () => 1;

test('the first retry waits about a second, with jitter between half and all of it', () => {
  assert.equal(nextRetryDelay(1, low), 500);
  assert.equal(nextRetryDelay(1, high), 1000);
  for (let i = 0; i < 100; i++) {
    const delay = nextRetryDelay(1);
    assert.ok(delay >= 500 && delay <= 1000, `${delay}`);
  }
});

test('the wait doubles with each failed try', () => {
  for (let attempt = 1; attempt <= 10; attempt++) {
    const base = 1000 * 2 ** (attempt - 1);
    assert.equal(nextRetryDelay(attempt, high), base, `attempt ${attempt}`);
    assert.equal(nextRetryDelay(attempt, low), base / 2, `attempt ${attempt}`);
  }
});

test('never more than an hour between tries, however many failed', () => {
  for (const attempt of [13, 20, 50, 1000, Number.MAX_SAFE_INTEGER, Infinity]) {
    const delay = nextRetryDelay(attempt, high);
    assert.ok(delay <= MAX_RETRY_MS && delay >= MAX_RETRY_MS / 2, `attempt ${attempt}: ${delay}`);
  }
  assert.equal(nextRetryDelay(12, high), 2048 * 1000);
  assert.equal(nextRetryDelay(13, high), MAX_RETRY_MS);
});

test('odd inputs still give a sane first wait', () => {
  for (const attempt of [0, -5, NaN, 1.7]) {
    const delay = nextRetryDelay(attempt, high);
    assert.equal(delay, 1000, `attempt ${attempt}`);
  }
  assert.equal(nextRetryDelay(3, () => 7), 4000, 'a random source out of range is clamped');
});

test('retrying with these waits goes on for over a day in a few dozen tries', () => {
  let elapsed = 0;
  let tries = 1;
  const first = new Date('2026-01-01T00:00:00Z');
  while (!retryWindowOver(first, new Date(first.getTime() + elapsed))) {
    elapsed += nextRetryDelay(tries, low);
    tries++;
  }
  assert.ok(elapsed >= RETRY_WINDOW_MS);
  assert.ok(tries > 24 && tries < 70, `${tries} tries`);
});

test('the retry window is over exactly 24 hours after the first try', () => {
  const first = new Date('2026-01-01T00:00:00Z');
  assert.equal(retryWindowOver(first, new Date('2026-01-01T23:59:59.999Z')), false);
  assert.equal(retryWindowOver(first, new Date('2026-01-02T00:00:00Z')), true);
});
