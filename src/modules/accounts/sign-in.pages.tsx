// Pages: signing in (with the chooser when one email holds several accounts), signing out, and resetting a
// forgotten password. Forms work without JavaScript; errors sit next to the field they are about, with
// what was typed kept (never a password).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, safeReturnTo, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import type { Translator } from '../../i18n/catalogue.ts';
import type { SessionData } from '../sessions/sessions.service.ts';
import { Actions, Alert, Button, Card, Form, TextField, type FieldErrors } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { usePageEnv, useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { AccountView } from './account-view.ts';
import { InvalidLinkPage, kindLabel, Rich, tooManyMessage } from './account-views.tsx';
import { destinationAfterSignIn } from './after-sign-in.ts';
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
  const { accounts, sessions, redemptions, clock } = context.services;

  /** `email` is what the person typed with the password that proved it: its browser is remembered for it. */
  async function signInAndRedirect(request: FastifyRequest, reply: FastifyReply, account: AccountView, email: string) {
    const { token, session } = await sessions.signIn(request.session ?? undefined, account.id);
    await accounts.rememberLocale(account.id, request.pageEnv.i18n.locale);
    context.cookies.setSessionCookie(reply, token);
    setDeviceCookie(reply, accounts.rememberDevice(email), context.config.publicUrl.protocol === 'https:');
    const destination = await destinationAfterSignIn(redemptions, session.data, account.id);
    const { returnTo: _returnTo, pendingChoice: _pending, ...rest } = session.data;
    await sessions.saveData(session, rest);
    return reply.redirect(destination, 303);
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
      const problem = refusal.code === 'too_many_attempts' ? tooManyMessage(refusal, request.pageEnv.i18n) : refusal.message;
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
    const { t } = request.pageEnv.i18n;
    const pending = livePendingChoice(ctx.session.data, clock.now());
    if (!pending) {
      return sendPage(reply, <SignInPage ctx={ctx} problem={t('accounts.signIn.tooLate')} />, 400);
    }
    const [kindText, organizationId] = formValue(request.body, 'choice').split(':');
    const kind = asKind(kindText ?? '');
    if (!kind) return sendPage(reply, <ChooserPage ctx={ctx} pending={pending} problem={t('accounts.chooser.chooseOne')} />, 400);
    const account = await accounts.resolveChoice(pending.accountIds, { kind, organizationId: organizationId || undefined });
    if (account) return signInAndRedirect(request, reply, account, pending.email);
    // The password typed belongs to another of this email's accounts: ask for this one's.
    const { pendingChoice: _drop, ...rest } = ctx.session.data;
    await sessions.saveData(ctx.session, rest);
    const chosen = pending.choices.find((c) => c.kind === kind && (c.organization?.id ?? undefined) === (organizationId || undefined));
    return sendPage(reply, (
      <SignInPage ctx={ctx} form={{ email: pending.email, accountKind: kind, organizationId: organizationId || undefined }}
        notice={passwordOfChoice(request.pageEnv.i18n, chosen)} />
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
    if (!email) return sendPage(reply, <ForgotPasswordPage ctx={ctx} errors={{ email: request.pageEnv.i18n.t('error.enterEmail') }} />, 400);
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
        const retry = { href: '/forgot-password', label: request.pageEnv.i18n.t('accounts.reset.askNewLink') };
        return sendPage(reply, <InvalidLinkPage ctx={ctx} message={refusal.message} retry={retry} />, refusal.status);
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

/** After choosing an account whose password was not the one typed: whose password to type now. */
function passwordOfChoice(i18n: Translator, chosen: AccountChoice | undefined): string {
  if (!chosen) return i18n.t('accounts.signIn.passwordOfChosen');
  if (chosen.kind === 'personal') return i18n.t('accounts.signIn.passwordOfPersonal');
  return chosen.organization
    ? i18n.t('accounts.signIn.passwordOfWork', { organization: chosen.organization.name })
    : i18n.t('accounts.signIn.passwordOfWorkUnnamed');
}

// ---- views -----------------------------------------------------------------------------------

function SignInPage(props: {
  ctx: PageContext; problem?: string; notice?: string; signedOut?: boolean;
  form?: { email?: string; accountKind?: AccountKind; organizationId?: string };
}) {
  const { ctx, form = {} } = props;
  const { i18n, branding } = usePageEnv();
  const { t } = i18n;
  const redeeming = Boolean(ctx.session.data.pendingCode);
  return (
    <Page ctx={ctx} title={t('accounts.signIn.title')}>
      <div class="auth">
        <h1>{t('accounts.signIn.title')}</h1>
        {props.signedOut ? <Alert kind="success" title={t('accounts.signIn.signedOut')} /> : null}
        {redeeming ? <p class="lead">{t('accounts.signIn.redeeming')}</p> : null}
        {ctx.account ? <Alert kind="info">{t('accounts.signIn.alreadySignedIn', { email: ctx.account.email, kind: kindLabel(i18n, ctx.account) })}</Alert> : null}
        {props.notice ? <Alert kind="info">{props.notice}</Alert> : null}
        <Card>
          <Form action="/signin" csrfToken={ctx.csrfToken} aria-label={t('accounts.signIn.title')}>
            {props.problem ? <Alert kind="error" title={t('accounts.signIn.notSignedIn')}>{props.problem}</Alert> : null}
            {form.accountKind ? <input type="hidden" name="accountKind" value={form.accountKind} /> : null}
            {form.organizationId ? <input type="hidden" name="organizationId" value={form.organizationId} /> : null}
            <TextField name="email" label={t('accounts.field.email')} type="email" autocomplete="username" value={form.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <TextField name="password" label={t('accounts.field.password')} type="password" autocomplete="current-password" required maxLength={256}
              error={props.problem ? t('accounts.signIn.checkPassword') : undefined} />
            <Actions><Button>{t('accounts.signIn.title')}</Button></Actions>
          </Form>
          <p class="auth__links small"><a href="/forgot-password">{t('accounts.signIn.forgotPassword')}</a></p>
        </Card>
        {/* Signed out, the header already has the one "Create account" link; two would be ambiguous. */}
        <p class="auth__switch">{t('accounts.signIn.newHere', { program: branding.programName })} <a href="/signup">{ctx.account ? t('accounts.signIn.createAccount') : t('accounts.signIn.createPersonal')}</a></p>
        <p class="small muted">{t('accounts.signIn.organizationQuestion')} <a href="/signin/organization">{t('accounts.signIn.organizationLink')}</a></p>
        <p class="small muted">{t('accounts.signIn.teamQuestion')} <a href="/signup/organization">{t('accounts.signIn.createOrganization')}</a></p>
      </div>
    </Page>
  );
}

function ChooserPage(props: { ctx: PageContext; pending: PendingChoice; problem?: string }) {
  const { ctx, pending } = props;
  const { t } = useT();
  return (
    <Page ctx={ctx} title={t('accounts.chooser.title')}>
      <div class="auth">
        <h1>{t('accounts.chooser.heading')}</h1>
        <p class="lead">{t('accounts.chooser.lead', { email: pending.email })}</p>
        {props.problem ? <Alert kind="error">{props.problem}</Alert> : null}
        <form method="post" action="/signin/choose" class="account-choices" aria-label={t('accounts.chooser.title')}>
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
                      {choice.kind === 'personal' ? t('accounts.choice.personal') : t('accounts.choice.work')}
                    </button>
                    <p class="account-choice__detail" id={detailId}>
                      {choice.organization
                        ? <Rich k="accounts.chooser.createdByOrganization" slot="organization"><strong>{choice.organization.name}</strong></Rich>
                        : t('accounts.chooser.createdByYou')}
                    </p>
                  </div>
                </li>
              );
            })}
          </ul>
        </form>
        <p class="small"><a href="/signin">{t('accounts.chooser.otherEmail')}</a></p>
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
  const { t } = useT();
  return (
    <Page ctx={ctx} title={t('accounts.forgot.title')}>
      <div class="auth">
        <h1>{t('accounts.forgot.heading')}</h1>
        {props.sentTo ? (
          <Alert kind="success" title={t('accounts.forgot.sentTitle')}>{t('accounts.forgot.sent', { email: props.sentTo })}</Alert>
        ) : <p class="lead">{t('accounts.forgot.lead')}</p>}
        <Card>
          <Form action="/forgot-password" csrfToken={ctx.csrfToken} aria-label={t('accounts.forgot.formLabel')}>
            <TextField name="email" label={t('accounts.field.email')} type="email" autocomplete="username" value={props.sentTo} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <Actions><Button>{t('accounts.forgot.submit')}</Button></Actions>
          </Form>
        </Card>
        <p class="auth__switch"><a href="/signin">{t('accounts.forgot.back')}</a></p>
      </div>
    </Page>
  );
}

function ResetPasswordPage(props: { ctx: PageContext; token: string; errors?: FieldErrors; problem?: string }) {
  const { ctx, errors = {} } = props;
  const { t } = useT();
  return (
    <Page ctx={ctx} title={t('accounts.reset.title')}>
      <div class="auth">
        <h1>{t('accounts.reset.title')}</h1>
        {props.problem && !errors.password ? <Alert kind="error">{props.problem}</Alert> : null}
        {props.token ? (
          <Card>
            <Form action="/reset-password" csrfToken={ctx.csrfToken} aria-label={t('accounts.reset.title')}>
              <input type="hidden" name="token" value={props.token} />
              <TextField name="password" label={t('accounts.reset.newPassword')} type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
                hint={t('accounts.reset.hint')} />
              <Actions><Button>{t('accounts.reset.submit')}</Button></Actions>
            </Form>
          </Card>
        ) : (
          <Alert kind="error" title={t('accounts.link.incomplete')}>
            <Rich k="accounts.reset.incomplete" slot="link"><a href="/forgot-password">{t('accounts.reset.askNewOne')}</a></Rich>
          </Alert>
        )}
      </div>
    </Page>
  );
}

function PasswordChangedPage(props: { ctx: PageContext }) {
  const { t } = useT();
  return (
    <Page ctx={props.ctx} title={t('accounts.changed.title')}>
      <div class="auth">
        <h1>{t('accounts.changed.title')}</h1>
        <Alert kind="success" title={t('accounts.changed.set')}>{t('accounts.changed.signedOut')}</Alert>
        <p><a class="button button--primary" href="/signin">{t('accounts.goToSignIn')}</a></p>
      </div>
    </Page>
  );
}
