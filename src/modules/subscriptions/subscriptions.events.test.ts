// The live status stream over a real socket (inject cannot stream), and Redis fan-out across instances.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { before, test } from 'node:test';
import { buildApp, type App } from '../../app.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase, redisSkipReason, testConfig, testRedisUrl } from '../../testing/harness.ts';
import { activate, createPass, profileOf } from './subscriptions.testing.ts';

interface StatusEvent {
  subscriptionId: string;
  status: string;
  at: string;
}

async function listen(app: App): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

async function openStream(baseUrl: string, subscriptionId: string, cookie: string) {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/v1/subscriptions/${subscriptionId}/events`, {
    headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal,
  });
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  /** The next data event, or null when the server ended the stream. */
  async function next(): Promise<StatusEvent | null> {
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
        if (data) return JSON.parse(data) as StatusEvent;
        continue;
      }
      const { value, done } = await reader.read();
      if (done) return null;
      buffer += value;
    }
  }
  return { response, next, close: () => controller.abort() };
}

/** Waits for a condition the server reaches on its own; the test's own timeout bounds it. */
async function eventually(condition: () => boolean) {
  while (!condition()) await sleep(10);
}

async function pendingSubscription(app: App, account: TestAccount): Promise<string> {
  const pass = await createPass(app, account);
  const created = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) });
  assert.equal(created.statusCode, 202, created.body);
  return created.json().id as string;
}

/** A lost event would leave a read waiting: fail instead of hanging. */
const bounded = { timeout: 20_000 };

describeEachDatabase('subscription events', (ctx) => {
  let baseUrl = '';
  before(async () => { baseUrl = await listen(ctx().app); });

  test('the stream sends the current status at once, then each published change, and ends after a final one', bounded, async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const id = await pendingSubscription(app, account);
    const stream = await openStream(baseUrl, id, account.cookie);
    assert.equal(stream.response.status, 200);
    assert.match(stream.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    // The stream is written past Fastify's sending, and still carries the security headers of every answer.
    assert.match(stream.response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(stream.response.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(stream.response.headers.get('x-frame-options'), 'SAMEORIGIN');
    assert.deepEqual((await stream.next())?.status, 'pending');

    const events = app.services.subscriptionEvents;
    await eventually(() => events.listenerCount(id) === 1);
    await events.publish({ subscriptionId: id, status: 'provisioning', at: new Date().toISOString() });
    const provisioning = await stream.next();
    assert.deepEqual({ ...provisioning, at: undefined }, { subscriptionId: id, status: 'provisioning', at: undefined });
    await events.publish({ subscriptionId: id, status: 'active', at: new Date().toISOString() });
    assert.equal((await stream.next())?.status, 'active');
    assert.equal(await stream.next(), null, 'the server ends the stream after a final status');
    assert.equal(events.listenerCount(id), 0);
  });

  test('a client that goes away leaves no listener behind', bounded, async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const id = await pendingSubscription(app, account);
    const stream = await openStream(baseUrl, id, account.cookie);
    assert.equal((await stream.next())?.status, 'pending');
    await eventually(() => app.services.subscriptionEvents.listenerCount(id) === 1);
    stream.close();
    await eventually(() => app.services.subscriptionEvents.listenerCount(id) === 0);
  });

  test('a subscription already in a final state: one event, then the end', bounded, async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const id = await pendingSubscription(app, account);
    const cancelled = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${id}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancelled.statusCode, 200);
    const stream = await openStream(baseUrl, id, account.cookie);
    assert.equal((await stream.next())?.status, 'cancelled');
    assert.equal(await stream.next(), null);
  });

  test('cancelling reaches an open stream', bounded, async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const id = await pendingSubscription(app, account);
    const stream = await openStream(baseUrl, id, account.cookie);
    assert.equal((await stream.next())?.status, 'pending');
    await eventually(() => app.services.subscriptionEvents.listenerCount(id) === 1);
    const cancelled = await app.inject({ method: 'POST', url: `/api/v1/subscriptions/${id}/cancel`, headers: { cookie: account.cookie } });
    assert.equal(cancelled.statusCode, 200);
    assert.equal((await stream.next())?.status, 'cancelled');
    assert.equal(await stream.next(), null);
  });

  test('another account\'s stream is 404; signed out is 401', bounded, async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    const stranger = await createAccount(app, config);
    const id = await pendingSubscription(app, account);
    const foreign = await fetch(`${baseUrl}/api/v1/subscriptions/${id}/events`, { headers: { cookie: stranger.cookie } });
    assert.equal(foreign.status, 404);
    assert.equal((await foreign.json()).code, 'not_found');
    const anonymous = await fetch(`${baseUrl}/api/v1/subscriptions/${id}/events`);
    assert.equal(anonymous.status, 401);
    await anonymous.body?.cancel();
  });

  test('with Redis, a change published by one instance reaches the streams of another', { ...bounded, skip: redisSkipReason }, async () => {
    const { database } = ctx();
    const config = testConfig(database.url, { REDIS_URL: testRedisUrl! });
    const web = await buildApp({ config, database: database.handle, logger: false });
    const worker = await buildApp({ config, database: database.handle, logger: false });
    try {
      await Promise.all([web.services.subscriptionEvents.ready(), worker.services.subscriptionEvents.ready()]);
      const webUrl = await listen(web);
      const account = await createAccount(web, config);
      const id = await pendingSubscription(web, account);
      const stream = await openStream(webUrl, id, account.cookie);
      assert.equal((await stream.next())?.status, 'pending');
      await eventually(() => web.services.subscriptionEvents.listenerCount(id) === 1);

      // Heard locally by the publisher too, once (not again through Redis).
      const heardByWorker: string[] = [];
      const stop = worker.services.subscriptionEvents.subscribe(id, (event) => heardByWorker.push(event.status));
      await worker.services.subscriptionEvents.publish({ subscriptionId: id, status: 'provisioning', at: new Date().toISOString() });
      assert.equal((await stream.next())?.status, 'provisioning');
      await worker.services.subscriptionEvents.publish({ subscriptionId: id, status: 'active', at: new Date().toISOString() });
      assert.equal((await stream.next())?.status, 'active');
      assert.equal(await stream.next(), null);
      stop();
      assert.deepEqual(heardByWorker, ['provisioning', 'active']);
    } finally {
      await web.close();
      await worker.close();
    }
  });
});
