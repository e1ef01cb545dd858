// Operator settings: GET/PUT /api/v1/settings/free-trial, /api/v1/settings/branding and /api/v1/settings/lifecycle.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, requireOperator } from '../../http/auth.ts';
import { SingleLineText, operatorProblems } from '../../http/schemas.ts';

const Money = Type.Object({
  amount: Type.Integer({ description: 'Minor units: 20000 is 200.00 USD' }),
  currency: SingleLineText({ minLength: 3, maxLength: 3, description: 'ISO 4217' }),
}, { additionalProperties: false });

const FreeTrial = Type.Object({
  enabled: Type.Boolean({ description: 'off by default: when off, /offers does not list the free trial' }),
  credit: Money,
  days: Type.Integer({ minimum: 1, maximum: 3650 }),
}, { additionalProperties: false });

const Lifecycle = Type.Object({
  retentionDays: Type.Integer({ minimum: 0, maximum: 3650, description: 'Days a disabled, expired or cancelled subscription is kept before it is deleted (default 90; 0 deletes at once)' }),
  creditWarningsPercent: Type.Array(Type.Integer({ minimum: 1, maximum: 100 }), { maxItems: 10, description: 'Percent of the credit used at which the recipient is emailed (default [50, 80, 95])' }),
  endWarningsDays: Type.Array(Type.Integer({ minimum: 1, maximum: 365 }), { maxItems: 10, description: 'Days before the end date at which the recipient is emailed (default [7, 1])' }),
}, { additionalProperties: false });

const FreeTrialUpdate = Type.Partial(FreeTrial, { additionalProperties: false, description: 'what is left out stays as it is' });

const nullableText = (description: string) => Type.Union([Type.String({ maxLength: 2000 }), Type.Null()], { description });

const Branding = Type.Object({
  programName: Type.String({ minLength: 1, maxLength: 60, description: 'shown in the header, titles and emails instead of "cloudpass"' }),
  supportEmail: nullableText('where recipients can write'),
  privacyUrl: nullableText('footer link "Privacy"'),
  termsUrl: nullableText('footer link "Terms"'),
  consoleUrlTemplate: nullableText('e.g. https://console.example.org/subscriptions/{externalId}: active subscriptions link to it as "Open the cloud console"'),
}, { additionalProperties: false });

const BrandingUpdate = Type.Partial(Branding, { additionalProperties: false, description: 'what is left out stays as it is; null or "" clears' });

const security: Array<Record<string, string[]>> = [{ apiKey: [] }, { session: [] }];

export async function settingsRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { settings } = context.services;

  api.get('/settings/free-trial', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], security, summary: 'The free trial offered to every account once, when on', response: { 200: FreeTrial, ...operatorProblems } },
  }, async () => settings.freeTrial());

  api.put('/settings/free-trial', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], security, summary: 'Turn the free trial on or off, set its credit and length', body: FreeTrialUpdate, response: { 200: FreeTrial, ...operatorProblems } },
  }, async (request) => settings.updateFreeTrial(request.body, actorOf(request)));

  api.get('/settings/branding', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], security, summary: 'The program\'s name, support address, privacy and terms links, cloud console link', response: { 200: Branding, ...operatorProblems } },
  }, async () => settings.branding());

  api.put('/settings/branding', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], security, summary: 'Set the program\'s branding', body: BrandingUpdate, response: { 200: Branding, ...operatorProblems } },
  }, async (request) => settings.updateBranding(request.body, actorOf(request)));

  api.get('/settings/lifecycle', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], security, summary: 'Retention before deletion, and when recipients are warned', response: { 200: Lifecycle, ...operatorProblems } },
  }, async () => settings.lifecycle());

  api.put('/settings/lifecycle', {
    preHandler: requireOperator,
    schema: { tags: ['operator'], security, summary: 'Set the retention period and the warning thresholds', body: Lifecycle, response: { 200: Lifecycle, ...operatorProblems } },
  }, async (request) => settings.updateLifecycle(request.body, actorOf(request)));
}
