// The API of a subscription's life after activation: the platform's usage reports (POST /usage, each
// event applied once), the operator's changes (PATCH /subscriptions/{id}), and the usage series and export
// its owner or an operator reads.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { prefersCsv } from '../../http/accept.ts';
import { actorOf, ownerScope, requireAccountOrOperator, requireOperator, requirePlatform } from '../../http/auth.ts';
import { problems, SingleLineText } from '../../http/schemas.ts';
import { IdParams, Subscription } from '../subscriptions/subscriptions.routes.ts';
import { usageCsv } from './usage-csv.ts';
import { ValidationError } from '../../lib/errors.ts';
import { MAX_USAGE_EVENTS, RFC3339 } from './lifecycle.service.ts';

const UsageEvent = Type.Object({
  id: SingleLineText({ minLength: 1, maxLength: 128, description: 'The platform\'s own event id: an id seen before is a duplicate and applied no more' }),
  subscriptionId: SingleLineText({ minLength: 1, maxLength: 100 }),
  amount: Type.Integer({ minimum: 1, description: 'Positive integer minor units of the subscription\'s currency' }),
  meter: SingleLineText({ minLength: 1, maxLength: 64, description: 'What was used, e.g. compute or storage' }),
  occurredAt: Type.String({ maxLength: 40, pattern: RFC3339.source, description: 'RFC 3339 date-time, e.g. 2026-12-02T10:00:00Z' }),
}, { additionalProperties: false });

const UsageBody = Type.Object({
  events: Type.Array(UsageEvent, { minItems: 1, maxItems: MAX_USAGE_EVENTS }),
}, { additionalProperties: false });

export async function lifecycleRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { lifecycle } = context.services;

  api.post('/usage', {
    preHandler: requirePlatform,
    // The batch's problems are reported with JSON Pointer paths (/events/3/amount), so validation errors
    // are mapped here rather than by the shared handler.
    attachValidation: true,
    schema: {
      tags: ['platform'],
      summary: 'Report usage: 1 to 1,000 events, each applied once by its id',
      description: 'The batch is checked whole first: one bad event (`validation_failed`, `errors[].path` like `/events/3/amount`) or unknown subscription (`not_found`) and nothing of it is applied. Usage after a subscription was disabled or expired is still recorded; the balance may go below zero (overage).',
      body: UsageBody,
      response: { 202: Type.Object({ accepted: Type.Integer(), duplicates: Type.Integer() }), ...problems(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    if (request.validationError) {
      const validation = (request.validationError as { validation?: Array<{ instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }> }).validation ?? [];
      throw new ValidationError(validation.map((v) => {
        const missing = v.params?.missingProperty ?? v.params?.additionalProperty;
        const path = (v.instancePath || '') + (typeof missing === 'string' ? `/${missing}` : '') || '/';
        return { path, message: v.keyword === 'pattern' ? 'is not in the expected form' : v.message ?? 'is not valid' };
      }));
    }
    const result = await lifecycle.recordUsage(request.body.events);
    return reply.code(202).send(result);
  });

  api.patch('/subscriptions/:id', {
    preHandler: requireOperator,
    schema: {
      tags: ['operator'],
      summary: 'Move the end date (earlier or later) and/or adjust the credit; audited',
      description: 'Moving `endsAt` later re-enables an expired subscription that still has credit; credit added to one disabled for running out re-enables it. A subscription brought to zero credit is disabled within seconds.',
      params: IdParams,
      body: Type.Object({
        endsAt: Type.Optional(SingleLineText({ maxLength: 40, description: 'RFC 3339 date-time' })),
        creditAdjustment: Type.Optional(Type.Object({
          amount: Type.Integer({ description: 'Minor units: positive adds credit, negative removes it' }),
          reason: SingleLineText({ minLength: 1, maxLength: 500 }),
        }, { additionalProperties: false })),
      }, { additionalProperties: false }),
      response: { 200: Subscription, ...problems(400, 401, 403, 404, 409) },
    },
  }, async (request) => lifecycle.updateSubscription(request.params.id, request.body, actorOf(request)));

  api.get('/subscriptions/:id/usage', {
    preHandler: requireAccountOrOperator,
    schema: {
      tags: ['recipient', 'operator'],
      summary: 'Usage by UTC day (in time order) or by meter',
      params: IdParams,
      querystring: Type.Object({ by: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('meter')], { default: 'day' })) }),
      response: { 200: Type.Object({ series: Type.Array(Type.Object({ key: Type.String(), amount: Type.Integer() })) }), ...problems(400, 401, 403, 404) },
    },
  }, async (request) => lifecycle.usageSeries(ownerScope(request), request.params.id, request.query.by ?? 'day'));

  api.get('/subscriptions/:id/export', {
    preHandler: requireAccountOrOperator,
    schema: {
      tags: ['recipient', 'operator'],
      summary: 'The subscription, its ledger and its usage (JSON; `Accept: text/csv`: the usage as CSV), until it is deleted',
      description: '`?format=csv` (or `json`) chooses the same way, for links that cannot set Accept.',
      params: IdParams,
      querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('csv')])) }),
      response: {
        200: { description: 'The export', content: { 'application/json': { schema: Type.Object({}, { additionalProperties: true }) }, 'text/csv': { schema: Type.String() } } },
        ...problems(401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const data = await lifecycle.exportSubscription(ownerScope(request), request.params.id);
    reply.header('cache-control', 'no-store');
    if (request.query.format === 'csv' || (request.query.format === undefined && prefersCsv(request.headers.accept))) {
      return reply.type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="usage-${data.subscription.id}.csv"`)
        .send(usageCsv(data));
    }
    return reply.type('application/json; charset=utf-8')
      .header('content-disposition', `attachment; filename="subscription-${data.subscription.id}.json"`)
      .send(JSON.stringify(data));
  });

}
