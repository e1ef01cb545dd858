// Recipient API: offers, activation (POST /subscriptions), reading, cancelling and the live status stream.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, ownerScope, requireAccount, requireAccountOrOperator } from '../../http/auth.ts';
import { ValidationError } from '../../lib/errors.ts';
import type { SubscriptionEvents } from './subscription-events.ts';
import { TERMINAL_STATUSES, type SubscriptionStatus } from './subscription-status.ts';
import type { ActivationRequest, SubscriptionService } from './subscriptions.service.ts';
import { SingleLineText, problems } from '../../http/schemas.ts';

const Money = Type.Object({
  amount: Type.Integer({ description: 'Integer minor units' }),
  currency: Type.String({ description: 'ISO 4217' }),
});

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const Subscription = Type.Object({
  id: Type.String(),
  offer: Type.Union([Type.Literal('pass'), Type.Literal('free-trial')]),
  name: Type.String({ description: 'The pass\'s campaign name, or "Free trial"' }),
  status: Type.Union([
    Type.Literal('pending'), Type.Literal('provisioning'), Type.Literal('active'), Type.Literal('disabled'),
    Type.Literal('expired'), Type.Literal('cancelled'), Type.Literal('deleted'), Type.Literal('failed'),
  ]),
  credit: Type.Object({
    granted: Money,
    used: Money,
    remaining: Type.Object({ amount: Type.Integer({ description: 'Integer minor units; below zero is overage' }), currency: Type.String() }),
    currency: Type.String({ description: 'ISO 4217: the currency of every amount of this subscription' }),
  }),
  forecast: Type.Object({
    runOutAt: Nullable(Type.String({ format: 'date-time', description: 'When the credit runs out at the recent daily rate; null without recent usage or when it lasts past endsAt' })),
  }),
  disabledReason: Nullable(Type.Union([
    Type.Literal('cancelled'), Type.Literal('credit_exhausted'), Type.Literal('expired'), Type.Literal('operator'),
  ], { description: 'Why it stopped, while it is disabled, expired or cancelled' })),
  deleteAt: Nullable(Type.String({ format: 'date-time', description: 'When it will be deleted: it stopped, plus the retention period' })),
  validityDays: Type.Integer(),
  startsAt: Nullable(Type.String({ format: 'date-time' })),
  endsAt: Nullable(Type.String({ format: 'date-time' })),
  externalId: Nullable(Type.String()),
  redemptionId: Nullable(Type.String()),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
});

const optionalText = (maxLength: number) => Type.Optional(SingleLineText({ maxLength }));

const Profile = Type.Object({
  firstName: SingleLineText({ maxLength: 200 }),
  lastName: SingleLineText({ maxLength: 200 }),
  email: SingleLineText({ maxLength: 320 }),
  country: SingleLineText({ maxLength: 8, description: 'ISO 3166-1 alpha-2; must equal the redemption\'s (free trial: the account\'s)' }),
  phone: optionalText(64),
  company: optionalText(400),
  addressLine: optionalText(400),
  city: optionalText(200),
  postalCode: optionalText(40),
}, { additionalProperties: false, description: 'email must equal the account\'s' });

const ActivationBody = Type.Object({
  offer: Type.Union([Type.Literal('pass'), Type.Literal('free-trial')]),
  redemptionId: Type.Optional(SingleLineText({ maxLength: 100, description: 'Required for offer "pass"' })),
  profile: Profile,
}, { additionalProperties: false });

const PassForActivation = Type.Object({
  redemptionId: Type.String(),
  state: Type.String(),
  subscriptionId: Nullable(Type.String()),
  country: Type.String(),
  codeLast4: Type.String(),
  redeemedAt: Type.String({ format: 'date-time' }),
  campaign: Type.Object({ name: Type.String(), credit: Money, validityDays: Type.Integer() }),
});

const Offer = Type.Object({
  id: Type.Union([Type.Literal('pass'), Type.Literal('free-trial')]),
  name: Type.String(),
  description: Type.String(),
  eligible: Type.Boolean(),
  paymentMethodRequired: Type.Boolean(),
  credit: Type.Optional(Money),
  days: Type.Optional(Type.Integer()),
  awaitingActivation: Type.Optional(Type.Array(PassForActivation, { description: 'Passes redeemed and not activated yet' })),
});

export const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) }, { additionalProperties: false });

const HEARTBEAT_MS = 15_000;

export async function subscriptionRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { subscriptions, subscriptionEvents } = context.services;
  const streams = new Set<() => void>();
  // Open event streams would hold a graceful shutdown forever; end them first (clients reconnect elsewhere).
  app.addHook('preClose', async () => { for (const end of streams) end(); });

  api.get('/offers', {
    preHandler: requireAccount,
    schema: { tags: ['recipient'], summary: 'What this account can add: a pass or the free trial; none needs a payment method', response: { 200: Type.Object({ items: Type.Array(Offer) }) } },
  }, async (request) => ({ items: await subscriptions.offers(request.account!) }));

  api.post('/subscriptions', {
    preHandler: requireAccount,
    schema: {
      tags: ['recipient'],
      summary: 'Activate a subscription from a redeemed pass or the free trial',
      description: 'Send an `Idempotency-Key` header: the same key and body give the first response; the same key with another body is refused (422 `idempotency_key_reused`). A redemption yields one subscription: asking again answers 200 with it.',
      body: ActivationBody,
      response: { 200: Subscription, 202: Subscription, ...problems(403, 409, 422, 429) },
    },
  }, async (request, reply) => {
    const body = request.body;
    let activation: ActivationRequest;
    if (body.offer === 'pass') {
      if (!body.redemptionId) throw new ValidationError([{ path: 'redemptionId', message: 'redemptionId is required for the pass offer.' }]);
      activation = { offer: 'pass', redemptionId: body.redemptionId, profile: body.profile };
    } else {
      activation = { offer: 'free-trial', profile: body.profile };
    }
    const header = request.headers['idempotency-key'];
    const idempotencyKey = Array.isArray(header) ? header[0] : header;
    const result = await subscriptions.activate(request.account!, activation, { idempotencyKey, actor: actorOf(request) });
    // 202: made now and being set up; 200: the one this redemption or key already made.
    return reply.code(result.created ? 202 : 200).send(result.subscription);
  });

  api.get('/subscriptions', {
    preHandler: requireAccount,
    schema: { tags: ['recipient'], summary: 'This account\'s subscriptions, newest first', response: { 200: Type.Object({ items: Type.Array(Subscription) }) } },
  }, async (request) => ({ items: await subscriptions.list(request.account!.id) }));

  api.get('/subscriptions/:id', {
    preHandler: requireAccountOrOperator,
    schema: { tags: ['recipient', 'operator'], summary: 'One subscription with its credit, forecast and deletion date (its owner, or an operator)', params: IdParams, response: { 200: Subscription, ...problems(403) } },
  }, async (request) => {
    const owner = ownerScope(request);
    return owner === null ? subscriptions.getAny(request.params.id) : subscriptions.get(owner, request.params.id);
  });

  api.post('/subscriptions/:id/cancel', {
    preHandler: requireAccount,
    schema: { tags: ['recipient'], summary: 'Cancel a pending, provisioning or active subscription', params: IdParams, response: { 200: Subscription, ...problems(409) } },
  }, async (request) => subscriptions.cancel(request.account!, request.params.id, actorOf(request)));

  api.get('/subscriptions/:id/events', {
    preHandler: requireAccount,
    schema: {
      tags: ['recipient'],
      summary: 'Live status (text/event-stream)',
      description: 'Sends the current status at once, then each change as `data: {"subscriptionId","status","at"}`; comment lines keep the connection alive; the stream ends after a final status (active, failed, cancelled, …).',
      params: IdParams,
      produces: ['text/event-stream'],
      response: { 200: Type.String({ description: 'A text/event-stream that stays open until a final status' }) },
    },
  }, async (request, reply) => {
    await streamStatus(request, reply, request.params.id, { subscriptions, events: subscriptionEvents, streams });
  });
}

interface StreamDeps {
  subscriptions: SubscriptionService;
  events: SubscriptionEvents;
  streams: Set<() => void>;
}

async function streamStatus(request: FastifyRequest, reply: FastifyReply, id: string, deps: StreamDeps) {
  const accountId = request.account!.id;
  // Ownership is checked before the stream starts, so a stranger gets a plain 404.
  await deps.subscriptions.currentStatus(accountId, id);

  // The headers hooks set on the reply (helmet's security headers) go out too: hijacking skips Fastify's sending.
  const hookHeaders = Object.fromEntries(Object.entries(reply.getHeaders()).filter(([, value]) => value !== undefined)) as Record<string, string | number | string[]>;
  reply.hijack();
  const raw = reply.raw;
  raw.writeHead(200, {
    ...hookHeaders,
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  raw.write('retry: 3000\n\n');

  let lastSent: string | undefined;
  let ended = false;
  const end = () => {
    if (ended) return;
    ended = true;
    unsubscribe();
    clearInterval(heartbeat);
    deps.streams.delete(end);
    raw.end();
  };
  const send = (status: string, at: string) => {
    if (ended || status === lastSent) return;
    lastSent = status;
    raw.write(`data: ${JSON.stringify({ subscriptionId: id, status, at })}\n\n`);
    if (TERMINAL_STATUSES.has(status as SubscriptionStatus)) end();
  };
  // The database is re-read on each heartbeat: a change whose event was lost still arrives.
  const recheck = async () => {
    try {
      const current = await deps.subscriptions.currentStatus(accountId, id);
      send(current.status, current.updatedAt);
    } catch {
      end();
    }
  };

  // Listen before reading, so a change between the read and the subscription is not missed.
  const unsubscribe = deps.events.subscribe(id, (event) => send(event.status, event.at));
  const heartbeat = setInterval(() => {
    if (ended) return;
    raw.write(': heartbeat\n\n');
    void recheck();
  }, HEARTBEAT_MS);
  deps.streams.add(end);
  raw.on('close', end);
  await recheck();
}
