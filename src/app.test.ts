import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase } from './testing/harness.ts';
import { apiKeyHeader } from './testing/factories.ts';

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

  test('metrics are Prometheus text with request counters', async () => {
    const { app } = ctx();
    await app.inject('/healthz');
    const metrics = await app.inject('/metrics');
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /cloudpass_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    assert.match(metrics.body, /cloudpass_http_request_duration_seconds_bucket/);
  });

  test('a wrong API key is 401', async () => {
    const response = await ctx().app.inject({ url: '/api/v1/nothing', headers: { authorization: 'Bearer cp_op_wrong' } });
    assert.equal(response.statusCode, 401);
    assert.equal(response.json().code, 'unauthenticated');
    assert.ok(await apiKeyHeader(ctx().app));
  });
});

describeEachDatabase('start page', (ctx) => {
  test('/ explains the three steps and links to /redeem', async () => {
    const response = await ctx().app.inject({ url: '/', headers: { accept: 'text/html' } });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /<h1>Redeem your cloud pass<\/h1>/);
    assert.match(response.body, /href="\/redeem"/);
  });
});
