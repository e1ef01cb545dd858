// Operator API for campaigns: create, list, read with stats, pause/resume/close.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { ProblemSchema, SingleLineText, operatorProblems } from '../../http/schemas.ts';
import { actorOf, requireOperator } from '../../http/auth.ts';
import { CAMPAIGN_STATUSES, MAX_NAME_LENGTH, MAX_PASSES_PER_ACCOUNT, MAX_VALIDITY_DAYS } from './campaigns.service.ts';
import type { CampaignStatus } from './campaigns.table.ts';

const MoneySchema = Type.Object({
  amount: Type.Integer({ description: 'integer minor units (cents), greater than 0' }),
  currency: SingleLineText({ maxLength: 16, description: 'ISO 4217 code, e.g. USD' }),
}, { additionalProperties: false });

const StatusSchema = Type.Unsafe<CampaignStatus>({ type: 'string', enum: [...CAMPAIGN_STATUSES] });

export const CampaignSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  credit: MoneySchema,
  validityDays: Type.Integer(),
  redeemBy: Type.String({ description: 'YYYY-MM-DD, last day (UTC) on which codes can be redeemed' }),
  countries: Type.Union([Type.Array(Type.String()), Type.Null()], { description: 'ISO 3166-1 alpha-2 codes; null: every country' }),
  passesPerAccount: Type.Integer(),
  status: StatusSchema,
  createdAt: Type.String(),
  updatedAt: Type.String(),
  stats: Type.Object({
    issued: Type.Integer({ description: 'every code generated' }),
    redeemed: Type.Integer({ description: 'codes bound to an account, activated or not' }),
    activated: Type.Integer({ description: 'codes whose subscription exists' }),
    revoked: Type.Integer(),
    expired: Type.Integer({ description: 'codes never redeemed whose redeem-by date has passed' }),
  }),
});

const CreateCampaignBody = Type.Object({
  name: SingleLineText({ maxLength: 4 * MAX_NAME_LENGTH, description: `1–${MAX_NAME_LENGTH} characters, on one line` }),
  credit: MoneySchema,
  validityDays: Type.Integer({ description: `1–${MAX_VALIDITY_DAYS}` }),
  redeemBy: SingleLineText({ maxLength: 10, description: 'YYYY-MM-DD, today or later' }),
  countries: Type.Optional(Type.Union([Type.Array(SingleLineText({ maxLength: 8 }), { maxItems: 300 }), Type.Null()], { description: 'ISO 3166-1 alpha-2 codes; null or absent: every country' })),
  passesPerAccount: Type.Optional(Type.Integer({ description: `1–${MAX_PASSES_PER_ACCOUNT}, default 1` })),
}, { additionalProperties: false });

const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });
const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { session: [] }];

export async function campaignRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { campaigns } = context.services;
  // On request, before the body is read: callers who may not use this learn so before anything else.
  api.addHook('onRequest', requireOperator);

  api.post('/campaigns', {
    schema: { tags: ['operator'], security, summary: 'Create a campaign', body: CreateCampaignBody, response: { 201: CampaignSchema, ...operatorProblems } },
  }, async (request, reply) => reply.code(201).send(await campaigns.create(request.body, actorOf(request))));

  api.get('/campaigns', {
    schema: { tags: ['operator'], security, summary: 'List campaigns with their stats, newest first', response: { 200: Type.Object({ items: Type.Array(CampaignSchema) }), ...operatorProblems } },
  }, async () => ({ items: await campaigns.list() }));

  api.get('/campaigns/:id', {
    schema: { tags: ['operator'], security, summary: 'A campaign with its stats', params: IdParams, response: { 200: CampaignSchema, 404: ProblemSchema, ...operatorProblems } },
  }, async (request) => campaigns.get(request.params.id));

  api.patch('/campaigns/:id', {
    schema: {
      tags: ['operator'], security, summary: 'Pause, resume or close a campaign (closing is final); rename it or move its redeem-by date',
      params: IdParams,
      body: Type.Object({
        status: Type.Optional(Type.String({ enum: [...CAMPAIGN_STATUSES] })),
        name: Type.Optional(SingleLineText({ description: `1–${MAX_NAME_LENGTH} characters` })),
        redeemBy: Type.Optional(Type.String({ description: 'YYYY-MM-DD, today or later' })),
      }, { additionalProperties: false }),
      response: { 200: CampaignSchema, 404: ProblemSchema, 409: ProblemSchema, ...operatorProblems },
    },
  }, async (request) => {
    const { status, name, redeemBy } = request.body;
    const actor = actorOf(request);
    if (name !== undefined || redeemBy !== undefined) await campaigns.update(request.params.id, { name, redeemBy }, actor);
    if (status !== undefined) return campaigns.setStatus(request.params.id, status, actor);
    return campaigns.get(request.params.id);
  });
}
