// Pages: the organization admin adds members, changes their role and removes them (forms on the
// organization page), and an invited person sets their password (/invitation).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import { Actions, Alert, Button, Card, Form, TextField, type FieldErrors } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { usePageEnv, useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import { createAdminPage, formState } from './organization-admin-page.tsx';
import type { MemberView } from './organization-view.ts';
import { viewerOf } from './organizations.routes.ts';
import { SingleLineText } from '../../http/schemas.ts';

const hidden = { hide: true } as const;
const MemberParams = Type.Object({ accountId: SingleLineText({ maxLength: 100 }) });
const TokenQuery = Type.Object({ token: Type.Optional(SingleLineText({ maxLength: 500 })) });
const AddMemberForm = formBody(['email', 'displayName', 'country', 'role']);
const RoleForm = formBody(['role']);
const InvitationForm = formBody(['token', 'password']);

export async function memberPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { organizationMembers: members, sessions } = context.services;
  const adminPage = createAdminPage(context);

  pages.post('/organization/members', { schema: { ...hidden, body: AddMemberForm } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    const values = { email: formValue(request.body, 'email'), displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country'), role: formValue(request.body, 'role') };
    try {
      const member = await members.addMember(page.organizationId, {
        email: values.email, displayName: values.displayName, country: values.country,
        role: values.role === 'admin' ? 'admin' : 'member', locale: request.pageEnv.i18n.locale,
      }, viewerOf(request), actorOf(request));
      return await adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.members.invitedNotice', { email: member.email }));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return adminPage.render(request, reply, page, { member: formState(refusal, values) }, refusal.status);
    }
  });

  pages.get('/organization/members/:accountId/remove', { schema: { ...hidden, params: MemberParams } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    const listed = await members.listMembers(page.organizationId, viewerOf(request));
    const member = listed.find((m) => m.id === request.params.accountId);
    if (!member) return reply.redirect('/organization', 303);
    return sendPage(reply, <RemoveMemberPage ctx={page.ctx} member={member} />);
  });

  pages.post('/organization/members/:accountId/remove', { schema: { ...hidden, params: MemberParams, body: formBody() } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    try {
      await members.removeMember(page.organizationId, request.params.accountId, viewerOf(request), actorOf(request));
      return await adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.members.removedNotice'));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return adminPage.render(request, reply, page, { general: refusal.message }, refusal.status);
    }
  });

  pages.post('/organization/members/:accountId/role', { schema: { ...hidden, params: MemberParams, body: RoleForm } }, async (request, reply) => {
    const page = await adminPage.open(request, reply);
    if (!page) return reply;
    const role = formValue(request.body, 'role') === 'admin' ? 'admin' : 'member';
    try {
      const member = await members.setMemberRole(page.organizationId, request.params.accountId, role, viewerOf(request), actorOf(request));
      return await adminPage.redirectWithNotice(reply, page.ctx, request.pageEnv.i18n.t('orgs.members.roleNotice', { name: member.displayName, role }));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return adminPage.render(request, reply, page, { general: refusal.message }, refusal.status);
    }
  });

  // ---- invitations ------------------------------------------------------------------------------

  // Mail scanners open links, so the link only shows the form; the token is used when the form is sent.
  // (The app-wide same-origin referrer policy keeps the token in the address from reaching other sites.)
  pages.get('/invitation', { schema: { ...hidden, querystring: TokenQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const token = request.query.token ?? '';
    if (!token) return sendPage(reply, <InvitationPage ctx={ctx} token="" />);
    const invitation = await members.describeInvitation(token);
    if (!invitation) return sendPage(reply, <InvitationPage ctx={ctx} token="" problem={request.pageEnv.i18n.t('orgs.invitation.gone')} />, 410);
    return sendPage(reply, <InvitationPage ctx={ctx} token={token} invitation={invitation} />);
  });

  pages.post('/invitation', { schema: { ...hidden, body: InvitationForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const token = formValue(request.body, 'token');
    try {
      const account = await members.acceptInvitation(token, formValue(request.body, 'password'));
      const { token: sessionToken, session } = await sessions.signIn(request.session ?? undefined, account.id);
      await context.services.accounts.rememberLocale(account.id, request.pageEnv.i18n.locale);
      context.cookies.setSessionCookie(reply, sessionToken);
      const { t } = request.pageEnv.i18n;
      const welcome = account.organization ? t('orgs.invitation.welcome', { organization: account.organization.name }) : t('orgs.invitation.welcomeUnnamed');
      await sessions.saveData(session, { ...session.data, notice: welcome });
      return reply.redirect(account.organizationRole === 'admin' ? '/organization' : '/account', 303);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      // A used or expired invitation has no form left to fill in.
      if (refusal.code === 'invalid_token') return sendPage(reply, <InvitationPage ctx={ctx} token="" problem={refusal.message} />, refusal.status);
      const invitation = await members.describeInvitation(token);
      return sendPage(reply, <InvitationPage ctx={ctx} token={token} invitation={invitation} errors={refusal.fields} problem={Object.keys(refusal.fields).length ? undefined : refusal.message} />, refusal.status);
    }
  });
}

// ---- views ------------------------------------------------------------------------------------

function RemoveMemberPage(props: { ctx: PageContext; member: MemberView }) {
  const { t } = useT();
  const { ctx, member } = props;
  return (
    <Page ctx={ctx} title={t('orgs.remove.title')}>
      <h1>{t('orgs.remove.heading', { name: member.displayName })}</h1>
      <Card>
        <p><strong>{member.displayName}</strong> ({member.email}) {t('orgs.remove.consequence')}</p>
        <p class="small muted">{t('orgs.remove.kept')}</p>
        <Form action={`/organization/members/${encodeURIComponent(member.id)}/remove`} csrfToken={ctx.csrfToken} aria-label={t('orgs.remove.title')}>
          <Actions>
            <Button kind="danger">{t('orgs.remove.title')}</Button>
            <a class="button button--secondary" href="/organization">{t('orgs.cancel')}</a>
          </Actions>
        </Form>
      </Card>
    </Page>
  );
}

function InvitationPage(props: {
  ctx: PageContext; token: string; invitation?: { email: string; organizationName: string }; problem?: string; errors?: FieldErrors;
}) {
  const { i18n: { t }, branding } = usePageEnv();
  const { ctx, errors = {}, invitation } = props;
  const title = t('orgs.invitation.title');
  return (
    <Page ctx={ctx} title={Object.keys(errors).length ? `${t('form.errorPrefix')} ${title}` : title}>
      <h1>{title}</h1>
      {props.problem ? <Alert kind="error" title={t('orgs.invitation.problemTitle')}>{props.problem}</Alert> : null}
      {props.token ? (
        <>
          {invitation
            ? <p class="lead break-anywhere">{t('orgs.invitation.lead', { organization: invitation.organizationName, email: invitation.email, program: branding.programName })}</p>
            : <p class="lead">{t('orgs.invitation.leadUnknown', { program: branding.programName })}</p>}
          <Card>
            <Form action="/invitation" csrfToken={ctx.csrfToken} aria-label={title}>
              <input type="hidden" name="token" value={props.token} />
              <TextField name="password" label={t('orgs.field.password')} type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
                hint={t('orgs.field.passwordHint')} />
              <Actions><Button>{t('orgs.invitation.submit')}</Button></Actions>
            </Form>
          </Card>
        </>
      ) : props.problem ? (
        <p><a href="/signin">{t('orgs.invitation.goToSignIn')}</a></p>
      ) : (
        <Alert kind="error" title={t('orgs.invitation.incompleteTitle')}>{t('orgs.invitation.incompleteText')}</Alert>
      )}
    </Page>
  );
}
