import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId } from './ids.ts';

test('ids are RFC 9562 version 7 UUIDs: the time first, then random bits', async () => {
  const before = Date.now();
  const id = newId();
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  const millis = parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
  assert.ok(millis >= before && millis <= Date.now());
});

test('ids made in a later millisecond sort after earlier ones, and none repeats', async () => {
  const first = newId();
  await new Promise((r) => setTimeout(r, 2));
  const later = Array.from({ length: 10_000 }, newId);
  assert.ok(later.every((id) => id > first));
  assert.equal(new Set(later).size, later.length);
});
