// Operator settings: GET/PUT /api/v1/settings/free-trial and /api/v1/settings/lifecycle.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, requireOperator } from '../../http/auth.ts';
import { SingleLineText, problems } from '../../http/schemas.ts';

const Money = Type.Object({
  amount: Type.Integer({ description: 'Minor units: 20000 is 200.00 USD' }),
  currency: SingleLineText({ minLength: 3, maxLength: 3, description: 'ISO 4217' }),
}, { additionalProperties: false });

const FreeTrial = Type.Object({
  credit: Money,
  days: Type.Integer({ minimum: 1, maximum: 3650 }),
}, { additionalProperties: false });

const Lifecycle = Type.Object({
  retentionDays: Type.Integer({ minimum: 0, maximum: 3650, description: 'Days a disabled, expired or cancelled subscription is kept before it is deleted (default 90; 0 deletes at once)' }),
  creditWarningsPercent: Type.Array(Type.Integer({ minimum: 1, maximum: 100 }), { maxItems: 10, description: 'Percent of the credit used at which the recipient is emailed (default [50, 80, 95])' }),
  endWarningsDays: Type.Array(Type.Integer({ minimum: 1, maximum: 365 }), { maxItems: 10, description: 'Days before the end date at which the recipient is emailed (default [7, 1])' }),
}, { additionalProperties: false });

export async function settingsRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { settings } = context.services;

  api.get('/settings/free-trial', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], summary: 'The free trial offered to every account once', response: { 200: FreeTrial, ...problems(403) } },
  }, async () => settings.freeTrial());

  api.put('/settings/free-trial', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], summary: 'Set the free trial credit and length', body: FreeTrial, response: { 200: FreeTrial, ...problems(403) } },
  }, async (request) => settings.updateFreeTrial(request.body, actorOf(request)));

  api.get('/settings/lifecycle', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], summary: 'Retention before deletion, and when recipients are warned', response: { 200: Lifecycle } },
  }, async () => settings.lifecycle());

  api.put('/settings/lifecycle', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], summary: 'Set the retention period and the warning thresholds', body: Lifecycle, response: { 200: Lifecycle } },
  }, async (request) => settings.updateLifecycle(request.body, actorOf(request)));
}
