// Pages: the organization admin registers the organization's OpenID Connect provider (a form on the
// organization page), and members sign in through it: /signin/organization finds the organization by the
// email's domain, /signin/organization/{id}/start sends the browser to the provider, and the callback
// signs the member in.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { formBody, formValue, safeReturnTo, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import { Actions, Alert, Button, Card, Form, FormErrorSummary, TextField } from '../../web/components.tsx';
import { Layout } from '../../web/layout.tsx';
import { Page } from '../../web/page.tsx';
import { sendPage } from '../../web/render.ts';
import { createAdminPage, formState } from './organization-admin-page.tsx';
import { viewerOf } from './organizations.routes.ts';
import { SingleLineText } from '../../http/schemas.ts';

/** How long a browser may take at the provider before the callback is refused. */
const OIDC_TTL_MS = 15 * 60 * 1000;

const hidden = { hide: true } as const;
const ProviderForm = formBody(['issuer', 'clientId', 'clientSecret']);
const ReturnToQuery = Type.Object({ returnTo: Type.Optional(SingleLineText({ maxLength: 2000 })) });
const StartParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });
const StartQuery = Type.Object({
  returnTo: Type.Optional(SingleLineText({ maxLength: 2000 })), loginHint: Type.Optional(SingleLineText({ maxLength: 254 })),
});
/** What a provider sends back (OpenID Connect Core 3.1.2.5 and 3.1.2.6, RFC 9207); the service reads the full URL. */
const CallbackQuery = Type.Object(Object.fromEntries(
  ['code', 'state', 'iss', 'session_state', 'error', 'error_description', 'error_uri'].map((name) => [name, Type.Optional(SingleLineText({ maxLength: 4096 }))]),
));

export async function oidcPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { organizationSignIn: oidc, organizationDomains: domains, sessions } = context.services;
  const adminPage = createAdminPage(context);

  // ---- the organization's provider ------------------------------------------------------------------

  pages.post('/organization/oidc', { schema: { ...hidden, body: ProviderForm } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    const values = { issuer: formValue(request.body, 'issuer'), clientId: formValue(request.body, 'clientId') };
    try {
      await oidc.configureOidc(page.organizationId, { ...values, clientSecret: formValue(request.body, 'clientSecret') }, viewerOf(request), actorOf(request));
      return await adminPage.redirectWithNotice(reply, page.ctx, 'Your sign-in provider is saved. Members can now sign in with it.');
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return adminPage.render(request, reply, page, { oidc: formState(refusal, values) }, refusal.status);
    }
  });

  pages.post('/organization/oidc/remove', { schema: { ...hidden, body: formBody() } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    await oidc.removeOidc(page.organizationId, viewerOf(request), actorOf(request));
    return adminPage.redirectWithNotice(reply, page.ctx, 'Sign-in through your provider is turned off. Members sign in with their password.');
  });

  // ---- signing in through it ----------------------------------------------------------------------

  pages.get('/signin/organization', { schema: { ...hidden, querystring: ReturnToQuery } }, async (request, reply) => {
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
    const organization = await domains.findByEmailDomain(email);
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

  pages.get('/signin/organization/:id/start', { schema: { ...hidden, params: StartParams, querystring: StartQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const returnTo = safeReturnTo(request.query.returnTo);
    if (returnTo) await sessions.saveData(ctx.session, { ...ctx.session.data, returnTo });
    const organizationId = request.params.id;
    try {
      const start = await oidc.startOidcSignIn(organizationId, { loginHint: request.query.loginHint?.trim() || undefined });
      const pending = { organizationId, state: start.state, nonce: start.nonce, codeVerifier: start.codeVerifier, startedAt: new Date().toISOString() };
      await sessions.saveData(ctx.session, { ...ctx.session.data, oidc: pending });
      return await reply.redirect(start.authorizationUrl, 303);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      // The provider did not answer its discovery: it is the gateway that failed, not the request.
      const status = refusal.code === 'oidc_discovery_failed' ? 502 : refusal.status;
      return sendPage(reply, <OidcProblemPage ctx={ctx} title="Organization sign-in is not available" message={refusal.message} />, status);
    }
  });

  pages.get('/signin/organization/callback', { schema: { ...hidden, querystring: CallbackQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const { oidc: pending, ...rest } = ctx.session.data;
    const fresh = pending && Date.parse(pending.startedAt) > Date.now() - OIDC_TTL_MS;
    if (!pending || !fresh) {
      return sendPage(reply, <OidcProblemPage ctx={ctx} title="This sign-in has expired"
        message="It took too long, or it was started in another browser. Start again." retry="/signin/organization" />, 400);
    }
    // The state is single use: whatever happens next, this attempt is over.
    await sessions.saveData(ctx.session, rest);
    try {
      const callbackUrl = new URL(request.url, context.config.publicUrl);
      const account = await oidc.finishOidcSignIn(pending.organizationId, callbackUrl, pending);
      return await signInAndRedirect(request, reply, account.id);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      if (refusal.code === 'organization_membership_required') {
        const name = typeof refusal.extra.organization === 'string' ? refusal.extra.organization : 'this organization';
        return sendPage(reply, <OidcProblemPage ctx={ctx} title={`You are not a member of ${name}`} message={refusal.message} />, refusal.status);
      }
      // This attempt failed (the provider's answer, or the provider itself): the browser may start again.
      return sendPage(reply, <OidcProblemPage ctx={ctx} title="You are not signed in" message={refusal.message}
        retry={`/signin/organization/${encodeURIComponent(pending.organizationId)}/start`} />, 400);
    }
  });

  async function signInAndRedirect(request: FastifyRequest, reply: FastifyReply, accountId: string) {
    const { token, session } = await sessions.signIn(request.session ?? undefined, accountId);
    await context.services.accounts.rememberLocale(accountId, request.pageEnv.i18n.locale);
    context.cookies.setSessionCookie(reply, token);
    const { returnTo, ...rest } = session.data;
    await sessions.saveData(session, rest);
    return reply.redirect(safeReturnTo(returnTo) ?? '/account', 303);
  }
}

// ---- views ------------------------------------------------------------------------------------

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

