// Pages: the signed-in account (/account: profile and password) and "which account am I using?"
// (/account/type). Signing in and up have their own pages files. Forms work without JavaScript; errors
// sit next to the field they are about, with what was typed kept (never a password).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import type { Session } from '../sessions/sessions.service.ts';
import { accountKindLabel } from '../../web/layout.tsx';
import { Actions, Alert, Button, Card, CountrySelect, Form, TextField, type FieldErrors } from '../../web/components.tsx';
import { countryName } from '../../lib/countries.ts';
import { Page } from '../../web/page.tsx';
import { sendPage } from '../../web/render.ts';
import type { AccountView } from './account-view.ts';
import { tooManyMessage } from './account-views.tsx';

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
      await sessions.saveData(ctx.session, { ...ctx.session.data, notice: 'Your profile is saved.' });
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
      await sessions.saveData(ctx.session, { ...ctx.session.data, notice: 'Your password is changed. You were signed out everywhere else.' });
      return reply.redirect('/account', 303);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      const errors = refusal.code === 'too_many_attempts' ? { currentPassword: tooManyMessage(refusal) } : fieldsOrForm(refusal.fields, 'currentPassword', refusal.message);
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
  const profile = props.profile ?? { displayName: account.displayName, country: account.country };
  return (
    <Page ctx={ctx} title="Your account">
      <h1>Your account</h1>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      <Card title="Account">
        <dl class="summary-list">
          <div><dt>Name</dt><dd>{account.displayName}</dd></div>
          <div><dt>Email</dt><dd>{account.email} {account.emailVerified ? <span class="badge badge--active">Verified</span> : <span class="badge badge--pending">Not verified</span>}</dd></div>
          <div><dt>Account type</dt><dd>{accountKindLabel({ kind: account.kind, organizationName: account.organization?.name })} · <a href="/account/type">Which account am I using?</a></dd></div>
          <div><dt>Country</dt><dd>{countryName(account.country)}</dd></div>
        </dl>
        {account.emailVerified ? null : (
          <Form action="/verify-email/resend" csrfToken={ctx.csrfToken} aria-label="Verify your email">
            <p class="small">Verify your email to redeem a pass. Did not get the link?</p>
            <Actions><Button kind="secondary">Resend email</Button></Actions>
          </Form>
        )}
      </Card>
      <div class="grid grid--2">
        <Card title="Profile">
          <Form action="/account/profile" csrfToken={ctx.csrfToken} aria-label="Profile">
            <TextField name="displayName" label="Display name" autocomplete="name" value={profile.displayName} error={profileErrors.displayName} required maxLength={100} />
            <CountrySelect value={profile.country.trim().toUpperCase()} error={profileErrors.country} required />
            <Actions><Button>Save profile</Button></Actions>
          </Form>
        </Card>
        {account.hasPassword ? (<Card title="Password">
          <Form action="/account/password" csrfToken={ctx.csrfToken} aria-label="Change password">
            <input type="text" name="username" value={account.email} autocomplete="username" hidden readOnly aria-hidden="true" tabIndex={-1} />
            <TextField name="currentPassword" label="Current password" type="password" autocomplete="current-password" error={passwordErrors.currentPassword} required maxLength={256} />
            <TextField name="newPassword" label="New password" type="password" autocomplete="new-password" error={passwordErrors.newPassword} required maxLength={256}
              hint="At least 8 characters. Other devices will be signed out." />
            <Actions><Button>Change password</Button></Actions>
          </Form>
        </Card>) : (<Card title="Password">
          {account.organization
            ? <p>You sign in with {account.organization.name}’s sign-in page, so your password is kept there, not in cloudpass.</p>
            : <p>This account has no password yet. To set one, sign out and use “Forgot password?” on the sign-in page.</p>}
        </Card>)}
      </div>
      <p class="small muted">To sign out, use “Sign out” at the top of the page.</p>
    </Page>
  );
}

function AccountTypePage(props: { ctx: PageContext; account: AccountView }) {
  const { ctx, account } = props;
  const personal = account.kind === 'personal';
  return (
    <Page ctx={ctx} title="Which account am I using?">
      <h1>Which account am I using?</h1>
      <Card class={`account-type account-type--${account.kind}`}>
        <p class="account-type__label">You are signed in with a</p>
        <p class="account-type__kind">{personal ? 'Personal account' : 'Organizational account'}</p>
        {account.organization ? <p class="account-type__org">Organization: <strong>{account.organization.name}</strong></p> : null}
        <dl class="summary-list">
          <div><dt>Email</dt><dd>{account.email}</dd></div>
          <div><dt>Name</dt><dd>{account.displayName}</dd></div>
        </dl>
        <p class="small muted">
          {personal
            ? 'A personal account is yours alone; passes you redeem with it stay with you.'
            : 'An organizational (work or school) account belongs to your organization, which can manage it.'}
        </p>
      </Card>
      <p>Wrong account? Sign out at the top of the page, then sign in with the other one.</p>
    </Page>
  );
}

