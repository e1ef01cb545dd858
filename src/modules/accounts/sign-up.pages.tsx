// Pages: creating a personal account, "check your email", and verifying the email with the emailed link.
// Forms work without JavaScript; errors sit next to the field they are about, with what was typed kept
// (never a password).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { formBody, formValue, safeReturnTo, type PageContext } from '../../http/pages.tsx';
import { refusalOf } from '../../http/form-errors.ts';
import { Actions, Alert, Button, Card, CountrySelect, Form, FormErrorSummary, TextField, type FieldErrors } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import { InvalidLinkPage, Rich } from './account-views.tsx';
import { destinationAfterSignIn } from './after-sign-in.ts';
import { SingleLineText } from '../../http/schemas.ts';

const hidden = { hide: true } as const;
const TokenQuery = Type.Object({ token: Type.Optional(SingleLineText({ maxLength: 500 })) });
const SignUpForm = formBody(['email', 'password', 'displayName', 'country']);
const EmailForm = formBody(['email']);
const TokenForm = formBody(['token']);

/** The pages that show a notice kept in the session through the catalogue; others would show it later, elsewhere. */
const SHOWS_NOTICE = new Set(['/account', '/redeem/confirm']);

export async function signUpPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions, redemptions } = context.services;

  pages.get('/signup', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    // On the way to redeeming a pass, the country picked for it is the likely one.
    return sendPage(reply, <SignUpPage ctx={ctx} form={{ country: ctx.session.data.pendingCode?.country }} />);
  });

  pages.post('/signup', { schema: { ...hidden, body: SignUpForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const form = { email: formValue(request.body, 'email'), displayName: formValue(request.body, 'displayName'), country: formValue(request.body, 'country') };
    try {
      const account = await accounts.createPersonalAccount({ ...form, password: formValue(request.body, 'password'), locale: request.pageEnv.i18n.locale });
      const { token } = await sessions.signIn(request.session ?? undefined, account.id);
      context.cookies.setSessionCookie(reply, token);
      return reply.redirect('/signup/check-email', 303);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return sendPage(reply, <SignUpPage ctx={ctx} form={form} errors={refusal.fields} problem={refusal.message} />, refusal.status);
    }
  });

  pages.get('/signup/check-email', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const account = await context.pages.signedIn(request, reply);
    if (!account) return reply;
    // Verified meanwhile (on another device, say): on to wherever signing in would have led.
    if (account.emailVerified) return reply.redirect(await destinationAfterSignIn(redemptions, ctx.session.data, account.id), 303);
    return sendPage(reply, <CheckEmailPage ctx={ctx} email={account.email} returnTo={safeReturnTo(ctx.session.data.returnTo)} />);
  });

  pages.post('/verify-email/resend', { schema: { ...hidden, body: EmailForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = request.account?.email ?? formValue(request.body, 'email').trim();
    await accounts.resendVerification(email);
    return sendPage(reply, <CheckEmailPage ctx={ctx} email={email} resent returnTo={safeReturnTo(ctx.session.data.returnTo)} />);
  });

  // Mail scanners fetch links, so opening the link only shows a button; verifying takes a POST.
  pages.get('/verify-email', { schema: { ...hidden, querystring: TokenQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <VerifyEmailPage ctx={ctx} token={request.query.token ?? ''} />);
  });

  pages.post('/verify-email', { schema: { ...hidden, body: TokenForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    try {
      const account = await accounts.verifyEmail(formValue(request.body, 'token'));
      if (request.account?.id === account.id) {
        const destination = await destinationAfterSignIn(redemptions, ctx.session.data, account.id);
        const { returnTo: _returnTo, ...rest } = ctx.session.data;
        await sessions.saveData(ctx.session, SHOWS_NOTICE.has(destination) ? { ...rest, notice: 'accounts.notice.emailVerified' } : rest);
        return reply.redirect(destination, 303);
      }
      // Opened on another device (or in another browser) than the one that is signed in.
      return sendPage(reply, <EmailVerifiedPage ctx={ctx} />);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      const retry = { href: '/signup/check-email', label: request.pageEnv.i18n.t('accounts.verify.sendNewLink') };
      return sendPage(reply, <InvalidLinkPage ctx={ctx} message={refusal.message} retry={retry} />, refusal.status);
    }
  });
}

// ---- views -----------------------------------------------------------------------------------

function SignUpPage(props: { ctx: PageContext; form?: { email?: string; displayName?: string; country?: string }; errors?: FieldErrors; problem?: string }) {
  const { ctx, form = {}, errors = {} } = props;
  const { t } = useT();
  const redeeming = Boolean(ctx.session.data.pendingCode);
  const title = t('accounts.signUp.title');
  return (
    <Page ctx={ctx} title={Object.keys(errors).length ? `${t('form.errorPrefix')} ${title}` : title}>
      <div class="auth">
        <h1>{title}</h1>
        <p class="lead">{t('accounts.signUp.lead')}</p>
        {redeeming ? <p>{t('accounts.signUp.redeeming')}</p> : null}
        <FormErrorSummary errors={errors} />
        {props.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{props.problem}</Alert> : null}
        <Card>
          <Form action="/signup" csrfToken={ctx.csrfToken} aria-label={title}>
            <TextField name="email" label={t('accounts.field.email')} type="email" autocomplete="email" value={form.email} error={errors.email} required autoCapitalize="none" spellcheck={false} maxLength={254} />
            <TextField name="password" label={t('accounts.field.password')} type="password" autocomplete="new-password" error={errors.password} required maxLength={256}
              hint={t('accounts.signUp.passwordHint')} />
            <TextField name="displayName" label={t('accounts.field.displayName')} autocomplete="name" value={form.displayName} error={errors.displayName} required maxLength={100} />
            <CountrySelect value={form.country?.trim().toUpperCase()} error={errors.country} required />
            <Actions><Button>{title}</Button></Actions>
          </Form>
        </Card>
        <p class="auth__switch">{t('accounts.signUp.haveAccount')} <a href="/signin">{t('accounts.signIn.title')}</a></p>
      </div>
    </Page>
  );
}

function CheckEmailPage(props: { ctx: PageContext; email: string; resent?: boolean; returnTo?: string }) {
  const { ctx } = props;
  const { t } = useT();
  return (
    <Page ctx={ctx} title={t('accounts.checkEmail.title')}>
      <div class="auth">
        <h1>{t('accounts.checkEmail.title')}</h1>
        {props.resent ? <Alert kind="success" title={t('accounts.checkEmail.resentTitle')}>{t('accounts.checkEmail.resentText')}</Alert> : null}
        <Card>
          <p><Rich k="accounts.checkEmail.sent" slot="email"><strong class="break">{props.email}</strong></Rich></p>
          {ctx.account ? (
            <p class="small muted">{ctx.session.data.pendingCode ? t('accounts.checkEmail.backToPass') : t('accounts.checkEmail.verifyToRedeem')}</p>
          ) : null}
          <Form action="/verify-email/resend" csrfToken={ctx.csrfToken} aria-label={t('accounts.checkEmail.resend')}>
            {ctx.account ? null : <input type="hidden" name="email" value={props.email} />}
            <Actions>
              <Button kind="secondary">{t('accounts.checkEmail.resend')}</Button>
              {props.returnTo
                ? <a class="button button--primary" href={props.returnTo}>{t('accounts.continue')}</a>
                : <a class="button button--primary" href="/account">{t('accounts.checkEmail.toAccount')}</a>}
            </Actions>
          </Form>
        </Card>
      </div>
    </Page>
  );
}

function VerifyEmailPage(props: { ctx: PageContext; token: string }) {
  const { ctx } = props;
  const { t } = useT();
  return (
    <Page ctx={ctx} title={t('accounts.verify.title')}>
      <div class="auth">
        <h1>{t('accounts.verify.heading')}</h1>
        {props.token ? (
          <Card>
            <p>{t('accounts.verify.lead')}</p>
            <Form action="/verify-email" csrfToken={ctx.csrfToken} aria-label={t('accounts.verify.title')}>
              <input type="hidden" name="token" value={props.token} />
              <Actions><Button>{t('accounts.verify.title')}</Button></Actions>
            </Form>
          </Card>
        ) : (
          <Alert kind="error" title={t('accounts.link.incomplete')}>{t('accounts.verify.incomplete')}</Alert>
        )}
      </div>
    </Page>
  );
}

/** Verified where nobody (or somebody else) is signed in: most often the link was opened on a second device. */
function EmailVerifiedPage(props: { ctx: PageContext }) {
  const { t } = useT();
  return (
    <Page ctx={props.ctx} title={t('accounts.verified.title')}>
      <div class="auth">
        <h1>{t('accounts.verified.heading')}</h1>
        <Alert kind="success" title={t('accounts.notice.emailVerified')} />
        <p>{t('accounts.verified.otherDevice')}</p>
        <p><a class="button button--primary" href="/signin">{t('accounts.goToSignIn')}</a></p>
      </div>
    </Page>
  );
}
