// Pages: creating an organization (/signup/organization) and the organization admin's page
// (/organization, organization-admin-page.tsx). Its members, domains and sign-in provider have pages files
// of their own. Forms work without JavaScript; errors sit next to their field with the input kept (never
// a password).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, safeReturnTo, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import { Actions, Alert, Button, Card, CountrySelect, Form, FormErrorSummary, TextField, type FieldErrors } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import { createAdminPage } from './organization-admin-page.tsx';

const hidden = { hide: true } as const;
const CreateOrganizationForm = formBody(['name', 'domain', 'email', 'password', 'displayName', 'country']);
/** The API's field paths for the first admin are the form's plain field names. */
const ADMIN_FIELDS = { 'admin.email': 'email', 'admin.password': 'password', 'admin.displayName': 'displayName', 'admin.country': 'country' };

export async function organizationPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { organizations, sessions } = context.services;
  const adminPage = createAdminPage(context);

  pages.get('/signup/organization', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    // On the way to redeeming a pass, the country picked for it is the likely one.
    return sendPage(reply, <CreateOrganizationPage ctx={ctx} form={ctx.session.data.pendingCode ? { country: ctx.session.data.pendingCode.country } : {}} />);
  });

  pages.post('/signup/organization', { schema: { ...hidden, body: CreateOrganizationForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const form = {
      name: formValue(request.body, 'name'), domain: formValue(request.body, 'domain'), email: formValue(request.body, 'email'),
      displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country'),
    };
    try {
      const { account } = await organizations.createOrganization({
        name: form.name, domain: form.domain.trim() || null,
        admin: { email: form.email, password: formValue(request.body, 'password'), displayName: form.displayName, country: form.country, locale: request.pageEnv.i18n.locale },
      });
      const { token, session } = await sessions.signIn(request.session ?? undefined, account.id);
      context.cookies.setSessionCookie(reply, token);
      // Someone on the way somewhere (a pass waiting to be confirmed) goes on there; the pass page asks
      // the new admin to confirm their email first, and the emailed link comes back to it.
      const { returnTo, ...rest } = session.data;
      const next = safeReturnTo(returnTo) ?? (rest.pendingCode ? '/redeem/confirm' : undefined);
      if (next && next !== '/organization') {
        await sessions.saveData(session, rest);
        return reply.redirect(next, 303);
      }
      const { t } = request.pageEnv.i18n;
      await sessions.saveData(session, { ...rest, notice: t('orgs.created', { organization: account.organization?.name ?? form.name.trim() }) });
      return reply.redirect('/organization', 303);
    } catch (error) {
      const refusal = refusalOf(error, reply, { paths: ADMIN_FIELDS });
      return sendPage(reply, <CreateOrganizationPage ctx={ctx} form={form} errors={refusal.fields} problem={refusal.message} />, refusal.status);
    }
  });

  pages.get('/organization', { schema: hidden }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    return adminPage.render(request, reply, page);
  });
}

// ---- views ------------------------------------------------------------------------------------

function CreateOrganizationPage(props: { ctx: PageContext; form?: Record<string, string>; errors?: FieldErrors; problem?: string }) {
  const { t } = useT();
  const { ctx, form = {}, errors = {} } = props;
  const failed = Object.keys(errors).length > 0;
  const redeeming = Boolean(ctx.session.data.pendingCode);
  const title = t('orgs.create.title');
  return (
    <Page ctx={ctx} title={failed ? `${t('form.errorPrefix')} ${title}` : title}>
      <h1>{title}</h1>
      <p class="lead">{t('orgs.create.lead')}</p>
      {redeeming ? <p>{t('orgs.create.passPending')}</p> : null}
      <FormErrorSummary errors={errors} />
      {props.problem && !failed ? <Alert kind="error">{props.problem}</Alert> : null}
      <Card>
        <Form action="/signup/organization" csrfToken={ctx.csrfToken} aria-label={title}>
          <fieldset class="org-fieldset">
            <legend class="org-fieldset__legend">{t('orgs.create.organization')}</legend>
            <TextField name="name" label={t('orgs.create.name')} autocomplete="organization" value={form.name} error={errors.name} required maxLength={100} />
            <TextField name="domain" label={t('orgs.create.domain')} value={form.domain} error={errors.domain} maxLength={253}
              autoCapitalize="none" spellcheck={false} inputMode="url" hint={t('orgs.create.domainHint')} />
          </fieldset>
          <fieldset class="org-fieldset">
            <legend class="org-fieldset__legend">{t('orgs.create.adminAccount')}</legend>
            <TextField name="email" label={t('orgs.field.email')} type="email" autocomplete="email" value={form.email} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <TextField name="password" label={t('orgs.field.password')} type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
              hint={t('orgs.field.passwordHint')} />
            <TextField name="displayName" label={t('orgs.field.displayName')} autocomplete="name" value={form.displayName} error={errors.displayName} required maxLength={100} />
            <CountrySelect value={form.country?.trim().toUpperCase()} error={errors.country} required />
          </fieldset>
          <Actions><Button>{t('orgs.create.submit')}</Button></Actions>
        </Form>
      </Card>
      <p>{t('orgs.create.haveAccount')} <a href="/signin">{t('orgs.create.signIn')}</a></p>
    </Page>
  );
}
