// Pages: signing in (with the chooser when one email holds several accounts), signing out, and resetting a
// forgotten password. Forms work without JavaScript; errors sit next to the field they are about, with
// what was typed kept (never a password).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, safeReturnTo, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import type { SessionData } from '../sessions/sessions.service.ts';
import { accountKindLabel } from '../../web/layout.tsx';
import { Actions, Alert, Button, Card, Form, TextField, type FieldErrors } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { sendPage } from '../../web/render.ts';
import type { AccountView } from './account-view.ts';
import { InvalidLinkPage, tooManyMessage } from './account-views.tsx';
import { deviceCookieValues, setDeviceCookie } from './device-cookies.ts';
import { AccountChoiceRequiredError, type AccountChoice } from './accounts.service.ts';
import type { AccountKind } from './accounts.table.ts';
import { SingleLineText } from '../../http/schemas.ts';

/** How long the chooser may be answered after the password was checked. */
const CHOICE_TTL_MS = 5 * 60 * 1000;

interface PendingChoice {
  email: string;
  accountIds: string[];
  choices: AccountChoice[];
  expiresAt: string;
}

const hidden = { hide: true } as const;
const SignInQuery = Type.Object({ returnTo: Type.Optional(SingleLineText({ maxLength: 2000 })), signedOut: Type.Optional(SingleLineText({ maxLength: 10 })) });
const TokenQuery = Type.Object({ token: Type.Optional(SingleLineText({ maxLength: 500 })) });
const SignInForm = formBody(['email', 'password', 'accountKind', 'organizationId']);
const ChoiceForm = formBody(['choice']);
const EmailForm = formBody(['email']);
const ResetForm = formBody(['token', 'password']);

export async function signInPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions, clock } = context.services;

  /** `email` is what the person typed with the password that proved it: its browser is remembered for it. */
  async function signInAndRedirect(request: FastifyRequest, reply: FastifyReply, account: AccountView, email: string) {
    const { token, session } = await sessions.signIn(request.session ?? undefined, account.id);
    await accounts.rememberLocale(account.id, request.pageEnv.i18n.locale);
    context.cookies.setSessionCookie(reply, token);
    setDeviceCookie(reply, accounts.rememberDevice(email), context.config.publicUrl.protocol === 'https:');
    const { returnTo, pendingChoice: _pending, ...rest } = session.data;
    await sessions.saveData(session, rest);
    return reply.redirect(safeReturnTo(returnTo) ?? '/account', 303);
  }

  // ---- sign in --------------------------------------------------------------------

  pages.get('/signin', { schema: { ...hidden, querystring: SignInQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const returnTo = safeReturnTo(request.query.returnTo);
    if (returnTo) await sessions.saveData(ctx.session, { ...ctx.session.data, returnTo });
    return sendPage(reply, <SignInPage ctx={ctx} signedOut={request.query.signedOut === '1'} />);
  });

  pages.post('/signin', { schema: { ...hidden, body: SignInForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = formValue(request.body, 'email').trim();
    const accountKind = asKind(formValue(request.body, 'accountKind'));
    const organizationId = formValue(request.body, 'organizationId') || undefined;
    const form = { email, accountKind, organizationId };
    try {
      const account = await accounts.authenticate({ email, password: formValue(request.body, 'password'), accountKind, organizationId, clientAddress: request.ip,
        deviceCookies: deviceCookieValues(request.cookies),
      });
      return await signInAndRedirect(request, reply, account, email);
    } catch (error) {
      // The password fits more than one account of this email: not a refusal, the next step.
      if (error instanceof AccountChoiceRequiredError) {
        const pendingChoice: PendingChoice = {
          email, accountIds: error.verifiedAccountIds, choices: error.choices,
          expiresAt: new Date(clock.now().getTime() + CHOICE_TTL_MS).toISOString(),
        };
        await sessions.saveData(ctx.session, { ...ctx.session.data, pendingChoice });
        return sendPage(reply, <ChooserPage ctx={ctx} pending={pendingChoice} />);
      }
      const refusal = refusalOf(error, reply);
      const problem = refusal.code === 'too_many_attempts' ? tooManyMessage(refusal) : refusal.message;
      return sendPage(reply, <SignInPage ctx={ctx} form={form} problem={problem} />, refusal.status);
    }
  });

  pages.get('/signin/choose', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const pending = livePendingChoice(ctx.session.data, clock.now());
    if (!pending) return reply.redirect('/signin', 303);
    return sendPage(reply, <ChooserPage ctx={ctx} pending={pending} />);
  });

  pages.post('/signin/choose', { schema: { ...hidden, body: ChoiceForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const pending = livePendingChoice(ctx.session.data, clock.now());
    if (!pending) {
      return sendPage(reply, <SignInPage ctx={ctx} problem="That took too long. Sign in again." />, 400);
    }
    const [kindText, organizationId] = formValue(request.body, 'choice').split(':');
    const kind = asKind(kindText ?? '');
    if (!kind) return sendPage(reply, <ChooserPage ctx={ctx} pending={pending} problem="Choose one of the accounts." />, 400);
    const account = await accounts.resolveChoice(pending.accountIds, { kind, organizationId: organizationId || undefined });
    if (account) return signInAndRedirect(request, reply, account, pending.email);
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

  // ---- password reset -------------------------------------------------------------------

  pages.get('/forgot-password', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <ForgotPasswordPage ctx={ctx} />);
  });

  pages.post('/forgot-password', { schema: { ...hidden, body: EmailForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = formValue(request.body, 'email').trim();
    if (!email) return sendPage(reply, <ForgotPasswordPage ctx={ctx} errors={{ email: 'Enter your email address.' }} />, 400);
    await accounts.requestPasswordReset(email);
    return sendPage(reply, <ForgotPasswordPage ctx={ctx} sentTo={email} />);
  });

  pages.get('/reset-password', { schema: { ...hidden, querystring: TokenQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <ResetPasswordPage ctx={ctx} token={request.query.token ?? ''} />);
  });

  pages.post('/reset-password', { schema: { ...hidden, body: ResetForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const token = formValue(request.body, 'token');
    try {
      await accounts.confirmPasswordReset(token, formValue(request.body, 'password'));
      return sendPage(reply, <PasswordChangedPage ctx={await context.pages.pageContext(request, reply)} />);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      if (refusal.code === 'invalid_token') {
        return sendPage(reply, <InvalidLinkPage ctx={ctx} message={refusal.message} retry={{ href: '/forgot-password', label: 'Ask for a new link' }} />, refusal.status);
      }
      return sendPage(reply, <ResetPasswordPage ctx={ctx} token={token} errors={refusal.fields} problem={refusal.message} />, refusal.status);
    }
  });
}

function asKind(text: string): AccountKind | undefined {
  return text === 'personal' || text === 'organizational' ? text : undefined;
}

function livePendingChoice(data: SessionData, now: Date): PendingChoice | undefined {
  const pending = data.pendingChoice as PendingChoice | undefined;
  if (!pending || Date.parse(pending.expiresAt) <= now.getTime()) return undefined;
  return pending;
}

const choiceLabel = (choice: AccountChoice) => (choice.kind === 'personal' ? 'Personal account' : 'Work or school account');

// ---- views -----------------------------------------------------------------------------------

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

function ResetPasswordPage(props: { ctx: PageContext; token: string; errors?: FieldErrors; problem?: string }) {
  const { ctx, errors = {} } = props;
  return (
    <Page ctx={ctx} title="Choose a new password">
      <div class="auth">
        <h1>Choose a new password</h1>
        {props.problem && !errors.password ? <Alert kind="error">{props.problem}</Alert> : null}
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

