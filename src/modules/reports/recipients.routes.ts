// Operator API for recipients: GET /api/v1/recipients, a page of JSON or, with Accept: text/csv, all of them streamed.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { requireOperator } from '../../http/auth.ts';
import { prefersCsv } from '../../http/accept.ts';
import { operatorProblems } from '../../http/schemas.ts';
import { recipientsCsv } from './recipients-csv.ts';
import { MAX_PAGE_SIZE, REDEMPTION_STATES } from './recipients.service.ts';

const Money = Type.Object({ amount: Type.Integer(), currency: Type.String() });
const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

const RecipientSchema = Type.Object({
  accountId: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  kind: Type.Union([Type.Literal('personal'), Type.Literal('organizational')]),
  organization: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }), Type.Null()]),
  campaignId: Type.String(),
  campaignName: Type.String(),
  codeLast4: Type.String({ description: 'the last four symbols of the pass code' }),
  redemptionId: Type.String(),
  redemptionState: Type.String({ description: REDEMPTION_STATES.join(', ') }),
  redeemedAt: Type.String(),
  activatedAt: nullable(Type.String()),
  remindedAt: nullable(Type.String({ description: 'when the one reminder to activate was emailed' })),
  subscriptionId: nullable(Type.String()),
  subscriptionStatus: nullable(Type.String()),
  credit: Type.Union([Type.Object({ granted: Money, remaining: Money }), Type.Null()], { description: 'minor units; null until activated' }),
  endsAt: nullable(Type.String()),
});

const Query = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 320, description: 'a whole address matches exactly (any case); anything else, as the start of an address' })),
  campaignId: Type.Optional(Type.String({ maxLength: 100 })),
  state: Type.Optional(Type.String({ maxLength: 20, description: `redemption state: ${REDEMPTION_STATES.join(', ')}` })),
  cursor: Type.Optional(Type.String({ maxLength: 500, description: 'nextCursor of the page before' })),
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: `1–${MAX_PAGE_SIZE}, default 50` })),
});

export async function recipientRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { recipients } = context.services;
  api.addHook('onRequest', requireOperator);

  api.get('/recipients', {
    schema: {
      tags: ['operator'], security: [{ apiKey: [] }, { session: [] }],
      summary: 'Recipients: each redeemed pass with its account, campaign, subscription and credit, newest first',
      description: 'Cursor-paginated JSON; with `Accept: text/csv`, every recipient the filters match, streamed (cursor and limit ignored).',
      querystring: Query,
      response: {
        200: {
          description: 'A page, or all of them as CSV',
          content: {
            'application/json': { schema: Type.Object({ items: Type.Array(RecipientSchema), nextCursor: nullable(Type.String()) }) },
            'text/csv': { schema: Type.String() },
          },
        },
        ...operatorProblems,
      },
    },
  }, async (request, reply) => {
    const { email, campaignId, state, cursor, limit } = request.query;
    if (prefersCsv(request.headers.accept)) {
      const pages = recipients.all({ email, campaignId, state });
      // The filter is checked before the first byte goes out, so a bad one is still a 400.
      const first = await pages.next();
      const stream = recipientsCsv((async function* () { if (!first.done) yield first.value; yield* pages; })());
      return reply.type('text/csv; charset=utf-8').header('cache-control', 'no-store')
        .header('content-disposition', 'attachment; filename="recipients.csv"')
        // A stream is sent as it is; the type provider only knows the schema's bodies.
        .send(stream as unknown as string);
    }
    return reply.type('application/json; charset=utf-8')
      .send(await recipients.list({ email, campaignId, state, cursor, limit: limit === undefined ? undefined : Number(limit) }));
  });
}
