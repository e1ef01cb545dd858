import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildApp } from './app.ts';
import { connect } from 'node:net';
import { DomainError, type ErrorCode } from './lib/errors.ts';
import { createTestDatabase, databaseTargets, testConfig, describeEachDatabase } from './testing/harness.ts';
import { apiKeyHeader } from './testing/factories.ts';

const METRICS_TOKEN = 'metrics-token-for-tests-0123';

describeEachDatabase('HTTP foundation', (ctx) => {
  test('health and readiness', async () => {
    const { app } = ctx();
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    const ready = await app.inject('/readyz');
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json(), { status: 'ready' });
  });

  test('unknown routes are problem+json not_found', async () => {
    const response = await ctx().app.inject('/api/v1/nothing-here');
    assert.equal(response.statusCode, 404);
    assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
    const body = response.json();
    assert.equal(body.code, 'not_found');
    assert.equal(body.status, 404);
    assert.ok(body.type && body.title && body.detail);
  });

  test('every response carries security headers and a CSP without unsafe-inline scripts', async () => {
    const response = await ctx().app.inject('/healthz');
    const csp = response.headers['content-security-policy'] as string;
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
    assert.ok(response.headers['x-frame-options']);
  });

  test('OpenAPI description and docs are served', async () => {
    const { app } = ctx();
    const spec = await app.inject('/api/openapi.json');
    assert.equal(spec.statusCode, 200);
    assert.equal(spec.json().openapi, '3.1.0');
    const docs = await app.inject('/api/docs/');
    assert.equal(docs.statusCode, 200);
  });

  test('without METRICS_TOKEN, /metrics is not served', async () => {
    const metrics = await ctx().app.inject('/metrics');
    assert.equal(metrics.statusCode, 404);
  });

  test('a wrong API key is 401; a right one is let in, to what its scope allows', async () => {
    const { app } = ctx();
    const wrong = await app.inject({ url: '/api/v1/campaigns', headers: { authorization: 'Bearer cp_op_wrong' } });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().code, 'unauthenticated');
    const operator = await app.inject({ url: '/api/v1/campaigns', headers: { authorization: await apiKeyHeader(app, 'operator') } });
    assert.equal(operator.statusCode, 200);
    const platform = await app.inject({ url: '/api/v1/campaigns', headers: { authorization: await apiKeyHeader(app, 'platform') } });
    assert.equal(platform.statusCode, 403);
    assert.equal(platform.json().code, 'forbidden');
  });
});

describeEachDatabase('metrics behind METRICS_TOKEN', (ctx) => {
  test('Prometheus text with request counters, only to the bearer of the token', async () => {
    const { app } = ctx();
    await app.inject('/healthz');
    for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', 'Basic bWV0cmljcw==', `Bearer ${METRICS_TOKEN}x`]) {
      const refused = await app.inject({ url: '/metrics', headers: authorization ? { authorization } : {} });
      assert.equal(refused.statusCode, 401, authorization);
      assert.equal(refused.json().code, 'unauthenticated');
      assert.match(refused.headers['www-authenticate'] as string, /^Bearer/);
    }
    const metrics = await app.inject({ url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /cloudpass_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(metrics.body, /cloudpass_http_request_duration_seconds_bucket/);
  });
}, { env: { METRICS_TOKEN: 'metrics-token-for-tests-0123' } });

describeEachDatabase('start page', (ctx) => {
  test('/ explains the three steps and links to /redeem', async () => {
    const response = await ctx().app.inject({ url: '/', headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<h1>Redeem your cloud pass<\/h1>/);
    assert.match(response.body, /href="\/redeem"/);
  });
});

for (const target of databaseTargets()) {
  test(`a 5xx never shows its internals, to the API or to a browser [${target.name}]`, { skip: target.skip }, async () => {
    const database = await createTestDatabase(target.name);
    const app = await buildApp({ config: testConfig(database.url), database: database.handle, logger: false });
    const secret = 'relation "secret_table" at /srv/cloudpass/src/db.ts:42';
    app.get('/api/v1/explode', async () => { throw new Error(secret); });
    app.get('/explode', async () => { throw Object.assign(new Error(secret), { statusCode: 503 }); });
    // A code from outside the list can only come from a cast: it is a bug, answered as one, not a quiet 400.
    app.get('/api/v1/unknown-code', async () => { throw new DomainError('no_such_code' as ErrorCode, secret); });
    try {
      for (const url of ['/api/v1/explode', '/api/v1/unknown-code']) {
        const response = await app.inject(url);
        assert.equal(response.statusCode, 500, url);
        assert.match(response.headers['content-type'] as string, /^application\/problem\+json/);
        assert.equal(response.json().code, 'internal_error');
        assert.doesNotMatch(response.body, /secret_table|srv\/cloudpass|no_such_code|at \//);
      }
      const page = await app.inject({ url: '/explode', headers: { accept: 'text/html' } });
      assert.equal(page.statusCode, 500);
      assert.match(page.headers['content-type'] as string, /^text\/html/);
      assert.match(page.body, /Something went wrong/);
      assert.doesNotMatch(page.body, /secret_table|srv\/cloudpass/);
    } finally {
      await app.close();
      await database.drop();
    }
  });
}

/** Sends raw bytes to a listening app and returns what came back (the server closes the connection). */
function rawRequest(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    let answer = '';
    socket.on('data', (chunk) => { answer += chunk.toString('latin1'); });
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
  });
}

test('a request Node refuses before any route (a control byte in a cookie) gets problem JSON with the security headers', async () => {
  const database = await createTestDatabase('sqlite');
  const app = await buildApp({ config: testConfig(database.url), database: database.handle, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const port = (app.server.address() as { port: number }).port;
    const answer = await rawRequest(port, 'GET /redeem HTTP/1.1\r\nHost: localhost\r\nCookie: cloudpass_session=a\u0001b\r\n\r\n');
    const [head = '', body = ''] = answer.split('\r\n\r\n');
    assert.match(head, /^HTTP\/1\.1 400 Bad Request/);
    assert.match(head, /Content-Type: application\/problem\+json/i);
    assert.match(head, /Content-Security-Policy: default-src 'none'/i);
    assert.match(head, /X-Content-Type-Options: nosniff/i);
    const problem = JSON.parse(body);
    assert.equal(problem.status, 400);
    assert.equal(problem.code, 'validation_failed');
  } finally {
    await app.close();
    await database.drop();
  }
});

test('behind TRUST_PROXY, the client address is the one the trusted proxy forwarded, and only then', async () => {
  const database = await createTestDatabase('sqlite');
  const apps = await Promise.all(['1', 'false', '10.0.0.0/8'].map(async (trust) => {
    const app = await buildApp({ config: testConfig(database.url, { TRUST_PROXY: trust }), database: database.handle, logger: false });
    app.get('/test/ip', async (request) => ({ ip: request.ip }));
    return app;
  }));
  try {
    const ipOf = async (app: (typeof apps)[number], remoteAddress: string) =>
      (await app.inject({ url: '/test/ip', remoteAddress, headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.9' } })).json().ip;
    const [oneHop, none, byAddress] = apps as [typeof apps[number], typeof apps[number], typeof apps[number]];
    assert.equal(await ipOf(oneHop, '10.1.2.3'), '198.51.100.9');
    assert.equal(await ipOf(none, '10.1.2.3'), '10.1.2.3');
    assert.equal(await ipOf(byAddress, '10.1.2.3'), '198.51.100.9');
    // A client that sends the header itself, not through the trusted proxy, is not believed.
    assert.equal(await ipOf(byAddress, '192.0.2.50'), '192.0.2.50');
  } finally {
    for (const app of apps) await app.close();
    await database.drop();
  }
});

test('the API docs get a policy as strict as the rest: no styles from any https: origin, no outside validator', async () => {
  const database = await createTestDatabase('sqlite');
  const app = await buildApp({ config: testConfig(database.url), database: database.handle, logger: false });
  try {
    const docs = await app.inject('/api/docs/');
    assert.equal(docs.statusCode, 200);
    const csp = docs.headers['content-security-policy'] as string;
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.doesNotMatch(csp, /https:|validator\.swagger\.io|upgrade-insecure-requests|unsafe-inline/);
    assert.match(csp, /frame-ancestors 'none'/);
  } finally {
    await app.close();
    await database.drop();
  }
});
