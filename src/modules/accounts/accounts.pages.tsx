// Pages: sign-in (with the account chooser), sign-up, email verification, password reset, the account
// page, "which account am I using?" and sign-out. Forms work without JavaScript; errors sit next to the
// field they are about, with what was typed kept (never a password).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ComponentChildren } from 'preact';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, safeReturnTo, type PageContext } from '../../http/pages.tsx';
import { DomainError, TooManyAttemptsError, type FieldError } from '../../lib/errors.ts';
import type { Session, SessionData } from '../sessions/sessions.service.ts';
import { Layout, accountKindLabel } from '../../web/layout.tsx';
import {
  Actions, Alert, Button, Card, CountrySelect, Form, FormErrorSummary, TextField, type FieldErrors,
} from '../../web/components.tsx';
import { countryName } from '../../lib/countries.ts';
import { sendPage } from '../../web/render.ts';
import type { AccountView } from './account-view.ts';
import { AccountChoiceRequiredError, type AccountChoice } from './accounts.service.ts';
import type { AccountKind } from './accounts.table.ts';

/** How long the chooser may be answered after the password was checked. */
const CHOICE_TTL_MS = 5 * 60 * 1000;

interface PendingChoice {
  email: string;
  accountIds: string[];
  choices: AccountChoice[];
  expiresAt: string;
}

function fieldErrors(error: DomainError): FieldErrors {
  const errors = (error.extra.errors as FieldError[] | undefined) ?? [];
  const result: FieldErrors = {};
  for (const e of errors) result[e.path] ??= e.message;
  return result;
}

export async function accountPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions, clock } = context.services;
  const hidden = { hide: true } as const;

  async function signInAndRedirect(request: FastifyRequest, reply: FastifyReply, account: AccountView, fallback = '/account') {
    const previous = request.session ?? undefined;
    const { token, session } = await sessions.signIn(previous, account.id);
    context.cookies.setSessionCookie(reply, token);
    const { returnTo, pendingChoice: _pending, ...rest } = session.data;
    await sessions.saveData(session, rest);
    return reply.redirect(safeReturnTo(returnTo) ?? fallback, 303);
  }

  /** Signed out: remember where they were going and send them to sign in. */
  const requireSignIn = context.pages.signedIn;

  // ---- sign in --------------------------------------------------------------------

  pages.get('/signin', {
    schema: { ...hidden, querystring: Type.Object({ returnTo: Type.Optional(Type.String({ maxLength: 2000 })), signedOut: Type.Optional(Type.String({ maxLength: 10 })) }) },
  }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const returnTo = safeReturnTo(request.query.returnTo);
    if (returnTo) await sessions.saveData(ctx.session, { ...ctx.session.data, returnTo });
    return sendPage(reply, <SignInPage ctx={ctx} signedOut={request.query.signedOut === '1'} />);
  });

  pages.post('/signin', { schema: { ...hidden, body: formBody(['email', 'password', 'accountKind', 'organizationId']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = formValue(request.body, 'email').trim();
    const accountKind = asKind(formValue(request.body, 'accountKind'));
    const organizationId = formValue(request.body, 'organizationId') || undefined;
    const form = { email, accountKind, organizationId };
    try {
      const account = await accounts.authenticate({ email, password: formValue(request.body, 'password'), accountKind, organizationId, clientAddress: request.ip });
      return await signInAndRedirect(request, reply, account);
    } catch (error) {
      if (error instanceof AccountChoiceRequiredError) {
        const pendingChoice: PendingChoice = {
          email, accountIds: error.verifiedAccountIds, choices: error.choices,
          expiresAt: new Date(clock.now().getTime() + CHOICE_TTL_MS).toISOString(),
        };
        await sessions.saveData(ctx.session, { ...ctx.session.data, pendingChoice });
        return sendPage(reply, <ChooserPage ctx={ctx} pending={pendingChoice} />);
      }
      if (error instanceof TooManyAttemptsError) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        return sendPage(reply, <SignInPage ctx={ctx} form={form} problem={tooManyMessage(error)} />, 429);
      }
      if (error instanceof DomainError && error.code === 'invalid_credentials') {
        return sendPage(reply, <SignInPage ctx={ctx} form={form} problem={error.message} />, 401);
      }
      throw error;
    }
  });

  pages.get('/signin/choose', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const pending = livePendingChoice(ctx.session.data, clock.now());
    if (!pending) return reply.redirect('/signin', 303);
    return sendPage(reply, <ChooserPage ctx={ctx} pending={pending} />);
  });

  pages.post('/signin/choose', { schema: { ...hidden, body: formBody(['choice']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const pending = livePendingChoice(ctx.session.data, clock.now());
    if (!pending) {
      return sendPage(reply, <SignInPage ctx={ctx} problem="That took too long. Sign in again." />, 400);
    }
    const [kindText, organizationId] = formValue(request.body, 'choice').split(':');
    const kind = asKind(kindText ?? '');
    if (!kind) return sendPage(reply, <ChooserPage ctx={ctx} pending={pending} problem="Choose one of the accounts." />, 400);
    const account = await accounts.resolveChoice(pending.accountIds, { kind, organizationId: organizationId || undefined });
    if (account) return signInAndRedirect(request, reply, account);
    // The password typed belongs to another of this email's accounts: ask for this one's.
    const { pendingChoice: _drop, ...rest } = ctx.session.data;
    await sessions.saveData(ctx.session, rest);
    const chosen = pending.choices.find((c) => c.kind === kind && (c.organization?.id ?? undefined) === (organizationId || undefined));
    return sendPage(reply, (
      <SignInPage ctx={ctx} form={{ email: pending.email, accountKind: kind, organizationId: organizationId || undefined }}
        notice={`Enter the password of your ${chosen ? choiceLabel(chosen).toLowerCase() : 'chosen account'}${chosen?.organization ? ` at ${chosen.organization.name}` : ''}.`} />
    ));
  });

  pages.post('/signout', { schema: { ...hidden, body: formBody() } }, async (request, reply) => {
    if (request.session) await sessions.signOut(request.session);
    context.cookies.clearSessionCookie(reply);
    return reply.redirect('/signin?signedOut=1', 303);
  });

  // ---- sign up and verification -------------------------------------------------------

  pages.get('/signup', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    // On the way to redeeming a pass, the country picked for it is the likely one.
    return sendPage(reply, <SignUpPage ctx={ctx} form={{ country: ctx.session.data.pendingCode?.country }} />);
  });

  pages.post('/signup', { schema: { ...hidden, body: formBody(['email', 'password', 'displayName', 'country']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const form = { email: formValue(request.body, 'email'), displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country') };
    try {
      const account = await accounts.createPersonalAccount({ ...form, password: formValue(request.body, 'password') });
      const { token } = await sessions.signIn(request.session ?? undefined, account.id);
      context.cookies.setSessionCookie(reply, token);
      return reply.redirect('/signup/check-email', 303);
    } catch (error) {
      if (error instanceof DomainError && ['validation_failed', 'weak_password', 'email_taken'].includes(error.code)) {
        return sendPage(reply, <SignUpPage ctx={ctx} form={form} errors={fieldErrors(error)} />, error.code === 'email_taken' ? 409 : 400);
      }
      throw error;
    }
  });

  pages.get('/signup/check-email', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    if (account.emailVerified) return reply.redirect(safeReturnTo(ctx.session.data.returnTo) ?? '/account', 303);
    return sendPage(reply, <CheckEmailPage ctx={ctx} email={account.email} returnTo={safeReturnTo(ctx.session.data.returnTo)} />);
  });

  pages.post('/verify-email/resend', { schema: { ...hidden, body: formBody(['email']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = request.account?.email ?? formValue(request.body, 'email').trim();
    await accounts.resendVerification(email);
    return sendPage(reply, <CheckEmailPage ctx={ctx} email={email} resent returnTo={safeReturnTo(ctx.session.data.returnTo)} />);
  });

  // Mail scanners fetch links, so opening the link only shows a button; verifying takes a POST.
  pages.get('/verify-email', { schema: { ...hidden, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 500 })) }) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <VerifyEmailPage ctx={ctx} token={request.query.token ?? ''} />);
  });

  pages.post('/verify-email', { schema: { ...hidden, body: formBody(['token']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    try {
      const account = await accounts.verifyEmail(formValue(request.body, 'token'));
      if (request.account?.id === account.id) {
        const { returnTo, ...rest } = ctx.session.data;
        await sessions.saveData(ctx.session, { ...rest, notice: 'Your email address is verified.' });
        return reply.redirect(safeReturnTo(returnTo) ?? '/account', 303);
      }
      return sendPage(reply, <EmailVerifiedPage ctx={ctx} />);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid_token') {
        return sendPage(reply, <InvalidLinkPage ctx={ctx} message={error.message} retry={{ href: '/signup/check-email', label: 'Send a new link' }} />, 400);
      }
      throw error;
    }
  });

  // ---- password reset -------------------------------------------------------------------

  pages.get('/forgot-password', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <ForgotPasswordPage ctx={ctx} />);
  });

  pages.post('/forgot-password', { schema: { ...hidden, body: formBody(['email']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = formValue(request.body, 'email').trim();
    if (!email) return sendPage(reply, <ForgotPasswordPage ctx={ctx} errors={{ email: 'Enter your email address.' }} />, 400);
    await accounts.requestPasswordReset(email);
    return sendPage(reply, <ForgotPasswordPage ctx={ctx} sentTo={email} />);
  });

  pages.get('/reset-password', { schema: { ...hidden, querystring: Type.Object({ token: Type.Optional(Type.String({ maxLength: 500 })) }) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <ResetPasswordPage ctx={ctx} token={request.query.token ?? ''} />);
  });

  pages.post('/reset-password', { schema: { ...hidden, body: formBody(['token', 'password']) } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const token = formValue(request.body, 'token');
    try {
      await accounts.confirmPasswordReset(token, formValue(request.body, 'password'));
      return sendPage(reply, <PasswordChangedPage ctx={await context.pages.pageContext(request, reply)} />);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'invalid_token') {
        return sendPage(reply, <InvalidLinkPage ctx={ctx} message={error.message} retry={{ href: '/forgot-password', label: 'Ask for a new link' }} />, 400);
      }
      if (error instanceof DomainError && ['validation_failed', 'weak_password'].includes(error.code)) {
        return sendPage(reply, <ResetPasswordPage ctx={ctx} token={token} errors={fieldErrors(error)} />, 400);
      }
      throw error;
    }
  });

  // ---- the signed-in account ---------------------------------------------------------------

  pages.get('/account', { schema: hidden }, async (request, reply) => {
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    const ctx = await context.pages.pageContext(request, reply);
    const notice = await takeNotice(ctx.session);
    return sendPage(reply, <AccountPage ctx={ctx} account={account} notice={notice} />);
  });

  pages.post('/account/profile', { schema: { ...hidden, body: formBody(['displayName', 'country']) } }, async (request, reply) => {
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    const ctx = await context.pages.pageContext(request, reply);
    const form = { displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country') };
    try {
      await accounts.updateProfile(account.id, form);
      await sessions.saveData(ctx.session, { ...ctx.session.data, notice: 'Your profile is saved.' });
      return reply.redirect('/account', 303);
    } catch (error) {
      if (error instanceof DomainError && error.code === 'validation_failed') {
        return sendPage(reply, <AccountPage ctx={ctx} account={account} profile={form} profileErrors={fieldErrors(error)} />, 400);
      }
      throw error;
    }
  });

  pages.post('/account/password', { schema: { ...hidden, body: formBody(['currentPassword', 'newPassword']) } }, async (request, reply) => {
    const account = await requireSignIn(request, reply);
    if (!account) return reply;
    const ctx = await context.pages.pageContext(request, reply);
    try {
      await accounts.changePassword(account.id, { currentPassword: formValue(request.body, 'currentPassword'), newPassword: formValue(request.body, 'newPassword') }, ctx.session);
      await sessions.saveData(ctx.session, { ...ctx.session.data, notice: 'Your password is changed. You were signed out everywhere else.' });
      return reply.redirect('/account', 303);
    } catch (error) {
      if (error instanceof TooManyAttemptsError) {
        reply.header('retry-after', String(error.retryAfterSeconds));
        return sendPage(reply, <AccountPage ctx={ctx} account={account} passwordErrors={{ currentPassword: tooManyMessage(error) }} />, 429);
      }
      if (error instanceof DomainError && ['validation_failed', 'weak_password'].includes(error.code)) {
        return sendPage(reply, <AccountPage ctx={ctx} account={account} passwordErrors={fieldErrors(error)} />, 400);
      }
      throw error;
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

function asKind(text: string): AccountKind | undefined {
  return text === 'personal' || text === 'organizational' ? text : undefined;
}

function livePendingChoice(data: SessionData, now: Date): PendingChoice | undefined {
  const pending = data.pendingChoice as PendingChoice | undefined;
  if (!pending || Date.parse(pending.expiresAt) <= now.getTime()) return undefined;
  return pending;
}

function tooManyMessage(error: TooManyAttemptsError): string {
  const minutes = Math.ceil(error.retryAfterSeconds / 60);
  return `Too many attempts. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}, or reset your password.`;
}

const choiceLabel = (choice: AccountChoice) => (choice.kind === 'personal' ? 'Personal account' : 'Work or school account');

// ---- views -----------------------------------------------------------------------------------

function Page(props: { ctx: PageContext; title: string; width?: 'narrow' | 'wide'; children?: ComponentChildren }) {
  return <Layout title={props.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken} width={props.width}>{props.children}</Layout>;
}

function SignInPage(props: {
  ctx: PageContext; problem?: string; notice?: string; signedOut?: boolean;
  form?: { email?: string; accountKind?: AccountKind; organizationId?: string };
}) {
  const { ctx, form = {} } = props;
  const redeeming = Boolean(ctx.session.data.pendingCode);
  return (
    <Page ctx={ctx} title="Sign in">
      <div class="auth">
        <h1>Sign in</h1>
        {props.signedOut ? <Alert kind="success" title="You are signed out." /> : null}
        {redeeming ? <p class="lead">Sign in with the account that should receive your pass, or create one. Your code stays pending.</p> : null}
        {ctx.account ? <Alert kind="info">You are signed in as {ctx.account.email} ({accountKindLabel(ctx.account)}). Signing in again switches account.</Alert> : null}
        {props.notice ? <Alert kind="info">{props.notice}</Alert> : null}
        <Card>
          <Form action="/signin" csrfToken={ctx.csrfToken} aria-label="Sign in">
            {props.problem ? <Alert kind="error" title="You are not signed in">{props.problem}</Alert> : null}
            {form.accountKind ? <input type="hidden" name="accountKind" value={form.accountKind} /> : null}
            {form.organizationId ? <input type="hidden" name="organizationId" value={form.organizationId} /> : null}
            <TextField name="email" label="Email" type="email" autocomplete="username" value={form.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <TextField name="password" label="Password" type="password" autocomplete="current-password" required maxLength={256}
              error={props.problem ? 'Check your password and try again.' : undefined} />
            <Actions><Button>Sign in</Button></Actions>
          </Form>
          <p class="auth__links small"><a href="/forgot-password">Forgot password?</a></p>
        </Card>
        {/* Signed out, the header already has the one "Create account" link; two would be ambiguous. */}
        <p class="auth__switch">New to cloudpass? <a href="/signup">{ctx.account ? 'Create account' : 'Create a personal account'}</a></p>
        <p class="small muted">Does your organization sign you in? <a href="/signin/organization">Sign in with your organization</a></p>
        <p class="small muted">Running a class or a team? <a href="/signup/organization">Create an organization</a></p>
      </div>
    </Page>
  );
}

function ChooserPage(props: { ctx: PageContext; pending: PendingChoice; problem?: string }) {
  const { ctx, pending } = props;
  return (
    <Page ctx={ctx} title="Choose an account">
      <div class="auth">
        <h1>Which account?</h1>
        <p class="lead">{pending.email} has more than one account. Choose the one to sign in with.</p>
        {props.problem ? <Alert kind="error">{props.problem}</Alert> : null}
        <form method="post" action="/signin/choose" class="account-choices" aria-label="Choose an account">
          <input type="hidden" name="_csrf" value={ctx.csrfToken} />
          <ul class="account-choices__list">
            {pending.choices.map((choice, i) => {
              const detailId = `choice-${i}-detail`;
              const value = choice.kind === 'personal' ? 'personal' : `organizational:${choice.organization?.id ?? ''}`;
              return (
                <li class={`account-choice account-choice--${choice.kind}`}>
                  <span class="account-choice__icon" aria-hidden="true"><KindIcon kind={choice.kind} /></span>
                  <div class="account-choice__body">
                    <button class="button button--secondary account-choice__button" type="submit" name="choice" value={value} aria-describedby={detailId}>
                      {choiceLabel(choice)}
                    </button>
                    <p class="account-choice__detail" id={detailId}>
                      {choice.organization
                        ? <>Created by <strong>{choice.organization.name}</strong> for you</>
                        : <>Created by you</>}
                    </p>
                  </div>
                </li>
              );
            })}
          </ul>
        </form>
        <p class="small"><a href="/signin">Use another email</a></p>
      </div>
    </Page>
  );
}

/** A person for a personal account, a building for a work or school one (no emoji: not every device has the font). */
function KindIcon(props: { kind: AccountKind }) {
  return (
    <svg viewBox="0 0 24 24" width="24" height="24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" focusable="false">
      {props.kind === 'personal'
        ? <><circle cx="12" cy="8" r="4" /><path d="M4 21c0-4.4 3.6-7 8-7s8 2.6 8 7" /></>
        : <><rect x="4" y="3" width="16" height="18" rx="1" /><path d="M9 7h2M13 7h2M9 11h2M13 11h2M9 15h2M13 15h2M10 21v-3h4v3" /></>}
    </svg>
  );
}

function SignUpPage(props: { ctx: PageContext; form?: { email?: string; displayName?: string; country?: string }; errors?: FieldErrors }) {
  const { ctx, form = {}, errors = {} } = props;
  const redeeming = Boolean(ctx.session.data.pendingCode);
  return (
    <Page ctx={ctx} title={Object.keys(errors).length ? 'Error: Create account' : 'Create account'}>
      <div class="auth">
        <h1>Create account</h1>
        <p class="lead">A personal account, with a new or an existing email address.</p>
        {redeeming ? <p>Your promo code stays pending: once you confirm your email address, you come back to your pass.</p> : null}
        <FormErrorSummary errors={errors} />
        <Card>
          <Form action="/signup" csrfToken={ctx.csrfToken} aria-label="Create account">
            <TextField name="email" label="Email" type="email" autocomplete="email" value={form.email} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <TextField name="password" label="Password" type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
              hint="At least 8 characters. A long phrase is easy to remember and hard to guess." />
            <TextField name="displayName" label="Display name" autocomplete="name" value={form.displayName} error={errors.displayName} required maxLength={100} />
            <CountrySelect value={form.country?.trim().toUpperCase()} error={errors.country} required />
            <Actions><Button>Create account</Button></Actions>
          </Form>
        </Card>
        <p class="auth__switch">Already have an account? <a href="/signin">Sign in</a></p>
      </div>
    </Page>
  );
}

function CheckEmailPage(props: { ctx: PageContext; email: string; resent?: boolean; returnTo?: string }) {
  const { ctx } = props;
  return (
    <Page ctx={ctx} title="Check your email">
      <div class="auth">
        <h1>Check your email</h1>
        {props.resent ? <Alert kind="success" title="We sent a new link.">If it does not arrive in a few minutes, look in your spam folder.</Alert> : null}
        <Card>
          <p>We sent a link to <strong class="break">{props.email}</strong>. Open it to verify your email address.</p>
          <p class="small muted">
            {ctx.session.data.pendingCode
              ? 'You are signed in already. The link brings you back to your pass to activate it.'
              : 'You are signed in already; you need a verified email to redeem a pass.'}
          </p>
          <Form action="/verify-email/resend" csrfToken={ctx.csrfToken} aria-label="Resend email">
            {ctx.account ? null : <input type="hidden" name="email" value={props.email} />}
            <Actions>
              <Button kind="secondary">Resend email</Button>
              {props.returnTo ? <a class="button button--primary" href={props.returnTo}>Continue</a> : <a class="button button--primary" href="/account">Go to your account</a>}
            </Actions>
          </Form>
        </Card>
      </div>
    </Page>
  );
}

function VerifyEmailPage(props: { ctx: PageContext; token: string }) {
  const { ctx } = props;
  return (
    <Page ctx={ctx} title="Verify email">
      <div class="auth">
        <h1>Verify your email</h1>
        {props.token ? (
          <Card>
            <p>Confirm that this email address is yours.</p>
            <Form action="/verify-email" csrfToken={ctx.csrfToken} aria-label="Verify email">
              <input type="hidden" name="token" value={props.token} />
              <Actions><Button>Verify email</Button></Actions>
            </Form>
          </Card>
        ) : (
          <Alert kind="error" title="This link is incomplete.">Open the link from the email again, or copy all of it into the address bar.</Alert>
        )}
      </div>
    </Page>
  );
}

function EmailVerifiedPage(props: { ctx: PageContext }) {
  return (
    <Page ctx={props.ctx} title="Email verified">
      <div class="auth">
        <h1>Email verified — sign in</h1>
        <Alert kind="success" title="Your email address is verified." />
        <p><a class="button button--primary" href="/signin">Go to sign in</a></p>
      </div>
    </Page>
  );
}

function InvalidLinkPage(props: { ctx: PageContext; message: string; retry: { href: string; label: string } }) {
  return (
    <Page ctx={props.ctx} title="Link not valid">
      <div class="auth">
        <h1>This link does not work</h1>
        <Alert kind="error">{props.message}</Alert>
        <p><a href={props.retry.href}>{props.retry.label}</a></p>
      </div>
    </Page>
  );
}

function ForgotPasswordPage(props: { ctx: PageContext; sentTo?: string; errors?: FieldErrors }) {
  const { ctx, errors = {} } = props;
  return (
    <Page ctx={ctx} title="Forgot password">
      <div class="auth">
        <h1>Forgot your password?</h1>
        {props.sentTo ? (
          <Alert kind="success" title="Check your email.">
            If an account uses {props.sentTo}, we sent it a link to choose a new password. The link works for one hour.
          </Alert>
        ) : <p class="lead">Enter your email and we will send you a link to choose a new password.</p>}
        <Card>
          <Form action="/forgot-password" csrfToken={ctx.csrfToken} aria-label="Reset password">
            <TextField name="email" label="Email" type="email" autocomplete="username" value={props.sentTo} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <Actions><Button>Send reset link</Button></Actions>
          </Form>
        </Card>
        <p class="auth__switch"><a href="/signin">Back to sign in</a></p>
      </div>
    </Page>
  );
}

function ResetPasswordPage(props: { ctx: PageContext; token: string; errors?: FieldErrors }) {
  const { ctx, errors = {} } = props;
  return (
    <Page ctx={ctx} title="Choose a new password">
      <div class="auth">
        <h1>Choose a new password</h1>
        {props.token ? (
          <Card>
            <Form action="/reset-password" csrfToken={ctx.csrfToken} aria-label="Choose a new password">
              <input type="hidden" name="token" value={props.token} />
              <TextField name="password" label="New password" type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
                hint="At least 8 characters. You will be signed out everywhere." />
              <Actions><Button>Set new password</Button></Actions>
            </Form>
          </Card>
        ) : (
          <Alert kind="error" title="This link is incomplete.">Open the link from the email again, or <a href="/forgot-password">ask for a new one</a>.</Alert>
        )}
      </div>
    </Page>
  );
}

function PasswordChangedPage(props: { ctx: PageContext }) {
  return (
    <Page ctx={props.ctx} title="Password changed">
      <div class="auth">
        <h1>Password changed</h1>
        <Alert kind="success" title="Your new password is set.">For your safety you were signed out everywhere.</Alert>
        <p><a class="button button--primary" href="/signin">Go to sign in</a></p>
      </div>
    </Page>
  );
}

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
