import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import { buildApp } from '../app.ts';
import { createTestDatabase, testConfig } from '../testing/harness.ts';
import { compilePendingSchemas, lazySerializerBuilder, lazyValidatorBuilder } from './lazy-schemas.ts';

function lazyApp() {
  return Fastify({
    logger: false,
    exposeHeadRoutes: false,
    ajv: { customOptions: { removeAdditional: 'all', coerceTypes: false, allErrors: true } },
    schemaController: { compilersFactory: { buildValidator: lazyValidatorBuilder(), buildSerializer: lazySerializerBuilder() } },
  });
}

test('every route schema of the app compiles (lazily compiled, a broken one would otherwise wait for its first request)', async () => {
  const database = await createTestDatabase('sqlite');
  compilePendingSchemas(); // whatever other tests in this process left
  const app = await buildApp({ config: testConfig(database.url), database: database.handle, logger: false });
  try {
    await app.ready();
    const compiled = compilePendingSchemas();
    assert.ok(compiled > 100, `${compiled} schemas`);
    assert.equal(compilePendingSchemas(), 0);
  } finally {
    await app.close();
    await database.drop();
  }
});

test('a schema is compiled at its route\'s first request, and validates and serializes as Fastify\'s own compilers do', async () => {
  const app = lazyApp();
  app.post('/things', {
    schema: {
      headers: { type: 'object', properties: { 'X-Token': { type: 'string', minLength: 3 } }, required: ['X-Token'] },
      body: { type: 'object', properties: { name: { type: 'string', minLength: 2 } }, required: ['name'], additionalProperties: false },
      response: { 200: { type: 'object', properties: { name: { type: 'string' } } } },
    },
  }, async (request) => ({ ...(request.body as object), secret: 'not in the schema' }));
  await app.ready();
  try {
    const ok = await app.inject({ method: 'POST', url: '/things', headers: { 'x-token': 'abc' }, payload: { name: 'Ada', extra: true } });
    assert.equal(ok.statusCode, 200);
    assert.deepEqual(ok.json(), { name: 'Ada' }, 'unknown body fields stripped, undeclared response fields dropped');

    const bad = await app.inject({ method: 'POST', url: '/things', headers: { 'x-token': 'abc' }, payload: { name: 'A' } });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().message, /body\/name must NOT have fewer than 2 characters/);

    const noToken = await app.inject({ method: 'POST', url: '/things', payload: { name: 'Ada' } });
    assert.equal(noToken.statusCode, 400);
    assert.match(noToken.json().message, /headers must have required property 'x-token'/);

    const notJson = await app.inject({ method: 'POST', url: '/things', headers: { 'x-token': 'abc' }, payload: ['Ada'] });
    assert.equal(notJson.statusCode, 400);
  } finally {
    await app.close();
  }
});

test('nothing is compiled before it is needed', async () => {
  const app = lazyApp();
  app.post('/a', { schema: { body: { type: 'object', properties: { n: { type: 'integer' } } } } }, async () => ({ ok: true }));
  app.get('/b', { schema: { response: { 200: { type: 'object', properties: { ok: { type: 'boolean' } } } } } }, async () => ({ ok: true }));
  compilePendingSchemas();
  await app.ready();
  try {
    assert.equal((await app.inject({ method: 'POST', url: '/a', payload: { n: 1 } })).statusCode, 200);
    assert.equal(compilePendingSchemas(), 1, 'the GET route\'s serializer was still waiting for its first request');
  } finally {
    await app.close();
  }
});
