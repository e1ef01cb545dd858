import assert from 'node:assert/strict';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { test } from 'node:test';
import Fastify from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { registerSecurityHeaders, securityHeaders } from './security-headers.ts';

const options: HelmetOptions = {
  contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], imgSrc: ["'self'", 'data:'], upgradeInsecureRequests: [] } },
  strictTransportSecurity: true,
  referrerPolicy: { policy: 'same-origin' },
};

/** What helmet's own middleware puts on a real response, as @fastify/helmet ran it on each request. */
function helmetOnAResponse(helmetOptions: HelmetOptions): Record<string, string> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  response.setHeader('X-Powered-By', 'something');
  helmet(helmetOptions)(request, response, () => {});
  return Object.fromEntries(Object.entries(response.getHeaders()).map(([name, value]) => [name, String(value)]));
}

test('the headers worked out once are the ones helmet sets on a response, and X-Powered-By is removed', () => {
  const { set, removed } = securityHeaders(options);
  assert.deepEqual(set, helmetOnAResponse(options));
  assert.match(set['content-security-policy']!, /default-src 'self';.*img-src 'self' data:;.*upgrade-insecure-requests/);
  assert.ok(set['strict-transport-security']);
  assert.equal(set['referrer-policy'], 'same-origin');
  assert.deepEqual(removed, ['x-powered-by']);
});

test('a directive computed per request is refused: it cannot be worked out once', () => {
  assert.throws(() => securityHeaders({ contentSecurityPolicy: { directives: { scriptSrc: ["'self'", () => "'nonce-abc'"] } } }), /computed per request/);
});

test('options helmet refuses are refused at start', () => {
  assert.throws(() => securityHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], 'bad name': ["'self'"] } } }));
});

test('every response gets them, errors and unknown routes too; a route may still set its own value of one', async () => {
  const app = Fastify();
  registerSecurityHeaders(app, options);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fails', async () => { throw new Error('boom'); });
  app.get('/own', async (_request, reply) => reply.header('content-security-policy', "default-src 'none'").send('own'));
  const expected = helmetOnAResponse(options);
  for (const url of ['/ok', '/fails', '/missing']) {
    const response = await app.inject(url);
    for (const [name, value] of Object.entries(expected)) assert.equal(response.headers[name], value, `${url}: ${name}`);
    assert.equal(response.headers['x-powered-by'], undefined);
  }
  const own = await app.inject('/own');
  assert.equal(own.headers['content-security-policy'], "default-src 'none'");
  assert.equal(own.headers['x-frame-options'], expected['x-frame-options']);
  await app.close();
});
