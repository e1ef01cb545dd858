// API: organizations, their members and invitations, their email domains and their OpenID Connect provider.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { DomainError } from '../../lib/errors.ts';
import { publicAccount } from '../accounts/account-view.ts';
import { AccountSchema } from '../accounts/accounts.routes.ts';
import type { Viewer } from './organization-access.ts';
import { SingleLineText, problems } from '../../http/schemas.ts';

const text = (maxLength: number, description?: string) => SingleLineText({ maxLength, ...(description ? { description } : {}) });
const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);
const Role = Type.Union([Type.Literal('admin'), Type.Literal('member')]);

const DomainSchema = Type.Object({
  domain: Type.String(),
  verified: Type.Boolean(),
  verifiedAt: nullable(Type.String()),
  dnsRecord: Type.Object({
    type: Type.Literal('TXT'), name: Type.String(), value: Type.String(),
  }, { additionalProperties: false, description: 'Publish this record, then ask for verification' }),
}, { additionalProperties: false });

const OidcSchema = Type.Object({
  issuer: Type.String(),
  clientId: Type.String(),
  redirectUri: Type.String({ description: 'Register this redirect URI at the provider' }),
  signInUrl: Type.String({ description: 'A link that signs members in through the provider' }),
}, { additionalProperties: false });

const OrganizationSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  createdAt: Type.String(),
  domains: Type.Array(DomainSchema),
  oidc: nullable(OidcSchema),
}, { additionalProperties: false });

const MemberSchema = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  country: Type.String(),
  role: Role,
  status: Type.Union([Type.Literal('invited'), Type.Literal('active')]),
  emailVerified: Type.Boolean(),
  createdAt: Type.String(),
}, { additionalProperties: false });

const CreateOrganizationBody = Type.Object({
  name: text(1000),
  domain: Type.Optional(nullable(text(1000, 'An email domain of the organization; recorded unverified'))),
  admin: Type.Object({
    email: text(1000),
    password: text(1024, 'At least 8 characters; common passwords are refused'),
    displayName: text(1000),
    country: text(100, 'ISO 3166-1 alpha-2'),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const OrganizationParams = Type.Object({ id: text(100) });
const MemberParams = Type.Object({ id: text(100), accountId: text(100) });
const DomainParams = Type.Object({ id: text(100), domain: text(300) });
const NoContent = { 204: Type.Null() };

export async function organizationRoutes(app: FastifyInstance, context: ModuleContext) {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { organizations, organizationMembers: members, organizationDomains: domains, organizationSignIn: oidc, sessions } = context.services;
  const tags = ['organizations'];

  api.post('/organizations', {
    schema: {
      tags, summary: 'Create an organization with its first admin (an organizational account); a verification link is emailed',
      body: CreateOrganizationBody,
      response: { 201: Type.Object({ organization: OrganizationSchema, account: AccountSchema }, { additionalProperties: false }), ...problems(409) },
    },
  }, async (request, reply) => {
    const { organization, account } = await organizations.createOrganization(request.body);
    return reply.code(201).send({ organization, account: publicAccount(account) });
  });

  api.get('/organizations/:id', {
    schema: { tags, summary: 'The organization (its admins, or an operator)', params: OrganizationParams, response: { 200: OrganizationSchema, ...problems(403) } },
  }, async (request) => organizations.getOrganization(request.params.id, viewerOf(request)));

  api.get('/organizations/:id/members', {
    schema: {
      tags, summary: 'Members of the organization (its admins, or an operator)', params: OrganizationParams,
      response: { 200: Type.Object({ items: Type.Array(MemberSchema) }, { additionalProperties: false }), ...problems(403) },
    },
  }, async (request) => ({ items: await members.listMembers(request.params.id, viewerOf(request)) }));

  api.post('/organizations/:id/members', {
    schema: {
      tags, summary: 'Add a member: an organizational account, and an emailed invitation to set a password (admins)',
      params: OrganizationParams,
      body: Type.Object({ email: text(1000), displayName: text(1000), country: text(100), role: Type.Optional(Role) }, { additionalProperties: false }),
      response: { 201: MemberSchema, ...problems(403, 409) },
    },
  }, async (request, reply) => {
    const member = await members.addMember(request.params.id, request.body, viewerOf(request), actorOf(request));
    return reply.code(201).send(member);
  });

  api.patch('/organizations/:id/members/:accountId', {
    schema: {
      tags, summary: 'Make a member an admin, or an admin a member (admins; never the last admin)',
      params: MemberParams, body: Type.Object({ role: Role }, { additionalProperties: false }), response: { 200: MemberSchema, ...problems(403, 409) },
    },
  }, async (request) =>
    members.setMemberRole(request.params.id, request.params.accountId, request.body.role, viewerOf(request), actorOf(request)));

  api.delete('/organizations/:id/members/:accountId', {
    schema: {
      tags, summary: 'Remove a member; their sessions end at once (admins; not yourself, not the last admin)',
      params: MemberParams, response: { ...NoContent, ...problems(403, 409) },
    },
  }, async (request, reply) => {
    await members.removeMember(request.params.id, request.params.accountId, viewerOf(request), actorOf(request));
    return reply.code(204).send(null);
  });

  api.post('/organizations/:id/domains', {
    schema: {
      tags, summary: 'Claim an email domain; it counts once verified (admins)', params: OrganizationParams,
      body: Type.Object({ domain: text(1000) }, { additionalProperties: false }), response: { 201: DomainSchema, ...problems(403, 409) },
    },
  }, async (request, reply) => {
    const domain = await domains.addDomain(request.params.id, request.body.domain, viewerOf(request), actorOf(request));
    return reply.code(201).send(domain);
  });

  api.delete('/organizations/:id/domains/:domain', {
    schema: { tags, summary: 'Drop a domain (admins)', params: DomainParams, response: { ...NoContent, ...problems(403) } },
  }, async (request, reply) => {
    await domains.removeDomain(request.params.id, request.params.domain, viewerOf(request), actorOf(request));
    return reply.code(204).send(null);
  });

  api.post('/organizations/:id/domains/:domain/verify', {
    schema: {
      tags, summary: 'Verify a domain: admins by its DNS TXT record; an operator marks it verified',
      params: DomainParams, response: { 200: DomainSchema, ...problems(403, 409, 422) },
    },
  }, async (request) => domains.verifyDomain(request.params.id, request.params.domain, viewerOf(request), actorOf(request)));

  api.put('/organizations/:id/oidc', {
    schema: {
      tags, summary: 'Register the OpenID Connect provider members sign in with; discovery is checked, the secret is stored encrypted (admins)',
      params: OrganizationParams,
      body: Type.Object({
        issuer: text(1000), clientId: text(1000),
        clientSecret: Type.Optional(nullable(text(2000, 'Omit to keep the stored secret'))),
      }, { additionalProperties: false }),
      response: { 200: OidcSchema, ...problems(403, 422) },
    },
  }, async (request) => oidc.configureOidc(request.params.id, request.body, viewerOf(request), actorOf(request)));

  api.delete('/organizations/:id/oidc', {
    schema: { tags, summary: 'Stop signing in through the provider (admins)', params: OrganizationParams, response: { ...NoContent, ...problems(403) } },
  }, async (request, reply) => {
    await oidc.removeOidc(request.params.id, viewerOf(request), actorOf(request));
    return reply.code(204).send(null);
  });

  api.post('/invitations/accept', {
    schema: {
      tags, summary: 'Set the password of an invited member with the emailed token; verifies the email and signs in',
      body: Type.Object({ token: text(500), password: text(1024) }, { additionalProperties: false }),
      response: { 200: Type.Object({ account: AccountSchema }, { additionalProperties: false }), ...problems(429) },
    },
  }, async (request, reply) => {
    // Like signing in: a page on another site must not sign this browser into an account.
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== context.config.publicUrl.origin) {
      throw new DomainError('origin_mismatch', 'This request comes from another site and was refused.');
    }
    const account = await members.acceptInvitation(request.body.token, request.body.password);
    const { token } = await sessions.signIn(request.session ?? undefined, account.id);
    context.cookies.setSessionCookie(reply, token);
    return { account: publicAccount(account) };
  });
}

/** An operator key or operator admin session, or a signed-in account; other API keys may not manage organizations. */
export function viewerOf(request: FastifyRequest): Viewer {
  if (request.apiKey && request.apiKey.scope !== 'operator') {
    throw new DomainError('forbidden', 'This API key may not manage organizations.');
  }
  return { operator: request.apiKey?.scope === 'operator' || Boolean(request.account?.operatorAdmin), account: request.account };
}
