// Pages: the signed-in account (/account: profile and password) and "which account am I using?"
// (/account/type). Signing in and up have their own pages files. Forms work without JavaScript; errors
// sit next to the field they are about, with what was typed kept (never a password).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import type { Session } from '../sessions/sessions.service.ts';
import { Actions, Alert, Button, Card, CountrySelect, Form, TextField, type FieldErrors } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { usePageEnv, useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import { noticeText } from '../../i18n/error-text.ts';
import type { AccountView } from './account-view.ts';
import { kindLabel, Rich, tooManyMessage } from './account-views.tsx';

const hidden = { hide: true } as const;
const ProfileForm = formBody(['displayName', 'country']);
const PasswordForm = formBody(['currentPassword', 'newPassword']);

export async function accountPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions } = context.services;
  /** Signed out: remember where they were going and send them to sign in. */
  const requireSignIn = context.pages.signedIn;

  pages.get('/account', { schema: hidden }, async (request, reply) => {
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    const ctx = await context.pages.pageContext(request, reply);
    const notice = await takeNotice(ctx.session);
    return sendPage(reply, <AccountPage ctx={ctx} account={account} notice={notice} />);
  });

  pages.post('/account/profile', { schema: { ...hidden, body: ProfileForm } }, async (request, reply) => {
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    const ctx = await context.pages.pageContext(request, reply);
    const form = { displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country') };
    try {
      await accounts.updateProfile(account.id, form);
      await sessions.saveData(ctx.session, { ...ctx.session.data, notice: 'accounts.notice.profileSaved' });
      return reply.redirect('/account', 303);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return sendPage(reply, <AccountPage ctx={ctx} account={account} profile={form} profileErrors={fieldsOrForm(refusal.fields, 'displayName', refusal.message)} />, refusal.status);
    }
  });

  pages.post('/account/password', { schema: { ...hidden, body: PasswordForm } }, async (request, reply) => {
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    const ctx = await context.pages.pageContext(request, reply);
    try {
      await accounts.changePassword(account.id, { currentPassword: formValue(request.body, 'currentPassword'), newPassword: formValue(request.body, 'newPassword') }, ctx.session);
      await sessions.saveData(ctx.session, { ...ctx.session.data, notice: 'accounts.notice.passwordChanged' });
      return reply.redirect('/account', 303);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      const errors = refusal.code === 'too_many_attempts' ? { currentPassword: tooManyMessage(refusal, request.pageEnv.i18n) } : fieldsOrForm(refusal.fields, 'currentPassword', refusal.message);
      return sendPage(reply, <AccountPage ctx={ctx} account={account} passwordErrors={errors} />, refusal.status);
    }
  });

  pages.get('/account/type', { schema: hidden }, async (request, reply) => {
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <AccountTypePage ctx={ctx} account={account} />);
  });

  async function takeNotice(session: Session): Promise<string | undefined> {
    const { notice, ...rest } = session.data;
    if (notice === undefined) return undefined;
    await sessions.saveData(session, rest);
    return notice;
  }
}

/** A refusal that names no field of these small forms shows beside their first field. */
function fieldsOrForm(fields: FieldErrors, first: string, message: string): FieldErrors {
  return Object.keys(fields).length > 0 ? fields : { [first]: message };
}

// ---- views -----------------------------------------------------------------------------------

function AccountPage(props: {
  ctx: PageContext; account: AccountView; notice?: string;
  profile?: { displayName: string; country: string }; profileErrors?: FieldErrors; passwordErrors?: FieldErrors;
}) {
  const { ctx, account, profileErrors = {}, passwordErrors = {} } = props;
  const { i18n, branding } = usePageEnv();
  const { t } = i18n;
  const profile = props.profile ?? { displayName: account.displayName, country: account.country };
  return (
    <Page ctx={ctx} title={t('accounts.account.title')}>
      <h1>{t('accounts.account.title')}</h1>
      {props.notice ? <Alert kind="success">{noticeText(i18n, props.notice)}</Alert> : null}
      <Card title={t('accounts.account.summary')}>
        <dl class="summary-list">
          <div><dt>{t('accounts.field.name')}</dt><dd>{account.displayName}</dd></div>
          <div><dt>{t('accounts.field.email')}</dt><dd>{account.email} {account.emailVerified
            ? <span class="badge badge--active">{t('accounts.account.verified')}</span>
            : <span class="badge badge--pending">{t('accounts.account.notVerified')}</span>}</dd></div>
          <div><dt>{t('accounts.account.kind')}</dt><dd>{kindLabel(i18n, { kind: account.kind, organizationName: account.organization?.name })} · <a href="/account/type">{t('accounts.type.title')}</a></dd></div>
          <div><dt>{t('accounts.field.country')}</dt><dd>{i18n.country(account.country)}</dd></div>
        </dl>
        {account.emailVerified ? null : (
          <Form action="/verify-email/resend" csrfToken={ctx.csrfToken} aria-label={t('accounts.verify.heading')}>
            <p class="small">{t('accounts.account.verifyToRedeem')}</p>
            <Actions><Button kind="secondary">{t('accounts.checkEmail.resend')}</Button></Actions>
          </Form>
        )}
      </Card>
      <div class="grid grid--2">
        <Card title={t('accounts.account.profile')}>
          <Form action="/account/profile" csrfToken={ctx.csrfToken} aria-label={t('accounts.account.profile')}>
            <TextField name="displayName" label={t('accounts.field.displayName')} autocomplete="name" value={profile.displayName} error={profileErrors.displayName} required maxLength={100} />
            <CountrySelect value={profile.country.trim().toUpperCase()} error={profileErrors.country} required />
            <Actions><Button>{t('accounts.account.saveProfile')}</Button></Actions>
          </Form>
        </Card>
        {account.hasPassword ? (<Card title={t('accounts.field.password')}>
          <Form action="/account/password" csrfToken={ctx.csrfToken} aria-label={t('accounts.account.changePassword')}>
            <input type="text" name="username" value={account.email} autocomplete="username" hidden readOnly aria-hidden="true" tabIndex={-1} />
            <TextField name="currentPassword" label={t('accounts.account.currentPassword')} type="password" autocomplete="current-password" error={passwordErrors.currentPassword} required maxLength={256} />
            <TextField name="newPassword" label={t('accounts.reset.newPassword')} type="password" autocomplete="new-password" error={passwordErrors.newPassword} required maxLength={256}
              hint={t('accounts.account.newPasswordHint')} />
            <Actions><Button>{t('accounts.account.changePassword')}</Button></Actions>
          </Form>
        </Card>) : (<Card title={t('accounts.field.password')}>
          {account.organization
            ? <p>{t('accounts.account.passwordAtOrganization', { organization: account.organization.name, program: branding.programName })}</p>
            : <p>{t('accounts.account.noPassword')}</p>}
        </Card>)}
      </div>
      <p class="small muted">{t('accounts.account.signOutHint')}</p>
    </Page>
  );
}

function AccountTypePage(props: { ctx: PageContext; account: AccountView }) {
  const { ctx, account } = props;
  const { t } = useT();
  const personal = account.kind === 'personal';
  return (
    <Page ctx={ctx} title={t('accounts.type.title')}>
      <h1>{t('accounts.type.title')}</h1>
      <Card class={`account-type account-type--${account.kind}`}>
        <p class="account-type__label">{t('accounts.type.signedInWith', { kind: account.kind })}</p>
        <p class="account-type__kind">{personal ? t('account.kind.personal') : t('account.kind.organizational')}</p>
        {account.organization ? (
          <p class="account-type__org"><Rich k="accounts.type.organization" slot="organization"><strong>{account.organization.name}</strong></Rich></p>
        ) : null}
        <dl class="summary-list">
          <div><dt>{t('accounts.field.email')}</dt><dd>{account.email}</dd></div>
          <div><dt>{t('accounts.field.name')}</dt><dd>{account.displayName}</dd></div>
        </dl>
        <p class="small muted">{personal ? t('accounts.type.personalExplain') : t('accounts.type.organizationalExplain')}</p>
      </Card>
      <p>{t('accounts.type.wrongAccount')}</p>
    </Page>
  );
}
