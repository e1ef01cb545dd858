// Operators read the audit trail over the API: who did what, and when, newest first.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { requireOperator } from '../../http/auth.ts';
import { ProblemSchema, SingleLineText } from '../../http/schemas.ts';

const AuditEventSchema = Type.Object({
  id: Type.String(),
  at: Type.String(),
  actor: Type.Object({
    type: Type.String({ description: 'apikey, admin, account or system' }),
    id: Type.Union([Type.String(), Type.Null()]),
    label: Type.String(),
  }),
  action: Type.String({ description: 'e.g. campaign.created, codes.generated, codes.revoked' }),
  subject: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
  details: Type.Record(Type.String(), Type.Unknown()),
});

export async function auditRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { audit } = context.services;
  api.addHook('onRequest', requireOperator);

  api.get('/audit-events', {
    schema: {
      tags: ['operator'], security: [{ apiKey: [] }, { session: [] }],
      summary: 'The audit trail, newest first',
      description: 'Page back with `before` set to the `at` of the last event received.',
      querystring: Type.Object({
        limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: '1–500 (more is read as 500), default 100' })),
        before: Type.Optional(Type.String({ format: 'date-time', description: 'only events before this time' })),
        subjectId: Type.Optional(SingleLineText({ maxLength: 100, description: 'only events about this campaign, code batch or other subject' })),
        subjectType: Type.Optional(SingleLineText({ maxLength: 100, description: 'only events about this kind of subject, e.g. campaign' })),
        actor: Type.Optional(SingleLineText({ maxLength: 320, description: "only events by this actor, by its label (an admin's email, a key's name)" })),
        action: Type.Optional(SingleLineText({ maxLength: 100, description: 'only events of this action, e.g. codes.revoked' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ items: Type.Array(AuditEventSchema) }), 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema },
    },
  }, async (request) => {
    const { limit, before, subjectId, subjectType, actor, action } = request.query;
    return { items: await audit.list({ limit: limit === undefined ? undefined : Number(limit), before, subjectId, subjectType, actor, action }) };
  });
}
