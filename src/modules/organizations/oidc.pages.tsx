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
import { destinationAfterSignIn } from '../accounts/after-sign-in.ts';
import { Actions, Alert, Button, Card, Form, FormErrorSummary, TextField } from '../../web/components.tsx';
import { Layout } from '../../web/layout.tsx';
import { Page } from '../../web/page.tsx';
import { usePageEnv, useT } from '../../web/page-env.ts';
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
      return await adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.oidc.savedNotice'));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return adminPage.render(request, reply, page, { oidc: formState(refusal, values) }, refusal.status);
    }
  });

  pages.post('/organization/oidc/remove', { schema: { ...hidden, body: formBody() } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    await oidc.removeOidc(page.organizationId, viewerOf(request), actorOf(request));
    return adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.oidc.removedNotice'));
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
    const { t } = request.pageEnv.i18n;
    const domain = email.includes('@') ? email.slice(email.lastIndexOf('@') + 1) : '';
    if (!email || !domain) {
      return sendPage(reply, <OrganizationSignInPage ctx={ctx} email={email} error={t('orgs.signIn.enterEmail')} />, 400);
    }
    const organization = await domains.findByEmailDomain(email);
    if (!organization) {
      return sendPage(reply, <OrganizationSignInPage ctx={ctx} email={email}
        error={t('orgs.signIn.noOrganization', { domain, program: request.pageEnv.branding.programName })} />, 404);
    }
    if (!organization.oidcConfigured) {
      return sendPage(reply, <OrganizationSignInPage ctx={ctx} email={email}
        error={t('orgs.signIn.passwordOnly', { organization: organization.name })} />, 404);
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
      return sendPage(reply, <OidcProblemPage ctx={ctx} title={request.pageEnv.i18n.t('orgs.signIn.unavailable')} message={refusal.message} />, status);
    }
  });

  pages.get('/signin/organization/callback', { schema: { ...hidden, querystring: CallbackQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const { oidc: pending, ...rest } = ctx.session.data;
    const fresh = pending && Date.parse(pending.startedAt) > Date.now() - OIDC_TTL_MS;
    if (!pending || !fresh) {
      const { t } = request.pageEnv.i18n;
      return sendPage(reply, <OidcProblemPage ctx={ctx} title={t('orgs.signIn.expiredTitle')}
        message={t('orgs.signIn.expiredText')} retry="/signin/organization" />, 400);
    }
    // The state is single use: whatever happens next, this attempt is over.
    await sessions.saveData(ctx.session, rest);
    try {
      const callbackUrl = new URL(request.url, context.config.publicUrl);
      const account = await oidc.finishOidcSignIn(pending.organizationId, callbackUrl, pending);
      return await signInAndRedirect(request, reply, account.id);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      const { t } = request.pageEnv.i18n;
      if (refusal.code === 'organization_membership_required') {
        const title = typeof refusal.extra.organization === 'string'
          ? t('orgs.signIn.notMemberOf', { organization: refusal.extra.organization }) : t('orgs.signIn.notMember');
        return sendPage(reply, <OidcProblemPage ctx={ctx} title={title} message={refusal.message} />, refusal.status);
      }
      // This attempt failed (the provider's answer, or the provider itself): the browser may start again.
      return sendPage(reply, <OidcProblemPage ctx={ctx} title={t('orgs.signIn.notSignedIn')} message={refusal.message}
        retry={`/signin/organization/${encodeURIComponent(pending.organizationId)}/start`} />, 400);
    }
  });

  async function signInAndRedirect(request: FastifyRequest, reply: FastifyReply, accountId: string) {
    const { token, session } = await sessions.signIn(request.session ?? undefined, accountId);
    await context.services.accounts.rememberLocale(accountId, request.pageEnv.i18n.locale);
    context.cookies.setSessionCookie(reply, token);
    // Where the person was going, else the pass that waits for them, as after a password sign-in.
    const destination = await destinationAfterSignIn(context.services.redemptions, session.data, accountId);
    const { returnTo: _used, ...rest } = session.data;
    await sessions.saveData(session, rest);
    return reply.redirect(destination, 303);
  }
}

// ---- views ------------------------------------------------------------------------------------

function OrganizationSignInPage(props: { ctx: PageContext; email?: string; error?: string }) {
  const { i18n: { t }, branding } = usePageEnv();
  const { ctx } = props;
  const title = t('orgs.signIn.title');
  return (
    <Page ctx={ctx} title={props.error ? `${t('form.errorPrefix')} ${title}` : title}>
      <h1>{title}</h1>
      <p class="lead">{t('orgs.signIn.lead')}</p>
      <FormErrorSummary errors={props.error ? { email: props.error } : {}} />
      <Card>
        <Form action="/signin/organization" csrfToken={ctx.csrfToken} aria-label={title}>
          <TextField name="email" label={t('orgs.signIn.workEmail')} type="email" autocomplete="username" value={props.email} error={props.error} required
            autoCapitalize="none" spellcheck={false} maxLength={254} />
          <Actions><Button>{t('orgs.continue')}</Button></Actions>
        </Form>
      </Card>
      <p>{t('orgs.signIn.havePassword', { program: branding.programName })} <a href="/signin">{t('orgs.signIn.withPassword')}</a></p>
    </Page>
  );
}

function ContinueToProviderPage(props: { ctx: PageContext; organizationName: string; href: string }) {
  const { t } = useT();
  const organization = props.organizationName;
  return (
    <Layout title={t('orgs.signIn.withOrganization', { organization })} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>{t('orgs.signIn.withOrganization', { organization })}</h1>
      <p class="lead">{t('orgs.signIn.sending', { organization })}</p>
      <p><a class="button button--primary" href={props.href}>{t('orgs.signIn.continueTo', { organization })}</a></p>
    </Layout>
  );
}

function OidcProblemPage(props: { ctx: PageContext; title: string; message: string; retry?: string }) {
  const { t } = useT();
  return (
    <Page ctx={props.ctx} title={props.title}>
      <h1>{props.title}</h1>
      <Alert kind="error">{props.message}</Alert>
      <ul class="org-links">
        {props.retry ? <li><a href={props.retry}>{t('orgs.tryAgain')}</a></li> : null}
        <li><a href="/signin">{t('orgs.signIn.withPassword')}</a></li>
        <li><a href="/account/type">{t('orgs.whichAccount')}</a></li>
      </ul>
    </Page>
  );
}
