// Operator API for a campaign's figures over time and by country (API.md "Operator console data").
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { requireOperator } from '../../http/auth.ts';
import { ProblemSchema, operatorProblems } from '../../http/schemas.ts';

const IdParams = Type.Object({ id: Type.String() });
const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { session: [] }];

export async function reportRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { reports } = context.services;
  api.addHook('onRequest', requireOperator);

  api.get('/campaigns/:id/timeline', {
    schema: {
      tags: ['operator'], security, summary: "A campaign's redemptions and activations by day or by hour (UTC), oldest first",
      params: IdParams,
      querystring: Type.Object({ by: Type.Optional(Type.String({ enum: ['day', 'hour'], description: 'default day' })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          series: Type.Array(Type.Object({
            key: Type.String({ description: 'YYYY-MM-DD, or YYYY-MM-DDTHH:00Z by hour' }),
            redeemed: Type.Integer({ description: 'codes redeemed then and still held (not released)' }),
            activated: Type.Integer({ description: 'passes activated then' }),
          })),
        }),
        404: ProblemSchema, ...operatorProblems,
      },
    },
  }, async (request) => ({ series: await reports.timeline(request.params.id, request.query.by ?? 'day') }));

  api.get('/campaigns/:id/countries', {
    schema: {
      tags: ['operator'], security, summary: "A campaign's redemptions by the country they were made for, most first",
      params: IdParams,
      response: {
        200: Type.Object({
          items: Type.Array(Type.Object({ country: Type.String({ description: 'ISO 3166-1 alpha-2' }), redeemed: Type.Integer(), activated: Type.Integer() })),
        }),
        404: ProblemSchema, ...operatorProblems,
      },
    },
  }, async (request) => ({ items: await reports.countries(request.params.id) }));
}
