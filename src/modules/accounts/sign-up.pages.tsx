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
import { sendPage } from '../../web/render.ts';
import { InvalidLinkPage } from './account-views.tsx';
import { SingleLineText } from '../../http/schemas.ts';

const hidden = { hide: true } as const;
const TokenQuery = Type.Object({ token: Type.Optional(SingleLineText({ maxLength: 500 })) });
const SignUpForm = formBody(['email', 'password', 'displayName', 'country']);
const EmailForm = formBody(['email']);
const TokenForm = formBody(['token']);

export async function signUpPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { accounts, sessions } = context.services;

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
    if (account.emailVerified) return reply.redirect(safeReturnTo(ctx.session.data.returnTo) ?? '/account', 303);
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
        const { returnTo, ...rest } = ctx.session.data;
        await sessions.saveData(ctx.session, { ...rest, notice: 'Your email address is verified.' });
        return reply.redirect(safeReturnTo(returnTo) ?? '/account', 303);
      }
      return sendPage(reply, <EmailVerifiedPage ctx={ctx} />);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return sendPage(reply, <InvalidLinkPage ctx={ctx} message={refusal.message} retry={{ href: '/signup/check-email', label: 'Send a new link' }} />, refusal.status);
    }
  });
}

// ---- views -----------------------------------------------------------------------------------

function SignUpPage(props: { ctx: PageContext; form?: { email?: string; displayName?: string; country?: string }; errors?: FieldErrors; problem?: string }) {
  const { ctx, form = {}, errors = {} } = props;
  const redeeming = Boolean(ctx.session.data.pendingCode);
  return (
    <Page ctx={ctx} title={Object.keys(errors).length ? 'Error: Create account' : 'Create account'}>
      <div class="auth">
        <h1>Create account</h1>
        <p class="lead">A personal account, with a new or an existing email address.</p>
        {redeeming ? <p>Your promo code stays pending: once you confirm your email address, you come back to your pass.</p> : null}
        <FormErrorSummary errors={errors} />
        {props.problem && Object.keys(errors).length === 0 ? <Alert kind="error">{props.problem}</Alert> : null}
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

