import assert from 'node:assert/strict';
import { test } from 'node:test';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { getPage, openPage, postForm } from '../../testing/pages.ts';

describeEachDatabase('API keys', (ctx) => {
  test('the API lists keys without the key, creates one shown once, and a revoked key answers 401', async () => {
    const { app } = ctx();
    const operator = await apiKeyHeader(app, 'operator');
    const created = await app.inject({ method: 'POST', url: '/api/v1/apikeys', headers: { authorization: operator }, payload: { name: 'usage reports', scope: 'platform' } });
    assert.equal(created.statusCode, 201, created.body);
    const { key, apiKey } = created.json();
    assert.match(key, /^cp_pf_/);
    assert.equal(apiKey.scope, 'platform');

    const list = await app.inject({ method: 'GET', url: '/api/v1/apikeys', headers: { authorization: operator } });
    assert.equal(list.statusCode, 200);
    assert.ok(!list.body.includes(key), 'the list never holds a key');
    const listed = list.json().items.find((k: { id: string }) => k.id === apiKey.id);
    assert.deepEqual(Object.keys(listed).sort(), ['createdAt', 'id', 'lastUsedAt', 'name', 'prefix', 'revokedAt', 'scope']);
    assert.equal(listed.lastUsedAt, null);

    const used = await app.inject({ method: 'POST', url: '/api/v1/usage', headers: { authorization: `Bearer ${key}` }, payload: { events: [] } });
    assert.notEqual(used.statusCode, 401, 'the new key is accepted');
    const afterUse = (await app.inject({ method: 'GET', url: '/api/v1/apikeys', headers: { authorization: operator } })).json().items.find((k: { id: string }) => k.id === apiKey.id);
    assert.ok(afterUse.lastUsedAt, 'last used is recorded');

    const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/apikeys/${apiKey.id}`, headers: { authorization: operator } });
    assert.equal(revoked.statusCode, 204);
    const refused = await app.inject({ method: 'POST', url: '/api/v1/usage', headers: { authorization: `Bearer ${key}` }, payload: { events: [] } });
    assert.equal(refused.statusCode, 401);
    const missing = await app.inject({ method: 'DELETE', url: '/api/v1/apikeys/nope', headers: { authorization: operator } });
    assert.equal(missing.statusCode, 404);
    const audit = await app.services.audit.list({ subjectId: apiKey.id });
    assert.deepEqual(audit.map((e) => e.action).sort(), ['apikey.created', 'apikey.revoked']);
    assert.equal(audit.find((e) => e.action === 'apikey.revoked')!.actor.type, 'apikey');
  });

  test('only operators manage keys', async () => {
    const { app, config } = ctx();
    const platform = await apiKeyHeader(app, 'platform');
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/apikeys', headers: { authorization: platform } })).statusCode, 403);
    const person = await createAccount(app, config);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/apikeys', headers: { cookie: person.cookie } })).statusCode, 403);
    assert.equal((await getPage(app, '/admin/apikeys', person.cookie)).statusCode, 403);
  });

  test('the console creates a key, shows it once, and revokes it with the form token', async () => {
    const { app, config } = ctx();
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const { response, csrf } = await openPage(app, '/admin/apikeys', admin.cookie);
    assert.equal(response.statusCode, 200);
    assert.ok(csrf);
    const empty = await postForm(app, '/admin/apikeys', admin.cookie, { _csrf: csrf, name: '', scope: 'operator' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /name must be 1–100 characters/);
    const made = await postForm(app, '/admin/apikeys', admin.cookie, { _csrf: csrf, name: 'nightly export', scope: 'operator' });
    assert.equal(made.statusCode, 201);
    const key = /id="new-api-key">([^<]+)</.exec(made.body)?.[1];
    assert.ok(key?.startsWith('cp_op_'), 'the key is on the page');
    const later = await getPage(app, '/admin/apikeys', admin.cookie);
    assert.ok(!later.body.includes(key!), 'and never again');
    assert.match(later.body, /nightly export/);

    const id = (await app.services.apiKeys.list()).find((k) => k.name === 'nightly export')!.id;
    const noToken = await postForm(app, `/admin/apikeys/${id}/revoke`, admin.cookie, {});
    assert.equal(noToken.statusCode, 403);
    const revoked = await postForm(app, `/admin/apikeys/${id}/revoke`, admin.cookie, { _csrf: csrf });
    assert.equal(revoked.statusCode, 303);
    const shown = await getPage(app, '/admin/apikeys', admin.cookie);
    assert.match(shown.body, /The API key nightly export was revoked/);
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/apikeys', headers: { authorization: `Bearer ${key}` } })).statusCode, 401);
    const entry = (await app.services.audit.list({ subjectId: id })).find((e) => e.action === 'apikey.revoked');
    assert.equal(entry?.actor.label, admin.email);
  });
});
