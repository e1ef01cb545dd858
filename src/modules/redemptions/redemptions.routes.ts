// The redemption API (API.md, Recipient table, and the operator's /codes/release).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, requireAccount, requireOperator } from '../../http/auth.ts';
import { SingleLineText, problems } from '../../http/schemas.ts';

const Money = Type.Object({ amount: Type.Integer(), currency: Type.String() }, { additionalProperties: false });

const CodeBody = Type.Object({
  code: SingleLineText({ maxLength: 64, description: 'The promo code as typed: case, spaces and hyphens do not matter' }),
  country: SingleLineText({ maxLength: 8, description: 'ISO 3166-1 alpha-2 country code' }),
}, { additionalProperties: false });

const Redemption = Type.Object({
  id: Type.String(),
  state: Type.Union([Type.Literal('redeemed'), Type.Literal('activated'), Type.Literal('released')]),
  campaign: Type.Object({
    id: Type.String(), name: Type.String(), credit: Money, validityDays: Type.Integer(),
  }, { additionalProperties: false }),
  country: Type.String(),
  codeLast4: Type.String({ description: 'The last four symbols of the code, for support conversations' }),
  redeemedAt: Type.String({ format: 'date-time' }),
  activatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  releasedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  subscriptionId: Type.Union([Type.String(), Type.Null()]),
}, { additionalProperties: false });

const CheckResult = Type.Object({
  campaign: Type.Object({ name: Type.String(), credit: Money, validityDays: Type.Integer() }, { additionalProperties: false }),
  redeemedByYou: Type.Optional(Type.Boolean({ description: 'Present when the signed-in caller already redeemed this code' })),
  redemption: Type.Optional(Redemption),
}, { additionalProperties: false });

const IdParams = Type.Object({ id: SingleLineText({ maxLength: 64 }) }, { additionalProperties: false });

const ReleaseResult = Type.Object({
  state: Type.Union([Type.Literal('issued'), Type.Literal('redeemed'), Type.Literal('revoked')]),
  campaignId: Type.String(),
  redemption: Type.Union([Redemption, Type.Null()]),
}, { additionalProperties: false });

const recipient = { tags: ['recipient'], security: [{ session: [] }] };

export function redemptionRoutes(context: ModuleContext) {
  const { redemptions } = context.services;

  return async function routes(fastify: FastifyInstance) {
    const api = fastify.withTypeProvider<TypeBoxTypeProvider>();

    api.post('/redemptions/check', {
      schema: {
        tags: ['recipient'], summary: 'Check a promo code before signing in', body: CodeBody,
        description: 'Refusals, in this order: 422 code_mistyped (the check symbol; nothing is looked up), 429 too_many_attempts, '
          + '404 invalid_code (counts towards the guessing limits), 410 code_revoked, 409 code_already_used (200 with redeemedByYou '
          + 'when the signed-in caller holds it), 410 code_expired (past the redeem-by date, or the campaign is closed: reason '
          + '"redeem_by_passed" or "campaign_closed"), 423 campaign_paused, 403 country_not_eligible, 409 pass_limit_reached (signed in).',
        response: { 200: CheckResult, ...problems(403, 404, 409, 410, 422, 423, 429) },
      },
    }, async (request) => {
      const checked = await redemptions.check(request.body, {
        accountId: request.account?.id ?? null, verified: request.account?.emailVerified ?? false, address: request.ip,
      });
      const { name, credit, validityDays } = checked.campaign;
      return {
        campaign: { name, credit, validityDays },
        ...(checked.redemption ? { redeemedByYou: true, redemption: checked.redemption } : {}),
      };
    });

    api.post('/redemptions', {
      preHandler: requireAccount,
      schema: {
        ...recipient, summary: 'Redeem a promo code: bind it to the signed-in account', body: CodeBody,
        response: { 200: Redemption, 201: Redemption, ...problems(403, 404, 409, 410, 422, 423, 429) },
      },
    }, async (request, reply) => {
      const account = request.account!;
      const { redemption, created } = await redemptions.redeem(request.body, {
        account: { id: account.id, emailVerified: account.emailVerified }, address: request.ip, actor: actorOf(request),
      });
      return reply.code(created ? 201 : 200).send(redemption);
    });

    api.get('/redemptions', {
      preHandler: requireAccount,
      schema: { ...recipient, summary: "This account's redemptions, newest first", response: { 200: Type.Object({ items: Type.Array(Redemption) }) } },
    }, async (request) => ({ items: await redemptions.listOfAccount(request.account!.id) }));

    api.get('/redemptions/:id', {
      preHandler: requireAccount,
      schema: { ...recipient, summary: 'One of this account\'s redemptions', params: IdParams, response: { 200: Redemption } },
    }, async (request) => redemptions.getOfAccount(request.account!.id, request.params.id));

    api.post('/redemptions/:id/release', {
      preHandler: requireAccount,
      schema: {
        ...recipient, summary: 'Give a pass back before activating it: the code is issued again',
        params: IdParams, response: { 200: Redemption, ...problems(409) },
      },
    }, async (request) => redemptions.releaseOwn(request.account!.id, request.params.id, actorOf(request)));

    api.post('/codes/release', {
      preHandler: requireOperator,
      schema: {
        tags: ['operator'], security: [{ apiKey: [] }], summary: 'Release a redeemed, not yet activated code: it is issued again',
        body: Type.Object({ code: SingleLineText({ maxLength: 64 }) }, { additionalProperties: false }),
        response: { 200: ReleaseResult, ...problems(403, 409, 422) },
      },
    }, async (request) => redemptions.releaseByOperator(request.body.code, actorOf(request)));
  };
}
