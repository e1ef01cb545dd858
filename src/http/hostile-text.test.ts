// Issue 9, items 2 and 6: bytes PostgreSQL refuses (NUL) and other control characters are refused at the
// schema with the same 400 on both databases, wherever text comes in; every operation describes its errors
// as problem documents; the answers written past Fastify's sending carry the security headers.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachDatabase } from '../testing/harness.ts';
import { apiKeyHeader, createAccount, type TestAccount } from '../testing/factories.ts';

type Json = Record<string, unknown>;

function assertRefused(response: LightMyRequestResponse, field: string | RegExp, label: string) {
  assert.equal(response.statusCode, 400, `${label}: ${response.statusCode} ${response.body.slice(0, 300)}`);
  assert.match(String(response.headers['content-type']), /^application\/problem\+json/, label);
  const body = response.json<{ code: string; errors?: Array<{ path: string; message: string }> }>();
  assert.equal(body.code, 'validation_failed', label);
  const paths = (body.errors ?? []).map((e) => e.path);
  assert.ok(paths.some((p) => (typeof field === 'string' ? p === field : field.test(p))), `${label}: errors name ${field}, not ${paths.join(', ')}`);
}

describeEachDatabase('hostile text', (ctx) => {
  let operator = '';
  let recipient: TestAccount;
  before(async () => {
    const { app, config } = ctx();
    operator = await apiKeyHeader(app, 'operator');
    recipient = await createAccount(app, config);
  });

  const json = (method: 'POST' | 'PATCH' | 'GET', url: string, body: unknown, headers: Record<string, string> = {}) =>
    ctx().app.inject({ method, url, headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, payload: body === undefined ? undefined : JSON.stringify(body) });

  test('NUL and control characters in JSON bodies: 400 naming the field, never a database error', async () => {
    const cases: Array<[string, 'POST' | 'PATCH', string, Json, string, Record<string, string>?]> = [
      ['sign-in email', 'POST', '/api/v1/sessions', { email: 'a\u0000b@example.com', password: 'whatever-it-is' }, 'email'],
      ['sign-in organization', 'POST', '/api/v1/sessions', { email: 'a@example.com', password: 'whatever-it-is', organizationId: 'x\u0000' }, 'organizationId'],
      ['sign-up email', 'POST', '/api/v1/accounts', { email: 'a\u0000b@example.com', password: 'long enough password', displayName: 'A', country: 'FI' }, 'email'],
      ['sign-up name with a bidi override', 'POST', '/api/v1/accounts', { email: 'bidi@example.com', password: 'long enough password', displayName: 'evil\u202Egpj.exe', country: 'FI' }, 'displayName'],
      ['sign-up name with an isolate', 'POST', '/api/v1/accounts', { email: 'iso@example.com', password: 'long enough password', displayName: 'a\u2066b\u2069', country: 'FI' }, 'displayName'],
      ['password reset', 'POST', '/api/v1/accounts/password-reset', { email: 'a\u0000b@example.com' }, 'email'],
      ['resend verification', 'POST', '/api/v1/accounts/resend-verification', { email: 'a\u0000@example.com' }, 'email'],
      ['reset confirmation token', 'POST', '/api/v1/accounts/password-reset/confirm', { token: '\u0000', password: 'long enough password' }, 'token'],
      ['organization name', 'POST', '/api/v1/organizations', { name: 'Org\u0000', admin: { email: 'o@example.com', password: 'long enough password', displayName: 'O', country: 'FI' } }, 'name'],
      ['campaign name with a line break', 'POST', '/api/v1/campaigns', { name: 'Spring\r\nBcc: x', credit: { amount: 100, currency: 'EUR' }, validityDays: 30, redeemBy: '2099-01-01' }, 'name', { authorization: operator }],
      ['campaign name with NUL', 'POST', '/api/v1/campaigns', { name: 'Spring\u0000', credit: { amount: 100, currency: 'EUR' }, validityDays: 30, redeemBy: '2099-01-01' }, 'name', { authorization: operator }],
      ['code check', 'POST', '/api/v1/redemptions/check', { code: 'ABCD\u0000', country: 'FI' }, 'code'],
      ['code lookup', 'POST', '/api/v1/codes/lookup', { code: '\u001b[31m' }, 'code', { authorization: operator }],
      ['profile display name', 'PATCH', '/api/v1/me', { displayName: 'Anna\u202E' }, 'displayName', { cookie: recipient.cookie }],
      ['support subject', 'POST', '/api/v1/support/cases', { category: 'account', subject: 'Help\u0007', description: 'text' }, 'subject', { cookie: recipient.cookie }],
      ['support description', 'POST', '/api/v1/support/cases', { category: 'account', subject: 'Help', description: 'line\u0000' }, 'description', { cookie: recipient.cookie }],
    ];
    for (const [label, method, url, body, field, headers] of cases) {
      assertRefused(await json(method, url, body, headers), field, label);
    }
    // The same requests with clean text get past the schema: the refusal above is the text's doing.
    const clean = await json('POST', '/api/v1/sessions', { email: 'ab@example.com', password: 'whatever-it-is' });
    assert.equal(clean.statusCode, 401, clean.body);
    const lines = await json('POST', '/api/v1/support/cases', { category: 'account', subject: 'Help', description: 'line one\nline two\ttab' }, { cookie: recipient.cookie });
    assert.equal(lines.statusCode, 201, lines.body);
  });

  test('NUL in path ids, cursors and query filters: 400, the same on both databases', async () => {
    const cases: Array<[string, string, RegExp | string, Record<string, string>]> = [
      ['campaign id', '/api/v1/campaigns/a%00b', 'id', { authorization: operator }],
      ['organization id', '/api/v1/organizations/a%00b', 'id', { authorization: operator }],
      ['subscription id', '/api/v1/subscriptions/a%00b', 'id', { cookie: recipient.cookie }],
      ['redemption id', '/api/v1/redemptions/a%00b', 'id', { cookie: recipient.cookie }],
      ['support case id', '/api/v1/support/cases/a%00b', 'id', { cookie: recipient.cookie }],
      ['audit subjectId', '/api/v1/audit-events?subjectId=a%00b', 'subjectId', { authorization: operator }],
      ['audit before', '/api/v1/audit-events?before=2026-01-01T00:00:00Z%00', 'before', { authorization: operator }],
      ['outbox before', '/api/v1/outbox?before=a%00b', 'before', { authorization: operator }],
      ['support cursor (recipient)', '/api/v1/support/cases?before=a%00b', 'before', { cookie: recipient.cookie }],
      ['support cursor (operator)', '/api/v1/support/cases?before=%1b', 'before', { authorization: operator }],
    ];
    for (const [label, url, field, headers] of cases) {
      assertRefused(await ctx().app.inject({ method: 'GET', url, headers }), field, label);
    }
    // Clean ids are looked up and not found: the 400s above are the bytes' doing.
    const missing = await ctx().app.inject({ method: 'GET', url: '/api/v1/campaigns/ab', headers: { authorization: operator } });
    assert.equal(missing.statusCode, 404, missing.body);
  });

  test('pages: NUL in a path id or a form field is a 400 page, not a 500', async () => {
    const start = await ctx().app.inject({ method: 'GET', url: '/signin/organization/a%00b/start', headers: { accept: 'text/html' } });
    assert.equal(start.statusCode, 400, start.body.slice(0, 300));
    const startJson = await ctx().app.inject({ method: 'GET', url: '/signin/organization/a%00b/start' });
    assertRefused(startJson, 'id', 'organization sign-in start');
    const subscription = await ctx().app.inject({ method: 'GET', url: '/subscriptions/a%00b', headers: { accept: 'text/html', cookie: recipient.cookie } });
    assert.equal(subscription.statusCode, 400, subscription.body.slice(0, 300));
  });

  test('every operation describes its error statuses as problem documents', () => {
    const doc = ctx().app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: Json }> }> }>> };
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        operations++;
        const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
        const statuses = errors.map(([status]) => status);
        for (const status of ['401', '500']) assert.ok(statuses.includes(status), `${method} ${path} describes ${status}: ${statuses.join(', ')}`);
        for (const [status, response] of errors) {
          assert.deepEqual(Object.keys(response.content ?? {}), ['application/problem+json'], `${method} ${path} ${status}`);
          const schema = response.content!['application/problem+json']!.schema as { required?: string[] };
          assert.deepEqual([...(schema.required ?? [])].sort(), ['code', 'detail', 'status', 'title', 'type'], `${method} ${path} ${status}`);
        }
      }
    }
    assert.ok(operations >= 40, `${operations} operations`);
  });

  test('answers the router gives before any route carry problem JSON and the security headers', async () => {
    for (const url of ['/api/v1/campaigns/%E0%A4%A', `/api/v1/campaigns/${'x'.repeat(3000)}`]) {
      const response = await ctx().app.inject({ method: 'GET', url, headers: { authorization: operator } });
      assert.equal(response.statusCode, 400, url.slice(0, 40));
      assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
      assert.equal(response.json<{ code: string }>().code, 'validation_failed');
      assert.match(String(response.headers['content-security-policy']), /default-src 'none'/);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
    }
  });
});
