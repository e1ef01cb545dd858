import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { parseProfile, sameEmail, splitDisplayName } from './activation-profile.ts';
import { hashRequest } from './subscriptions.service.ts';
import { createSubscriptionEvents } from './subscription-events.ts';

const good = { firstName: ' Ada ', lastName: 'Lovelace', email: 'Ada@Example.org', country: 'fi', phone: '+358 (40) 123-4567' };

describe('activation profile', () => {
  test('trims, upper-cases the country and drops empty optional fields', () => {
    const { profile, errors } = parseProfile({ ...good, company: '  ', city: ' Helsinki ' });
    assert.deepEqual(errors, []);
    assert.deepEqual(profile, { firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.org', country: 'FI', phone: '+358 (40) 123-4567', city: 'Helsinki' });
  });

  test('names each bad field once', () => {
    const { errors } = parseProfile({ firstName: '', lastName: 'x'.repeat(101), email: 'not-an-email', country: 'XX', phone: '12' });
    assert.deepEqual(errors.map((e) => e.path), ['profile.lastName', 'profile.firstName', 'profile.email', 'profile.country', 'profile.phone']);
  });

  test('the phone is optional on the API and required on the pages', () => {
    const { phone: _phone, ...withoutPhone } = good;
    assert.deepEqual(parseProfile(withoutPhone).errors, []);
    assert.deepEqual(parseProfile(withoutPhone, { phoneRequired: true }).errors.map((e) => e.path), ['profile.phone']);
  });

  test('any input gives a profile or field errors, never an exception', () => {
    fc.assert(fc.property(fc.anything(), (input) => {
      const { errors } = parseProfile(input);
      return Array.isArray(errors);
    }));
  });

  test('a display name is split into a first guess of first and last name', () => {
    assert.deepEqual(splitDisplayName('Ada Lovelace'), { firstName: 'Ada', lastName: 'Lovelace' });
    assert.deepEqual(splitDisplayName(' Grace  Brewster Hopper '), { firstName: 'Grace Brewster', lastName: 'Hopper' });
    assert.deepEqual(splitDisplayName('Cher'), { firstName: 'Cher', lastName: '' });
    assert.deepEqual(splitDisplayName(''), { firstName: '', lastName: '' });
  });

  test('emails are compared case-insensitively', () => {
    assert.ok(sameEmail('Ada@Example.org ', 'ada@example.org'));
    assert.ok(!sameEmail('ada@example.org', 'ada@example.com'));
  });
});

describe('request hash for Idempotency-Key', () => {
  test('the key order of the body does not matter; any value does', () => {
    assert.equal(hashRequest({ a: 1, b: { c: 2, d: [1, 2] } }), hashRequest({ b: { d: [1, 2], c: 2 }, a: 1 }));
    assert.notEqual(hashRequest({ a: 1, b: { c: 2 } }), hashRequest({ a: 1, b: { c: 3 } }));
    assert.notEqual(hashRequest({ list: [1, 2] }), hashRequest({ list: [2, 1] }));
  });
});

describe('subscription events in one process', () => {
  test('listeners hear their subscription only, until they stop', async () => {
    const events = createSubscriptionEvents();
    const heard: string[] = [];
    const stop = events.subscribe('a', (e) => heard.push(`${e.subscriptionId}:${e.status}`));
    await events.publish({ subscriptionId: 'a', status: 'provisioning', at: '2026-11-27T12:00:00.000Z' });
    await events.publish({ subscriptionId: 'b', status: 'active', at: '2026-11-27T12:00:00.000Z' });
    assert.equal(events.listenerCount('a'), 1);
    stop();
    await events.publish({ subscriptionId: 'a', status: 'active', at: '2026-11-27T12:00:01.000Z' });
    assert.deepEqual(heard, ['a:provisioning']);
    assert.equal(events.listenerCount('a'), 0);
    await events.ready();
    await events.close();
  });
});
