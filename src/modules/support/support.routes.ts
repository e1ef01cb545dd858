// Support API: a signed-in recipient opens cases, reads them and writes to the operator; the operator
// (an operator key or an operator admin's session) reads the queue, replies and changes a case's status.
import type { FastifyInstance, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf, requireAccount, requireOperator } from '../../http/auth.ts';
import { MultiLineText, SingleLineText, problems } from '../../http/schemas.ts';
import {
  DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, MAX_SUBJECT_LENGTH, MAX_TEXT_LENGTH, SUPPORT_CATEGORIES, SUPPORT_STATUSES,
  type Author, type SupportService,
} from './support.service.ts';

const caseProblems = problems(403, 404);

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

// Lengths are checked by the service after trimming, so the messages say what is wrong in words.
const Message = Type.Object({
  id: Type.String(),
  authorType: Type.String({ enum: ['account', 'operator', 'system'], description: 'the recipient, the operator, or cloudpass itself' }),
  authorName: Type.String({ description: 'the recipient\'s display name, "Support team" or "cloudpass"' }),
  body: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

const Case = Type.Object({
  id: Type.String(),
  status: Type.String({ enum: [...SUPPORT_STATUSES], description: 'open: the operator is on it; waiting: for the recipient; closed' }),
  category: Type.String({ enum: [...SUPPORT_CATEGORIES] }),
  subject: Type.String(),
  description: Type.String(),
  subscriptionId: Nullable(Type.String()),
  account: Nullable(Type.Object({ id: Type.String(), email: Type.String(), displayName: Type.String() }, { description: 'who opened the case' })),
  contactEmail: Nullable(Type.String({ description: 'the address confirmed by a visitor who opened the case without signing in; replies are emailed there when the case has no account' })),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time', description: 'the last message or status change' }),
  messages: Type.Optional(Type.Array(Message, { description: 'oldest first; present when one case is read' })),
});

const CreateCaseBody = Type.Object({
  category: Type.String({ enum: [...SUPPORT_CATEGORIES] }),
  // Line breaks are allowed in and folded into one line by the service; other control characters are refused.
  subject: MultiLineText({ maxLength: 4 * MAX_SUBJECT_LENGTH, description: `1–${MAX_SUBJECT_LENGTH} characters, on one line` }),
  description: MultiLineText({ maxLength: 4 * MAX_TEXT_LENGTH, description: `1–${MAX_TEXT_LENGTH} characters` }),
  subscriptionId: Type.Optional(Nullable(SingleLineText({ maxLength: 100, description: 'one of this account\'s subscriptions; another\'s is 404' }))),
}, { additionalProperties: false });

const MessageBody = Type.Object({
  body: MultiLineText({ maxLength: 4 * MAX_TEXT_LENGTH, description: `1–${MAX_TEXT_LENGTH} characters` }),
}, { additionalProperties: false });

const StatusBody = Type.Object({ status: Type.String({ enum: [...SUPPORT_STATUSES] }) }, { additionalProperties: false });

const ListQuery = Type.Object({
  status: Type.Optional(Type.String({ enum: [...SUPPORT_STATUSES] })),
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$', description: `1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}` })),
  before: Type.Optional(SingleLineText({ maxLength: 400, description: 'the nextCursor of the previous page' })),
}, { additionalProperties: false });

const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) }, { additionalProperties: false });
const security: Array<Record<string, string[]>> = [{ session: [] }, { apiKey: [] }];

/** An operator key or operator admin; a signed-in recipient otherwise. A platform key may not. */
const requireAccountOrOperator: preHandlerAsyncHookHandler = async function (request, reply) {
  if (request.apiKey) return requireOperator.call(this, request, reply);
  return requireAccount.call(this, request, reply);
};

const isOperator = (request: FastifyRequest) =>
  request.apiKey?.scope === 'operator' || (!request.apiKey && request.account?.operatorAdmin === true);

export async function supportRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const support: SupportService = context.services.support;

  /** The owner of a case answers as the recipient; anyone else must be the operator (or the case is not there). */
  async function authorOf(request: FastifyRequest, caseId: string): Promise<Author> {
    if (request.account && await support.isOwner(request.account.id, caseId)) return { role: 'owner', accountId: request.account.id };
    if (isOperator(request)) return { role: 'operator' };
    return { role: 'owner', accountId: request.account!.id };
  }

  api.post('/support/cases', {
    preHandler: requireAccount,
    schema: {
      tags: ['support'], security: [{ session: [] }], summary: 'Open a support case',
      description: 'About an activation, billing, a technical problem or the account; `subscriptionId` links one of this account\'s subscriptions.',
      body: CreateCaseBody, response: { 201: Case, ...caseProblems },
    },
  }, async (request, reply) => {
    const created = await support.openCase(request.account!.id, request.body, actorOf(request));
    return reply.code(201).send(created);
  });

  api.get('/support/cases', {
    preHandler: requireAccountOrOperator,
    schema: {
      tags: ['support'], security, summary: 'This account\'s cases; for the operator, every case (the queue)',
      description: 'Most recently active first. Filter with `status`; page with `before` set to the `nextCursor` received.',
      querystring: ListQuery,
      response: { 200: Type.Object({ items: Type.Array(Case), nextCursor: Nullable(Type.String()) }), ...caseProblems },
    },
  }, async (request) => {
    const { status, limit, before } = request.query;
    const options = { status, before, limit: limit === undefined ? undefined : Number(limit) };
    return isOperator(request) ? support.listQueue(options) : support.listOfAccount(request.account!.id, options);
  });

  api.get('/support/cases/:id', {
    preHandler: requireAccountOrOperator,
    schema: {
      tags: ['support'], security, summary: 'A case with its messages, oldest first', params: IdParams,
      response: { 200: Case, ...caseProblems },
    },
  }, async (request) => {
    const author = await authorOf(request, request.params.id);
    return author.role === 'operator' ? support.getForOperator(request.params.id) : support.getOwn(author.accountId, request.params.id);
  });

  api.post('/support/cases/:id/messages', {
    preHandler: requireAccountOrOperator,
    schema: {
      tags: ['support'], security, summary: 'Write to the case',
      description: 'The recipient writing reopens a waiting or closed case. The operator answering an open case sets it to waiting and emails the reply to the recipient with a link to the case.',
      params: IdParams, body: MessageBody, response: { 201: Case, ...caseProblems },
    },
  }, async (request, reply) => {
    const author = await authorOf(request, request.params.id);
    const updated = await support.addMessage(request.params.id, author, request.body, actorOf(request));
    return reply.code(201).send(updated);
  });

  api.patch('/support/cases/:id', {
    preHandler: requireOperator,
    schema: {
      tags: ['support'], security, summary: 'Change a case\'s status (operator)', params: IdParams,
      body: StatusBody, response: { 200: Case, ...caseProblems },
    },
  }, async (request) => support.changeStatus(request.params.id, request.body.status, actorOf(request)));
}

