// API: personal accounts, email verification, password reset, the signed-in account and sessions.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { requireAccount } from '../../http/auth.ts';
import { DomainError } from '../../lib/errors.ts';
import { publicAccount } from './account-view.ts';
import { deviceCookieValues, setDeviceCookie } from './device-cookies.ts';
import { SingleLineText, problems } from '../../http/schemas.ts';

const text = (maxLength: number, description?: string) => SingleLineText({ maxLength, ...(description ? { description } : {}) });

export const AccountSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  kind: Type.Union([Type.Literal('personal'), Type.Literal('organizational')]),
  organization: Type.Union([Type.Object({ id: Type.String(), name: Type.String() }, { additionalProperties: false }), Type.Null()]),
  emailVerified: Type.Boolean(),
  country: Type.String({ description: 'ISO 3166-1 alpha-2' }),
}, { additionalProperties: false });

const AccountEnvelope = Type.Object({ account: AccountSchema }, { additionalProperties: false });
const Accepted = Type.Object({ status: Type.Literal('accepted') }, { additionalProperties: false });

const SignUpBody = Type.Object({
  email: text(1000),
  password: text(1024, 'At least 8 characters; common passwords are refused'),
  displayName: text(1000),
  country: text(100, 'ISO 3166-1 alpha-2'),
}, { additionalProperties: false });

const SignInBody = Type.Object({
  email: text(1000),
  password: text(1024),
  accountKind: Type.Optional(Type.Union([Type.Literal('personal'), Type.Literal('organizational')])),
  organizationId: Type.Optional(text(100)),
}, { additionalProperties: false });

export async function accountRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions } = context.services;

  api.post('/accounts', {
    schema: { tags: ['accounts'], summary: 'Create a personal account; a verification link is emailed', body: SignUpBody, response: { 201: AccountSchema, ...problems(409, 429) } },
  }, async (request, reply) => {
    const account = await accounts.createPersonalAccount(request.body);
    return reply.code(201).send(publicAccount(account));
  });

  api.post('/accounts/verify-email', {
    schema: { tags: ['accounts'], summary: 'Verify an email with the token from the emailed link', body: Type.Object({ token: text(500) }, { additionalProperties: false }), response: { 200: AccountEnvelope, ...problems(429) } },
  }, async (request) => ({ account: publicAccount(await accounts.verifyEmail(request.body.token)) }));

  api.post('/accounts/resend-verification', {
    schema: { tags: ['accounts'], summary: 'Email a new verification link (the same answer whether or not the account exists)', body: Type.Object({ email: text(1000) }, { additionalProperties: false }), response: { 202: Accepted, ...problems(429) } },
  }, async (request, reply) => {
    await accounts.resendVerification(request.body.email);
    return reply.code(202).send({ status: 'accepted' });
  });

  api.post('/accounts/password-reset', {
    schema: { tags: ['accounts'], summary: 'Email a password reset link (the same answer whether or not the account exists)', body: Type.Object({ email: text(1000) }, { additionalProperties: false }), response: { 202: Accepted, ...problems(429) } },
  }, async (request, reply) => {
    await accounts.requestPasswordReset(request.body.email);
    return reply.code(202).send({ status: 'accepted' });
  });

  api.post('/accounts/password-reset/confirm', {
    schema: { tags: ['accounts'], summary: 'Set a new password with the emailed token; ends every session of the account', body: Type.Object({ token: text(500), password: text(1024) }, { additionalProperties: false }), response: { 200: AccountEnvelope, ...problems(429) } },
  }, async (request) => ({ account: publicAccount(await accounts.confirmPasswordReset(request.body.token, request.body.password)) }));

  api.get('/me', {
    preHandler: requireAccount,
    schema: { tags: ['accounts'], summary: 'The signed-in account', response: { 200: AccountSchema } },
  }, async (request) => publicAccount(request.account!));

  api.patch('/me', {
    preHandler: requireAccount,
    schema: {
      tags: ['accounts'], summary: 'Change the display name or country',
      body: Type.Object({ displayName: Type.Optional(text(1000)), country: Type.Optional(text(100)) }, { additionalProperties: false }),
      response: { 200: AccountSchema },
    },
  }, async (request) => publicAccount(await accounts.updateProfile(request.account!.id, request.body)));

  api.post('/me/password', {
    preHandler: requireAccount,
    schema: {
      tags: ['accounts'], summary: 'Change the password; other sessions of the account end',
      body: Type.Object({ currentPassword: text(1024), newPassword: text(1024) }, { additionalProperties: false }),
      response: { 204: Type.Null(), ...problems(429) },
    },
  }, async (request, reply) => {
    await accounts.changePassword(request.account!.id, request.body, request.session ?? undefined);
    return reply.code(204).send(null);
  });

  api.post('/sessions', {
    schema: { tags: ['sessions'], summary: 'Sign in; sets the session cookie', body: SignInBody, response: { 200: AccountEnvelope, ...problems(409, 429) } },
  }, async (request, reply) => {
    assertSameOrigin(request, context);
    const account = await accounts.authenticate({ ...request.body, clientAddress: request.ip, deviceCookies: deviceCookieValues(request.cookies) });
    const { token } = await sessions.signIn(request.session ?? undefined, account.id);
    context.cookies.setSessionCookie(reply, token);
    setDeviceCookie(reply, accounts.rememberDevice(request.body.email), context.config.publicUrl.protocol === 'https:');
    return { account: publicAccount(account) };
  });

  api.delete('/sessions/current', {
    schema: { tags: ['sessions'], summary: 'Sign out: the session ends on the server', response: { 204: Type.Null() } },
  }, async (request, reply) => {
    if (request.session) await sessions.signOut(request.session);
    context.cookies.clearSessionCookie(reply);
    return reply.code(204).send(null);
  });
}

/** Signing in from another site's page is refused even without a session yet (login CSRF). */
function assertSameOrigin(request: FastifyRequest, context: ModuleContext) {
  const origin = request.headers.origin;
  if (origin !== undefined && origin !== context.config.publicUrl.origin) {
    throw new DomainError('origin_mismatch', 'This request comes from another site and was refused.');
  }
}
