import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DomainError, ValidationError } from '../../lib/errors.ts';
import { assertPasswordAllowed, commonPasswordCount, hashPassword, verifyPassword } from './passwords.ts';

const code = (fn: () => void) => {
  try {
    fn();
    return 'ok';
  } catch (error) {
    return (error as DomainError).code;
  }
};

test('the common-password list has at least 10,000 entries', () => {
  assert.ok(commonPasswordCount() >= 10_000, String(commonPasswordCount()));
});

test('length 8 to 256, no composition rules, common passwords refused case-insensitively', () => {
  assert.equal(code(() => assertPasswordAllowed('abc de7')), 'weak_password');
  assert.equal(code(() => assertPasswordAllowed('qzvbnwkp')), 'ok');
  assert.equal(code(() => assertPasswordAllowed('x'.repeat(64))), 'ok');
  assert.equal(code(() => assertPasswordAllowed('x'.repeat(256))), 'ok');
  assert.equal(code(() => assertPasswordAllowed('x'.repeat(257))), 'validation_failed');
  for (const common of ['password', 'PASSWORD', 'Password1', 'sunshine', 'football', 'baseball1', '11111111']) {
    assert.equal(code(() => assertPasswordAllowed(common)), 'weak_password', common);
  }
  assert.equal(code(() => assertPasswordAllowed('🔑🔑🔑🔑🔑🔑🔑🔑')), 'ok', 'characters, not bytes');
});

test('the error names the field it is about', () => {
  try {
    assertPasswordAllowed('short', 'newPassword');
    assert.fail('expected an error');
  } catch (error) {
    assert.ok(error instanceof DomainError && !(error instanceof ValidationError));
    assert.deepEqual((error.extra.errors as Array<{ path: string }>).map((e) => e.path), ['newPassword']);
  }
});

test('argon2id with 19 MiB, t=2, p=1', async () => {
  const hash = await hashPassword('correct horse battery staple');
  assert.match(hash, /^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
  assert.equal(await verifyPassword(hash, 'correct horse battery staple'), true);
  assert.equal(await verifyPassword(hash, 'correct horse battery stapler'), false);
  assert.equal(await verifyPassword('not a hash', 'anything'), false);
});
