// API for the platform: confirm a provisioning it accepted with 202.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, requirePlatform } from '../../http/auth.ts';
import { ValidationError } from '../../lib/errors.ts';
import { SingleLineText, problems } from '../../http/schemas.ts';

const ProvisionedBody = Type.Object({
  externalId: SingleLineText({ minLength: 1, maxLength: 200, description: "The platform's id for the provisioned subscription" }),
}, { additionalProperties: false });

const Nullable = (schema: ReturnType<typeof Type.String>) => Type.Union([schema, Type.Null()]);

const ProvisionedSchema = Type.Object({
  id: Type.String(),
  status: Type.String(),
  externalId: Nullable(Type.String()),
  startsAt: Nullable(Type.String({ format: 'date-time' })),
  endsAt: Nullable(Type.String({ format: 'date-time' })),
}, { additionalProperties: false });

export async function provisioningRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { provisioning } = context.services;

  api.post('/subscriptions/:id/provisioned', {
    preHandler: requirePlatform,
    schema: {
      tags: ['platform'],
      summary: 'Confirm that a subscription is provisioned (after answering the webhook with 202); repeating it is harmless',
      security: [{ apiKey: [] }],
      params: Type.Object({ id: SingleLineText({ maxLength: 100 }) }, { additionalProperties: false }),
      body: ProvisionedBody,
      response: { 200: ProvisionedSchema, ...problems(403, 409) },
    },
  }, async (request) => {
    const externalId = request.body.externalId.trim();
    if (!externalId) throw new ValidationError([{ path: 'externalId', message: 'must not be blank' }]);
    return provisioning.completeProvisioning(request.params.id, externalId, actorOf(request), request.log);
  });
}
