// Operator API for pass codes: generate a batch (JSON or CSV), look a code up, revoke codes.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, requireOperator } from '../../http/auth.ts';
import { ProblemSchema, SingleLineText, operatorProblems } from '../../http/schemas.ts';
import { codesCsv } from './codes-csv.ts';
import { prefersCsv } from '../../http/accept.ts';
import { MAX_CODES_PER_REQUEST, MAX_CODES_PER_REVOKE } from './codes.service.ts';

const GeneratedBatchSchema = Type.Object({
  batchId: Type.String(),
  campaignId: Type.String(),
  codes: Type.Array(Type.String({ description: 'XXXX-XXXX-XXXX-XXXX' }), { description: 'shown this once; only hashes are stored' }),
});

const PassCodeSchema = Type.Object({
  state: Type.Unsafe<'issued' | 'redeemed' | 'revoked'>({ type: 'string', enum: ['issued', 'redeemed', 'revoked'] }),
  campaignId: Type.String(),
  redeemedAt: Type.Union([Type.String(), Type.Null()]),
  accountId: Type.Union([Type.String(), Type.Null()]),
  batchId: Type.String(),
  last4: Type.String({ description: 'last four symbols, for support conversations' }),
  createdAt: Type.String(),
  revokedAt: Type.Union([Type.String(), Type.Null()]),
});

const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { session: [] }];

export async function codeRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { codes } = context.services;
  api.addHook('onRequest', requireOperator);

  api.post('/campaigns/:id/codes', {
    schema: {
      tags: ['operator'], security,
      summary: 'Generate a batch of pass codes',
      description: `JSON by default; CSV (code,campaign_id,batch_id) with \`Accept: text/csv\`. Up to ${MAX_CODES_PER_REQUEST.toLocaleString('en')} per request; the CLI streams any number.`,
      params: Type.Object({ id: SingleLineText({ maxLength: 100 }) }),
      body: Type.Object({ count: Type.Integer({ description: `1–${MAX_CODES_PER_REQUEST}` }) }, { additionalProperties: false }),
      response: {
        201: {
          description: 'The batch, shown this once',
          content: { 'application/json': { schema: GeneratedBatchSchema }, 'text/csv': { schema: Type.String() } },
        },
        404: ProblemSchema, 409: ProblemSchema, ...operatorProblems,
      },
    },
  }, async (request, reply) => {
    const batch = await codes.generate(request.params.id, request.body.count, actorOf(request));
    reply.code(201).header('cache-control', 'no-store');
    if (prefersCsv(request.headers.accept)) {
      return reply.type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="codes-${batch.batchId}.csv"`)
        .send(codesCsv(batch));
    }
    return reply.type('application/json; charset=utf-8').send(batch);
  });

  api.post('/codes/lookup', {
    schema: {
      tags: ['operator'], security, summary: "A code's state, campaign and redemption",
      body: Type.Object({ code: SingleLineText({ maxLength: 64 }) }, { additionalProperties: false }),
      response: { 200: PassCodeSchema, 404: ProblemSchema, 422: ProblemSchema, ...operatorProblems },
    },
  }, async (request) => codes.lookup(request.body.code));

  api.post('/codes/revoke', {
    schema: {
      tags: ['operator'], security, summary: 'Revoke issued codes (redeemed ones are left alone)',
      body: Type.Object({ codes: Type.Array(SingleLineText({ maxLength: 64 }), { description: `1–${MAX_CODES_PER_REVOKE} codes` }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ revoked: Type.Integer() }), ...operatorProblems },
    },
  }, async (request) => codes.revoke(request.body.codes, actorOf(request)));
}
