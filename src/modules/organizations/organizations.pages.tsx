// Pages: creating an organization, the organization admin's page (members, domains, sign-in provider),
// accepting an invitation, and signing in through the organization's OpenID Connect provider.
// Forms work without JavaScript; errors sit next to their field with the input kept (never a password).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ComponentChildren } from 'preact';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { formBody, formValue, safeReturnTo, type PageContext } from '../../http/pages.tsx';
import { statusOf as statusOfCode } from '../../http/problem.ts';
import { DomainError, type FieldError } from '../../lib/errors.ts';
import {
  Actions, Alert, Badge, Button, Card, CountrySelect, Form, FormErrorSummary, SelectField, TextField, type FieldErrors,
} from '../../web/components.tsx';
import { countryName } from '../../lib/countries.ts';
import { Layout } from '../../web/layout.tsx';
import { sendPage } from '../../web/render.ts';
import type { AccountView } from '../accounts/account-view.ts';
import type { Session } from '../sessions/sessions.service.ts';
import type { DomainView, MemberView, OrganizationView } from './organizations.service.ts';
import { viewerOf } from './organizations.routes.ts';

/** How long a browser may take at the provider before the callback is refused. */
const OIDC_TTL_MS = 15 * 60 * 1000;

/** Field errors keyed by the input's name (the last segment of the API path: `admin.email` → `email`). */
function fieldErrors(error: DomainError): FieldErrors {
  const result: FieldErrors = {};
  for (const e of (error.extra.errors as FieldError[] | undefined) ?? []) result[e.path.split('.').pop()!] ??= e.message;
  return result;
}

const FORM_CODES = new Set(['validation_failed', 'weak_password', 'email_taken', 'domain_exists', 'domain_taken', 'domain_not_verified', 'oidc_discovery_failed', 'last_admin', 'cannot_remove_self']);
const isFormError = (error: unknown): error is DomainError => error instanceof DomainError && FORM_CODES.has(error.code);
const statusOf = (error: DomainError) => statusOfCode(error.code);

interface FormState {
  values?: Record<string, string>;
  errors?: FieldErrors;
  problem?: string;
}

/** Which form on the organization page failed, so only that one shows its errors. */
interface AdminForms {
  member?: FormState;
  domain?: FormState;
  oidc?: FormState;
  general?: string;
}

export async function organizationPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { organizations, sessions } = context.services;
  const hidden = { hide: true } as const;

  async function signInAndRedirect(request: FastifyRequest, reply: FastifyReply, accountId: string, fallback = '/account') {
    const { token, session } = await sessions.signIn(request.session ?? undefined, accountId);
    context.cookies.setSessionCookie(reply, token);
    const { returnTo, ...rest } = session.data;
    await sessions.saveData(session, rest);
    return reply.redirect(safeReturnTo(returnTo) ?? fallback, 303);
  }

  async function takeNotice(session: Session): Promise<string | undefined> {
    const { notice, ...rest } = session.data;
    if (notice === undefined) return undefined;
    await sessions.saveData(session, rest);
    return notice;
  }

  async function redirectWithNotice(reply: FastifyReply, ctx: PageContext, notice: string, to = '/organization') {
    await sessions.saveData(ctx.session, { ...ctx.session.data, notice });
    return reply.redirect(to, 303);
  }

  // ---- create an organization ----------------------------------------------------------

  pages.get('/signup/organization', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <CreateOrganizationPage ctx={ctx} />);
  });

  pages.post('/signup/organization', { schema: { ...hidden, body: formBody(['name', 'domain', 'email', 'password', 'displayName', 'country']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const form = {
      name: formValue(request.body, 'name'), domain: formValue(request.body, 'domain'), email: formValue(request.body, 'email'),
      displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country'),
    };
    try {
      const { account } = await organizations.createOrganization({
        name: form.name, domain: form.domain.trim() || null,
        admin: { email: form.email, password: formValue(request.body, 'password'), displayName: form.displayName, country: form.country },
      });
      const { token, session } = await sessions.signIn(request.session ?? undefined, account.id);
      context.cookies.setSessionCookie(reply, token);
      await sessions.saveData(session, { ...session.data, notice: `${account.organization?.name ?? 'Your organization'} is ready. Add its members below.` });
      return reply.redirect('/organization', 303);
    } catch (error) {
      if (isFormError(error)) {
        return sendPage(reply, <CreateOrganizationPage ctx={ctx} form={form} errors={fieldErrors(error)} />, statusOf(error));
      }
      throw error;
    }
  });

  // ---- the organization admin's page ----------------------------------------------------------

  /** The signed-in admin's organization, or a page saying why not (and undefined). */
  async function adminPage(request: FastifyRequest, reply: FastifyReply): Promise<{ ctx: PageContext; account: AccountView; organizationId: string } | undefined> {
    const ctx = await context.pages.pageContext(request, reply);
    const account = request.account;
    if (!account) {
      await sessions.saveData(ctx.session, { ...ctx.session.data, returnTo: '/organization' });
      reply.redirect('/signin', 303);
      return undefined;
    }
    const organizationId = account.organization?.id;
    if (account.kind !== 'organizational' || !organizationId || account.organizationRole !== 'admin') {
      sendPage(reply, <NotAnAdminPage ctx={ctx} account={account} />, 403);
      return undefined;
    }
    return { ctx, account, organizationId };
  }

  async function renderAdminPage(request: FastifyRequest, reply: FastifyReply, page: { ctx: PageContext; account: AccountView; organizationId: string }, forms: AdminForms = {}, status = 200) {
    const viewer = viewerOf(request);
    const [organization, members] = await Promise.all([
      organizations.getOrganization(page.organizationId, viewer),
      organizations.listMembers(page.organizationId, viewer),
    ]);
    const notice = status === 200 ? await takeNotice(page.ctx.session) : undefined;
    return sendPage(reply, <OrganizationPage ctx={page.ctx} me={page.account} organization={organization} members={members} forms={forms} notice={notice} redirectUri={organizations.redirectUri} />, status);
  }

  pages.get('/organization', { schema: hidden }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    return renderAdminPage(request, reply, page);
  });

  pages.post('/organization/members', { schema: { ...hidden, body: formBody(['email', 'displayName', 'country', 'role']) } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    const values = { email: formValue(request.body, 'email'), displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country'), role: formValue(request.body, 'role') };
    try {
      const member = await organizations.addMember(page.organizationId, {
        email: values.email, displayName: values.displayName, country: values.country,
        role: values.role === 'admin' ? 'admin' : 'member',
      }, viewerOf(request), actorOf(request));
      return redirectWithNotice(reply, page.ctx, `We sent an invitation to ${member.email}. They appear as invited until they set a password.`);
    } catch (error) {
      if (isFormError(error)) return renderAdminPage(request, reply, page, { member: { values, errors: fieldErrors(error), problem: error.message } }, statusOf(error));
      throw error;
    }
  });

  pages.get('/organization/members/:accountId/remove', { schema: { ...hidden, params: Type.Object({ accountId: Type.String({ maxLength: 100 }) }) } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    const members = await organizations.listMembers(page.organizationId, viewerOf(request));
    const member = members.find((m) => m.id === request.params.accountId);
    if (!member) return reply.redirect('/organization', 303);
    return sendPage(reply, <RemoveMemberPage ctx={page.ctx} member={member} />);
  });

  pages.post('/organization/members/:accountId/remove', { schema: { ...hidden, params: Type.Object({ accountId: Type.String({ maxLength: 100 }) }), body: formBody() } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    try {
      await organizations.removeMember(page.organizationId, request.params.accountId, viewerOf(request), actorOf(request));
      return redirectWithNotice(reply, page.ctx, 'The member was removed and signed out everywhere.');
    } catch (error) {
      if (isFormError(error) || (error instanceof DomainError && error.code === 'not_found')) {
        return renderAdminPage(request, reply, page, { general: error.message }, statusOf(error));
      }
      throw error;
    }
  });

  pages.post('/organization/members/:accountId/role', { schema: { ...hidden, params: Type.Object({ accountId: Type.String({ maxLength: 100 }) }), body: formBody(['role']) } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    const role = formValue(request.body, 'role') === 'admin' ? 'admin' : 'member';
    try {
      const member = await organizations.setMemberRole(page.organizationId, request.params.accountId, role, viewerOf(request), actorOf(request));
      return redirectWithNotice(reply, page.ctx, `${member.displayName} is now ${role === 'admin' ? 'an admin' : 'a member'}.`);
    } catch (error) {
      if (isFormError(error) || (error instanceof DomainError && error.code === 'not_found')) {
        return renderAdminPage(request, reply, page, { general: error.message }, statusOf(error));
      }
      throw error;
    }
  });

  pages.post('/organization/domains', { schema: { ...hidden, body: formBody(['domain']) } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    const values = { domain: formValue(request.body, 'domain') };
    try {
      const domain = await organizations.addDomain(page.organizationId, values.domain, viewerOf(request), actorOf(request));
      return redirectWithNotice(reply, page.ctx, `${domain.domain} was added. Publish its TXT record, then choose Verify.`);
    } catch (error) {
      if (isFormError(error)) return renderAdminPage(request, reply, page, { domain: { values, errors: fieldErrors(error), problem: error.message } }, statusOf(error));
      throw error;
    }
  });

  const DomainParams = Type.Object({ domain: Type.String({ maxLength: 300 }) });

  pages.post('/organization/domains/:domain/verify', { schema: { ...hidden, params: DomainParams, body: formBody() } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    try {
      const domain = await organizations.verifyDomain(page.organizationId, request.params.domain, viewerOf(request), actorOf(request));
      return redirectWithNotice(reply, page.ctx, `${domain.domain} is verified. People with an email at ${domain.domain} can now join when they sign in through your provider.`);
    } catch (error) {
      if (isFormError(error) || (error instanceof DomainError && error.code === 'not_found')) {
        return renderAdminPage(request, reply, page, { domain: { problem: error.message } }, statusOf(error));
      }
      throw error;
    }
  });

  pages.post('/organization/domains/:domain/remove', { schema: { ...hidden, params: DomainParams, body: formBody() } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    try {
      await organizations.removeDomain(page.organizationId, request.params.domain, viewerOf(request), actorOf(request));
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
    }
    return redirectWithNotice(reply, page.ctx, 'The domain was removed.');
  });

  pages.post('/organization/oidc', { schema: { ...hidden, body: formBody(['issuer', 'clientId', 'clientSecret']) } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    const values = { issuer: formValue(request.body, 'issuer'), clientId: formValue(request.body, 'clientId') };
    try {
      await organizations.configureOidc(page.organizationId, { ...values, clientSecret: formValue(request.body, 'clientSecret') }, viewerOf(request), actorOf(request));
      return redirectWithNotice(reply, page.ctx, 'Your sign-in provider is saved. Members can now sign in with it.');
    } catch (error) {
      if (isFormError(error)) return renderAdminPage(request, reply, page, { oidc: { values, errors: fieldErrors(error), problem: error.message } }, statusOf(error));
      throw error;
    }
  });

  pages.post('/organization/oidc/remove', { schema: { ...hidden, body: formBody() } }, async (request, reply) => {
    const page = await adminPage(request, reply);
    if (!page) return reply;
    await organizations.removeOidc(page.organizationId, viewerOf(request), actorOf(request));
    return redirectWithNotice(reply, page.ctx, 'Sign-in through your provider is turned off. Members sign in with their password.');
  });

  // ---- invitations ------------------------------------------------------------------------------

  // Mail scanners open links, so the link only shows the form; the token is used when the form is sent.
  // (The app-wide same-origin referrer policy keeps the token in the address from reaching other sites.)
  pages.get('/invitation', { schema: { ...hidden, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 500 })) }) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const token = request.query.token ?? '';
    if (!token) return sendPage(reply, <InvitationPage ctx={ctx} token="" />);
    const invitation = await organizations.describeInvitation(token);
    if (!invitation) return sendPage(reply, <InvitationPage ctx={ctx} token="" problem={INVITATION_GONE} />, 410);
    return sendPage(reply, <InvitationPage ctx={ctx} token={token} invitation={invitation} />);
  });

  pages.post('/invitation', { schema: { ...hidden, body: formBody(['token', 'password']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const token = formValue(request.body, 'token');
    try {
      const account = await organizations.acceptInvitation(token, formValue(request.body, 'password'));
      const { token: sessionToken, session } = await sessions.signIn(request.session ?? undefined, account.id);
      context.cookies.setSessionCookie(reply, sessionToken);
      await sessions.saveData(session, { ...session.data, notice: `Welcome to ${account.organization?.name ?? 'your organization'}. Your password is set and your email is verified.` });
      return reply.redirect(account.organizationRole === 'admin' ? '/organization' : '/account', 303);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid_token') {
        return sendPage(reply, <InvitationPage ctx={ctx} token="" problem={error.message} />, 400);
      }
      if (error instanceof DomainError && ['validation_failed', 'weak_password'].includes(error.code)) {
        const invitation = await organizations.describeInvitation(token);
        return sendPage(reply, <InvitationPage ctx={ctx} token={token} invitation={invitation} errors={fieldErrors(error)} />, 400);
      }
      throw error;
    }
  });

  // ---- sign in through the organization's provider ----------------------------------------------------

  pages.get('/signin/organization', {
    schema: { ...hidden, querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })) }) },
  }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const returnTo = safeReturnTo(request.query.returnTo);
    if (returnTo) await sessions.saveData(ctx.session, { ...ctx.session.data, returnTo });
    return sendPage(reply, <OrganizationSignInPage ctx={ctx} />);
  });

  pages.post('/signin/organization', { schema: { ...hidden, body: formBody(['email']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = formValue(request.body, 'email').trim();
    const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
    if (!email || !domain) {
      return sendPage(reply, <OrganizationSignInPage ctx={ctx} email={email} error="Enter your work or school email address, like name@example.com." />, 400);
    }
    const organization = await organizations.findByEmailDomain(email);
    if (!organization) {
      return sendPage(reply, <OrganizationSignInPage ctx={ctx} email={email}
        error={`No organization on cloudpass signs in people with @${domain}. Sign in with your email and password instead, or ask your organization's admin for its sign-in link.`} />, 404);
    }
    if (!organization.oidcConfigured) {
      return sendPage(reply, <OrganizationSignInPage ctx={ctx} email={email}
        error={`${organization.name} signs its members in with email and password. Use the sign-in page.`} />, 404);
    }
    // The page's CSP limits where forms may lead (form-action 'self'), redirects included; so the form ends
    // here, and a Refresh header (or the link, for whoever has refreshes turned off) continues to the provider.
    const start = `/signin/organization/${encodeURIComponent(organization.id)}/start?${new URLSearchParams({ loginHint: email })}`;
    reply.header('refresh', `0;url=${start}`);
    return sendPage(reply, <ContinueToProviderPage ctx={ctx} organizationName={organization.name} href={start} />);
  });

  pages.get('/signin/organization/:id/start', {
    schema: {
      ...hidden, params: Type.Object({ id: Type.String({ maxLength: 100 }) }),
      querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })), loginHint: Type.Optional(Type.String({ maxLength: 254 })) }),
    },
  }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const returnTo = safeReturnTo(request.query.returnTo);
    if (returnTo) await sessions.saveData(ctx.session, { ...ctx.session.data, returnTo });
    return startOidc(request, reply, ctx, request.params.id, request.query.loginHint?.trim() || undefined);
  });

  async function startOidc(request: FastifyRequest, reply: FastifyReply, ctx: PageContext, organizationId: string, loginHint?: string) {
    try {
      const start = await organizations.startOidcSignIn(organizationId, { loginHint });
      const oidc = { organizationId, state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, startedAt: new Date().toISOString() };
      await sessions.saveData(ctx.session, { ...ctx.session.data, oidc });
      return reply.redirect(start.authorizationUrl, 303);
    } catch (error) {
      if (error instanceof DomainError && ['not_found', 'oidc_not_configured', 'oidc_discovery_failed'].includes(error.code)) {
        return sendPage(reply, <OidcProblemPage ctx={ctx} title="Organization sign-in is not available" message={error.message} />, error.code === 'oidc_discovery_failed' ? 502 : 404);
      }
      throw error;
    }
  }

  pages.get('/signin/organization/callback', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const { oidc: pending, ...rest } = ctx.session.data as typeof ctx.session.data & { oidc?: { startedAt?: string } };
    const fresh = pending && Date.parse(pending.startedAt ?? '') > Date.now() - OIDC_TTL_MS;
    if (!pending || !fresh) {
      return sendPage(reply, <OidcProblemPage ctx={ctx} title="This sign-in has expired"
        message="It took too long, or it was started in another browser. Start again." retry="/signin/organization" />, 400);
    }
    // The state is single use: whatever happens next, this attempt is over.
    await sessions.saveData(ctx.session, rest);
    try {
      const callbackUrl = new URL(request.url, context.config.publicUrl);
      const account = await organizations.finishOidcSignIn(pending.organizationId, callbackUrl, pending);
      return await signInAndRedirect(request, reply, account.id);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'organization_membership_required') {
        const name = typeof error.extra.organization === 'string' ? error.extra.organization : 'this organization';
        return sendPage(reply, <OidcProblemPage ctx={ctx} title={`You are not a member of ${name}`} message={error.message} />, 403);
      }
      if (error instanceof DomainError && ['oidc_sign_in_failed', 'oidc_not_configured', 'oidc_discovery_failed', 'not_found'].includes(error.code)) {
        return sendPage(reply, <OidcProblemPage ctx={ctx} title="You are not signed in" message={error.message}
          retry={`/signin/organization/${encodeURIComponent(pending.organizationId)}/start`} />, 400);
      }
      throw error;
    }
  });
}

// ---- views ------------------------------------------------------------------------------------

function Page(props: { ctx: PageContext; title: string; width?: 'narrow' | 'wide'; children?: ComponentChildren }) {
  return <Layout title={props.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken} width={props.width}>{props.children}</Layout>;
}

function CreateOrganizationPage(props: { ctx: PageContext; form?: Record<string, string>; errors?: FieldErrors }) {
  const { ctx, form = {}, errors = {} } = props;
  const failed = Object.keys(errors).length > 0;
  return (
    <Page ctx={ctx} title={failed ? 'Error: Create an organization' : 'Create an organization'}>
      <h1>Create an organization</h1>
      <p class="lead">An organization for your work or school. You become its first admin, with an organizational account, and can then add members.</p>
      <FormErrorSummary errors={errors} />
      <Card>
        <Form action="/signup/organization" csrfToken={ctx.csrfToken} aria-label="Create an organization">
          <fieldset class="org-fieldset">
            <legend class="org-fieldset__legend">Organization</legend>
            <TextField name="name" label="Organization name" autocomplete="organization" value={form.name} error={errors.name} required maxLength={100} />
            <TextField name="domain" label="Domain (optional)" value={form.domain} error={errors.domain} maxLength={253}
              autoCapitalize="none" spellcheck={false} inputMode="url"
              hint="The domain of your organization's email addresses, such as example.com. You can verify it later." />
          </fieldset>
          <fieldset class="org-fieldset">
            <legend class="org-fieldset__legend">Your admin account</legend>
            <TextField name="email" label="Email" type="email" autocomplete="email" value={form.email} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <TextField name="password" label="Password" type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
              hint="At least 8 characters. A long phrase is easy to remember and hard to guess." />
            <TextField name="displayName" label="Display name" autocomplete="name" value={form.displayName} error={errors.displayName} required maxLength={100} />
            <CountrySelect value={form.country?.trim().toUpperCase()} error={errors.country} required />
          </fieldset>
          <Actions><Button>Create organization</Button></Actions>
        </Form>
      </Card>
      <p>Already have an account? <a href="/signin">Sign in</a></p>
    </Page>
  );
}

function NotAnAdminPage(props: { ctx: PageContext; account: AccountView }) {
  const { ctx, account } = props;
  return (
    <Page ctx={ctx} title="Organization">
      <h1>Organization</h1>
      {account.kind === 'organizational' && account.organization ? (
        <Alert kind="info" title={`You are a member of ${account.organization.name}.`}>
          <p>Only admins of {account.organization.name} manage its members and sign-in. Ask one of them for help.</p>
        </Alert>
      ) : (
        <Alert kind="info" title="You are signed in with a personal account.">
          <p>Organization pages are for the admins of an organization, signed in with their work or school account.</p>
        </Alert>
      )}
      <p><a href="/account/type">Which account am I using?</a></p>
      {account.kind === 'personal' ? <p><a href="/signup/organization">Create an organization</a></p> : null}
    </Page>
  );
}

function OrganizationPage(props: {
  ctx: PageContext; me: AccountView; organization: OrganizationView; members: MemberView[]; forms: AdminForms; notice?: string; redirectUri: string;
}) {
  const { ctx, me, organization, members, forms } = props;
  const admins = members.filter((m) => m.role === 'admin').length;
  return (
    <Page ctx={ctx} title={organization.name} width="wide">
      <div class="org-heading">
        <p class="org-heading__eyebrow">Organization</p>
        <h1 class="org-heading__title">{organization.name}</h1>
        <p class="muted">{members.length === 1 ? '1 member' : `${members.length} members`} · {admins === 1 ? '1 admin' : `${admins} admins`}</p>
      </div>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      {forms.general ? <Alert kind="error" title="That did not work">{forms.general}</Alert> : null}
      {me.emailVerified ? null : (
        <Alert kind="info" title="Verify your email">We sent a link to {me.email}. Open it to verify your email address.</Alert>
      )}
      <div class="org-layout">
        <Card title="Members" class="org-layout__main">
          <ul class="member-list" aria-label="Members">
            {members.map((member) => <MemberItem ctx={ctx} member={member} me={me} lastAdmin={member.role === 'admin' && admins <= 1} />)}
          </ul>
        </Card>
        <Card title="Add a member" class="org-layout__side">
          <AddMemberForm ctx={ctx} state={forms.member} />
        </Card>
      </div>
      <div class="grid grid--2">
        <Card title="Domains">
          <DomainsSection ctx={ctx} domains={organization.domains} state={forms.domain} />
        </Card>
        <Card title="Sign-in with your identity provider">
          <OidcSection ctx={ctx} organization={organization} redirectUri={props.redirectUri} state={forms.oidc} />
        </Card>
      </div>
    </Page>
  );
}

function MemberItem(props: { ctx: PageContext; member: MemberView; me: AccountView; lastAdmin: boolean }) {
  const { ctx, member, me } = props;
  const isMe = member.id === me.id;
  const nameId = `member-${member.id}-name`;
  return (
    <li class="member">
      <div class="member__who">
        <span class="member__avatar" aria-hidden="true">{member.displayName.trim().charAt(0).toUpperCase() || '?'}</span>
        <div class="member__text">
          <p class="member__name" id={nameId}>{member.displayName}{isMe ? <span class="muted"> (you)</span> : null}</p>
          <p class="member__email">{member.email}</p>
          <p class="member__badges">
            <Badge status={member.role === 'admin' ? 'admin' : 'member'} label={member.role === 'admin' ? 'Admin' : 'Member'} />
            {member.status === 'invited' ? <Badge status="invited" label="Invited" /> : null}
            <span class="small muted">{countryName(member.country)}</span>
          </p>
        </div>
      </div>
      {isMe ? null : (
        <div class="member__actions">
          {props.lastAdmin ? null : (
            <form method="post" action={`/organization/members/${encodeURIComponent(member.id)}/role`}>
              <input type="hidden" name="_csrf" value={ctx.csrfToken} />
              <input type="hidden" name="role" value={member.role === 'admin' ? 'member' : 'admin'} />
              <button class="button button--secondary button--small" type="submit" aria-describedby={nameId}>
                {member.role === 'admin' ? 'Make member' : 'Make admin'}
              </button>
            </form>
          )}
          {props.lastAdmin ? null : (
            <a class="button button--secondary button--small member__remove" href={`/organization/members/${encodeURIComponent(member.id)}/remove`} aria-describedby={nameId}>Remove</a>
          )}
        </div>
      )}
    </li>
  );
}

function AddMemberForm(props: { ctx: PageContext; state?: FormState }) {
  const { ctx, state = {} } = props;
  const values = state.values ?? {};
  const errors = state.errors ?? {};
  return (
    <Form action="/organization/members" csrfToken={ctx.csrfToken} aria-label="Add a member">
      <p class="small muted">We email them an invitation to set a password. The link works for 7 days.</p>
      {state.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{state.problem}</Alert> : null}
      <TextField name="email" label="Email" type="email" autocomplete="off" value={values.email} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
      <TextField name="displayName" label="Display name" autocomplete="off" value={values.displayName} error={errors.displayName} required maxLength={100} />
      <CountrySelect value={values.country?.trim().toUpperCase()} error={errors.country} required autocomplete="off" />
      <SelectField name="role" label="Role" value={values.role || 'member'} error={errors.role}
        options={[{ value: 'member', label: 'Member' }, { value: 'admin', label: 'Admin (manages members and sign-in)' }]} />
      <Actions><Button>Add member</Button></Actions>
    </Form>
  );
}

function DomainsSection(props: { ctx: PageContext; domains: DomainView[]; state?: FormState }) {
  const { ctx, domains, state = {} } = props;
  const errors = state.errors ?? {};
  return (
    <>
      <p class="small muted">People whose email is at a verified domain can join your organization the first time they sign in through your identity provider.</p>
      {state.problem && !errors.domain ? <Alert kind="error" title="The domain is not verified yet">{state.problem}</Alert> : null}
      {domains.length === 0 ? <p>No domains yet.</p> : (
        <ul class="domain-list" aria-label="Domains">
          {domains.map((d) => (
            <li class="domain">
              <p class="domain__name">
                <span class="mono">{d.domain}</span>{' '}
                {d.verified ? <Badge status="verified" label="Verified" /> : <Badge status="unverified" label="Not verified" />}
              </p>
              {d.verified ? null : (
                <>
                  <p class="small">Publish this DNS record, then choose Verify:</p>
                  <dl class="dns-record">
                    <div><dt>Type</dt><dd class="mono">TXT</dd></div>
                    <div><dt>Name</dt><dd class="mono">{d.dnsRecord.name}</dd></div>
                    <div><dt>Value</dt><dd class="mono">{d.dnsRecord.value}</dd></div>
                  </dl>
                </>
              )}
              <div class="domain__actions">
                {d.verified ? null : (
                  <form method="post" action={`/organization/domains/${encodeURIComponent(d.domain)}/verify`}>
                    <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                    <button class="button button--primary button--small" type="submit" aria-label={`Verify ${d.domain}`}>Verify</button>
                  </form>
                )}
                <form method="post" action={`/organization/domains/${encodeURIComponent(d.domain)}/remove`}>
                  <input type="hidden" name="_csrf" value={ctx.csrfToken} />
                  <button class="button button--secondary button--small" type="submit" aria-label={`Remove ${d.domain}`}>Remove</button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
      <Form action="/organization/domains" csrfToken={ctx.csrfToken} aria-label="Add a domain">
        <TextField name="domain" label="Domain" value={state.values?.domain} error={errors.domain} required maxLength={253}
          autoCapitalize="none" spellcheck={false} inputMode="url" hint="Such as example.com" />
        <Actions><Button kind="secondary">Add domain</Button></Actions>
      </Form>
    </>
  );
}

function OidcSection(props: { ctx: PageContext; organization: OrganizationView; redirectUri: string; state?: FormState }) {
  const { ctx, organization, state = {} } = props;
  const oidc = organization.oidc;
  const errors = state.errors ?? {};
  const values = state.values ?? { issuer: oidc?.issuer ?? '', clientId: oidc?.clientId ?? '' };
  return (
    <>
      <p class="small muted">Members sign in with your organization's OpenID Connect provider (such as Microsoft Entra ID, Google Workspace, Okta or Keycloak).</p>
      {oidc ? (
        <dl class="summary-list">
          <div><dt>Status</dt><dd><Badge status="active" label="On" /></dd></div>
          <div><dt>Sign-in link for members</dt><dd><a href={oidc.signInUrl} class="mono break-all">{oidc.signInUrl}</a></dd></div>
          <div><dt>Client secret</dt><dd>Stored encrypted; it is never shown again.</dd></div>
        </dl>
      ) : null}
      <p class="small">Register this redirect URI at your provider:<span class="mono break-all org-uri">{props.redirectUri}</span></p>
      {state.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{state.problem}</Alert> : null}
      <Form action="/organization/oidc" csrfToken={ctx.csrfToken} aria-label="Identity provider">
        <TextField name="issuer" label="Issuer URL" type="url" value={values.issuer} error={errors.issuer} required maxLength={1000}
          autoCapitalize="none" spellcheck={false} hint="Such as https://login.example.com. We check it when you save." />
        <TextField name="clientId" label="Client ID" value={values.clientId} error={errors.clientId} required maxLength={255} autoCapitalize="none" spellcheck={false} />
        <TextField name="clientSecret" label="Client secret" type="password" autocomplete="off" error={errors.clientSecret} required={!oidc} maxLength={1000}
          hint={oidc ? 'Leave empty to keep the stored secret.' : undefined} />
        <Actions><Button>Save provider</Button></Actions>
      </Form>
      {oidc ? (
        <form method="post" action="/organization/oidc/remove" class="org-inline-form">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <button class="link-button" type="submit">Turn off sign-in with this provider</button>
        </form>
      ) : null}
    </>
  );
}

function RemoveMemberPage(props: { ctx: PageContext; member: MemberView }) {
  const { ctx, member } = props;
  return (
    <Page ctx={ctx} title="Remove member">
      <h1>Remove {member.displayName}?</h1>
      <Card>
        <p><strong>{member.displayName}</strong> ({member.email}) loses access to the organization and is signed out everywhere at once.</p>
        <p class="small muted">Their passes and subscriptions stay on record. You can invite them again later.</p>
        <Form action={`/organization/members/${encodeURIComponent(member.id)}/remove`} csrfToken={ctx.csrfToken} aria-label="Remove member">
          <Actions>
            <Button kind="danger">Remove member</Button>
            <a class="button button--secondary" href="/organization">Cancel</a>
          </Actions>
        </Form>
      </Card>
    </Page>
  );
}

const INVITATION_GONE = 'This invitation is not valid any more: it may have expired or been used already. Ask your organization\u2019s admin to invite you again.';

function InvitationPage(props: {
  ctx: PageContext; token: string; invitation?: { email: string; organizationName: string }; problem?: string; errors?: FieldErrors;
}) {
  const { ctx, errors = {}, invitation } = props;
  return (
    <Page ctx={ctx} title={Object.keys(errors).length ? 'Error: Set your password' : 'Set your password'}>
      <h1>Set your password</h1>
      {props.problem ? <Alert kind="error" title="This invitation does not work">{props.problem}</Alert> : null}
      {props.token ? (
        <>
          {invitation
            ? <p class="lead"><strong>{invitation.organizationName}</strong> invited <strong class="break-anywhere">{invitation.email}</strong> to cloudpass. Choose a password for this work or school account.</p>
            : <p class="lead">You were invited to an organization on cloudpass. Choose a password for your work or school account.</p>}
          <Card>
            <Form action="/invitation" csrfToken={ctx.csrfToken} aria-label="Set your password">
              <input type="hidden" name="token" value={props.token} />
              <TextField name="password" label="Password" type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
                hint="At least 8 characters. A long phrase is easy to remember and hard to guess." />
              <Actions><Button>Set password</Button></Actions>
            </Form>
          </Card>
        </>
      ) : props.problem ? (
        <p><a href="/signin">Go to sign in</a></p>
      ) : (
        <Alert kind="error" title="This link is incomplete.">Open the link from the invitation email again, or copy all of it into the address bar.</Alert>
      )}
    </Page>
  );
}

function OrganizationSignInPage(props: { ctx: PageContext; email?: string; error?: string }) {
  const { ctx } = props;
  return (
    <Page ctx={ctx} title={props.error ? 'Error: Sign in with your organization' : 'Sign in with your organization'}>
      <h1>Sign in with your organization</h1>
      <p class="lead">Use your work or school sign-in. We send you to your organization's sign-in page and bring you back.</p>
      <FormErrorSummary errors={props.error ? { email: props.error } : {}} />
      <Card>
        <Form action="/signin/organization" csrfToken={ctx.csrfToken} aria-label="Sign in with your organization">
          <TextField name="email" label="Work email" type="email" autocomplete="username" value={props.email} error={props.error} required
            autoCapitalize="none" spellcheck={false} maxLength={254} />
          <Actions><Button>Continue</Button></Actions>
        </Form>
      </Card>
      <p>Have a password for cloudpass? <a href="/signin">Sign in with email and password</a></p>
    </Page>
  );
}

function ContinueToProviderPage(props: { ctx: PageContext; organizationName: string; href: string }) {
  return (
    <Layout title={`Sign in with ${props.organizationName}`} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>Sign in with {props.organizationName}</h1>
      <p class="lead">We are sending you to the sign-in page of {props.organizationName}.</p>
      <p><a class="button button--primary" href={props.href}>Continue to {props.organizationName}</a></p>
    </Layout>
  );
}

function OidcProblemPage(props: { ctx: PageContext; title: string; message: string; retry?: string }) {
  return (
    <Page ctx={props.ctx} title={props.title}>
      <h1>{props.title}</h1>
      <Alert kind="error">{props.message}</Alert>
      <ul class="org-links">
        {props.retry ? <li><a href={props.retry}>Try again</a></li> : null}
        <li><a href="/signin">Sign in with email and password</a></li>
        <li><a href="/account/type">Which account am I using?</a></li>
      </ul>
    </Page>
  );
}
