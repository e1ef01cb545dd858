// Pages: creating an organization (/signup/organization) and the organization admin's page
// (/organization, organization-admin-page.tsx). Its members, domains and sign-in provider have pages files
// of their own. Forms work without JavaScript; errors sit next to their field with the input kept (never
// a password).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import { Actions, Alert, Button, Card, CountrySelect, Form, FormErrorSummary, TextField, type FieldErrors } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
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
    return sendPage(reply, <CreateOrganizationPage ctx={ctx} />);
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
      await sessions.saveData(session, { ...session.data, notice: `${account.organization?.name ?? 'Your organization'} is ready. Add its members below.` });
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
  const { ctx, form = {}, errors = {} } = props;
  const failed = Object.keys(errors).length > 0;
  return (
    <Page ctx={ctx} title={failed ? 'Error: Create an organization' : 'Create an organization'}>
      <h1>Create an organization</h1>
      <p class="lead">An organization for your work or school. You become its first admin, with an organizational account, and can then add members.</p>
      <FormErrorSummary errors={errors} />
      {props.problem && !failed ? <Alert kind="error">{props.problem}</Alert> : null}
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

