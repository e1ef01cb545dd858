import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMs, iso } from './clock.ts';

test('iso is toISOString, also when asked again within the same millisecond or going back in time', () => {
  const start = new Date('2026-12-03T08:00:00.123Z');
  for (const date of [start, new Date(start.getTime()), addMs(start, 1), start, addMs(start, -86_400_000), new Date(0), new Date('+275760-09-13T00:00:00.000Z')]) {
    assert.equal(iso(date), date.toISOString());
  }
});

test('iso of an invalid date throws, as toISOString does', () => {
  iso(new Date(5));
  assert.throws(() => iso(new Date(Number.NaN)), RangeError);
  assert.throws(() => iso(new Date('not a date')), RangeError);
});
