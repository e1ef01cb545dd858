// Operator API for API keys: list (never the key), create (the key shown once, in the answer), revoke.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, requireOperator } from '../../http/auth.ts';
import { SingleLineText, operatorProblems, problems } from '../../http/schemas.ts';

const nullableTime = Type.Union([Type.String(), Type.Null()]);

export const ApiKeySchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Type.Unsafe<'operator' | 'platform'>({ type: 'string', enum: ['operator', 'platform'] }),
  prefix: Type.String({ description: 'the first characters of the key, to tell keys apart' }),
  createdAt: Type.String(),
  lastUsedAt: nullableTime,
  revokedAt: nullableTime,
});

const CreateBody = Type.Object({
  name: SingleLineText({ minLength: 1, maxLength: 100 }),
  scope: Type.Union([Type.Literal('operator'), Type.Literal('platform')]),
}, { additionalProperties: false });

const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { session: [] }];

export async function apiKeyRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { apiKeys } = context.services;
  api.addHook('onRequest', requireOperator);

  api.get('/apikeys', {
    schema: { tags: ['operator'], security, summary: 'Every API key: name, scope, created, last used (never the key)', response: { 200: Type.Object({ items: Type.Array(ApiKeySchema) }), ...operatorProblems } },
  }, async () => ({ items: await apiKeys.list() }));

  api.post('/apikeys', {
    schema: {
      tags: ['operator'], security, summary: 'Create an API key; `key` is in this answer only, never again',
      body: CreateBody, response: { 201: Type.Object({ key: Type.String(), apiKey: ApiKeySchema }), ...operatorProblems },
    },
  }, async (request, reply) => reply.code(201).send(await apiKeys.create(request.body, actorOf(request))));

  api.delete('/apikeys/:id', {
    schema: {
      tags: ['operator'], security, summary: 'Revoke an API key: it answers 401 from then on',
      params: Type.Object({ id: Type.String({ maxLength: 100 }) }), response: { 204: Type.Null(), ...operatorProblems, ...problems(404) },
    },
  }, async (request, reply) => {
    await apiKeys.revoke(request.params.id, actorOf(request));
    return reply.code(204).send(null);
  });
}
