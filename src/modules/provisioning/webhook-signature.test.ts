import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { signPayload, verifySignature } from './webhook-signature.ts';

const secret = 'whsec-0123456789abcdef';
const body = JSON.stringify({ id: 'job-1', type: 'subscription.provision', subscription: { id: 's-1' } });
const now = 1_800_000_000;

test('the header is t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>', () => {
  const expected = createHmac('sha256', secret).update(`${now}.${body}`).digest('hex');
  assert.equal(signPayload(secret, body, now), `t=${now},v1=${expected}`);
});

test('a signature made with the secret verifies within the tolerance', () => {
  const header = signPayload(secret, body, now);
  assert.equal(verifySignature(secret, header, body, 300, now), true);
  assert.equal(verifySignature(secret, header, body, 300, now + 300), true);
  assert.equal(verifySignature(secret, header, body, 300, now - 300), true);
});

test('a wrong secret, a changed body, an old or future timestamp, or a malformed header do not verify', () => {
  const header = signPayload(secret, body, now);
  assert.equal(verifySignature('another-secret-0123', header, body, 300, now), false);
  assert.equal(verifySignature(secret, header, `${body} `, 300, now), false);
  assert.equal(verifySignature(secret, header, body, 300, now + 301), false);
  assert.equal(verifySignature(secret, header, body, 300, now - 301), false);
  for (const bad of [undefined, null, '', 'v1=abc', `t=${now}`, `t=soon,v1=${'a'.repeat(64)}`, `t=${now},v1=xyz`, header.replace(/v1=../, 'v1=00')]) {
    assert.equal(verifySignature(secret, bad, body, 300, now), false, String(bad));
  }
});

test('other schemes beside v1 are ignored, and any matching v1 is enough', () => {
  const header = signPayload(secret, body, now);
  const v1 = header.split(',v1=')[1];
  assert.equal(verifySignature(secret, `t=${now},v0=deadbeef,v1=${'0'.repeat(64)},v1=${v1}`, body, 300, now), true);
});
