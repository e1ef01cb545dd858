// API: the operator's read of the mail outbox, newest first.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { requireOperator } from '../../http/auth.ts';
import { SingleLineText, problems } from '../../http/schemas.ts';

const MailSchema = Type.Object({
  id: Type.String(), to: Type.String(), subject: Type.String(), text: Type.String(), html: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(), sentAt: Type.Union([Type.String(), Type.Null()]), attempts: Type.Integer(),
  lastError: Type.Union([Type.String(), Type.Null()]),
}, { additionalProperties: false });

export async function mailRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { mail } = context.services;

  api.get('/outbox', {
    preHandler: requireOperator,
    schema: {
      tags: ['operator'], summary: 'Mail kept in the outbox, newest first',
      querystring: Type.Object({ limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,3}$' })), before: Type.Optional(SingleLineText({ maxLength: 40 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(MailSchema) }, { additionalProperties: false }), ...problems(403) },
    },
  }, async (request) => ({
    items: await mail.list({ limit: request.query.limit ? Number(request.query.limit) : undefined, before: request.query.before }),
  }));
}
