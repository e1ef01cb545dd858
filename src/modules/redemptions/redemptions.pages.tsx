// Step 1 of the seed in the browser: /redeem (country and code), sign in or create an account on the way,
// /redeem/confirm (which account gets the pass), Activate. The code being redeemed waits, sealed, in the
// session, never in a URL; every GET page is derived again from the session and the database, and every
// POST redirects, so refreshing, going back and coming back later are all safe.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ComponentChildren } from 'preact';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf, type FormRefusal } from '../../http/form-errors.ts';
import { formBody, type PageContext } from '../../http/pages.tsx';
import {
  Actions, Alert, Button, Card, CountrySelect, Form, FormErrorSummary, LinkButton, Money, TextField,
  type FieldErrors,
} from '../../web/components.tsx';
import { countryName } from '../../lib/countries.ts';
import { HelpLink } from '../../web/help-links.tsx';
import { Layout } from '../../web/layout.tsx';
import { sendPage } from '../../web/render.ts';
import type { Session } from '../sessions/sessions.service.ts';
import { RedeemSteps, type RedeemStep } from './redeem-steps.tsx';
import type { CodeCheck, RedemptionView } from './redemptions.service.ts';
import { SingleLineText } from '../../http/schemas.ts';

const CONFIRM_PATH = '/redeem/confirm';
const hidden = { hide: true } as const;
const RedeemForm = formBody(['code', 'country'], 200);
const RedeemQuery = Type.Object({ released: Type.Optional(SingleLineText({ maxLength: 10 })) });
const ConfirmQuery = Type.Object({ sent: Type.Optional(SingleLineText({ maxLength: 10 })) });
const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });

/** Where a redemption continues: its activation form, or its subscription once activated. */
export function nextStepOf(redemption: Pick<RedemptionView, 'id' | 'state' | 'subscriptionId'>): string {
  return redemption.state === 'activated' && redemption.subscriptionId
    ? `/subscriptions/${encodeURIComponent(redemption.subscriptionId)}`
    : `/activate/${encodeURIComponent(redemption.id)}`;
}

/** FormRefusals that stay with the visitor: the pending code is kept, to try again later or with another account. */
const KEEP_PENDING = new Set(['too_many_attempts', 'campaign_paused', 'conflict']);

export function redemptionPages(context: ModuleContext) {
  const { services, pages, cookies } = context;
  const { redemptions, sessions } = services;

  // ---- the pending code in the session ------------------------------------------------

  function pendingOf(session: Session): { code: string; country: string } | undefined {
    const pending = session.data.pendingCode;
    if (!pending) return undefined;
    const code = redemptions.openPendingCode(pending.code);
    return code ? { code, country: pending.country } : undefined;
  }

  async function savePending(session: Session, code: string, country: string): Promise<void> {
    await sessions.saveData(session, {
      ...session.data, pendingCode: { code: redemptions.sealPendingCode(code), country }, returnTo: CONFIRM_PATH,
    });
  }

  async function clearPending(session: Session): Promise<void> {
    const { pendingCode: _code, returnTo, ...rest } = session.data;
    await sessions.saveData(session, returnTo === CONFIRM_PATH ? rest : { ...rest, returnTo });
  }

  /** The emailed link lands here ("Your email address is verified."): say it here, not later on another page. */
  async function takeNotice(session: Session): Promise<string | undefined> {
    const { notice, ...rest } = session.data;
    if (typeof notice !== 'string') return undefined;
    await sessions.saveData(session, rest);
    return notice;
  }

  async function comeBackHere(session: Session): Promise<void> {
    if (session.data.returnTo !== CONFIRM_PATH) await sessions.saveData(session, { ...session.data, returnTo: CONFIRM_PATH });
  }

  const guesserOf = (request: FastifyRequest) => ({
    accountId: request.account?.id ?? null, verified: request.account?.emailVerified ?? false, address: request.ip,
  });

  return async function routes(fastify: FastifyInstance) {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    // ---- /redeem ------------------------------------------------------------------------

    app.get('/redeem', { schema: { ...hidden, querystring: RedeemQuery } }, async (request, reply) => {
      const ctx = await pages.pageContext(request, reply);
      const pending = pendingOf(ctx.session);
      const released = request.query.released === '1';
      return sendPage(reply, <RedeemPage ctx={ctx} released={released} values={{
        code: pending?.code ?? '', country: pending?.country ?? request.account?.country ?? '',
      }} />);
    });

    app.post('/redeem', { schema: { ...hidden, body: RedeemForm } }, async (request, reply) => {
      const ctx = await pages.pageContext(request, reply);
      const values = { code: request.body.code ?? '', country: (request.body.country ?? '').toUpperCase() };
      const errors: FieldErrors = {};
      if (values.country === '') errors.country = 'Select your country.';
      if (values.code.trim() === '') errors.code = 'Enter the promo code from your pass.';
      if (Object.keys(errors).length > 0) return sendPage(reply, <RedeemPage ctx={ctx} values={values} errors={errors} />, 400);

      try {
        const checked = await redemptions.check(values, guesserOf(request));
        if (checked.redemption) {
          await clearPending(ctx.session);
          return reply.redirect(nextStepOf(checked.redemption), 303);
        }
        await savePending(ctx.session, checked.code, checked.country);
        return reply.redirect(CONFIRM_PATH, 303);
      } catch (error) {
        const refusal = refusalOf(error, reply);
        // Someone not signed in may be the one who redeemed it: signing in then resumes where they were.
        if (refusal.code === 'code_already_used' && !request.account) await savePending(ctx.session, values.code, values.country);
        return sendPage(reply, <RedeemPage ctx={ctx} values={values} refusal={refusal} />, refusal.status);
      }
    });

    // ---- /redeem/confirm ---------------------------------------------------------------

    app.get(CONFIRM_PATH, { schema: { ...hidden, querystring: ConfirmQuery } }, async (request, reply) => {
      const ctx = await pages.pageContext(request, reply);
      const pending = pendingOf(ctx.session);
      if (!pending) return reply.redirect('/redeem', 303);
      let checked: CodeCheck;
      try {
        checked = await redemptions.check(pending, guesserOf(request));
      } catch (error) {
        const refusal = refusalOf(error, reply);
        if (refusal.code === 'code_already_used' && !request.account) {
          await comeBackHere(ctx.session);
          return sendPage(reply, <SignInPage ctx={ctx} refusal={refusal} />);
        }
        if (!KEEP_PENDING.has(refusal.code)) await clearPending(ctx.session);
        return sendPage(reply, <RefusedPage ctx={ctx} refusal={refusal} signedIn={Boolean(request.account)} />, refusal.status);
      }
      if (checked.redemption) {
        await clearPending(ctx.session);
        return reply.redirect(nextStepOf(checked.redemption), 303);
      }
      // Sign-in, sign-up and the emailed link come back here.
      if (!request.account || !request.account.emailVerified) await comeBackHere(ctx.session);
      if (!request.account) return sendPage(reply, <SignInPage ctx={ctx} pass={checked} />);
      if (!request.account.emailVerified) {
        const sent = request.query.sent === '1';
        return sendPage(reply, <VerifyEmailPage ctx={ctx} pass={checked} email={request.account.email} sent={sent} />);
      }
      return sendPage(reply, <ConfirmPage ctx={ctx} pass={checked} account={request.account} notice={await takeNotice(ctx.session)} />);
    });

    // "Activate": binds the code to the signed-in account, through the same service as POST /api/v1/redemptions.
    app.post(CONFIRM_PATH, { schema: { ...hidden, body: formBody() } }, async (request, reply) => {
      const ctx = await pages.pageContext(request, reply);
      const pending = pendingOf(ctx.session);
      if (!pending) return reply.redirect('/redeem', 303);
      const account = request.account;
      if (!account || !account.emailVerified) return reply.redirect(CONFIRM_PATH, 303);
      try {
        const { redemption } = await redemptions.redeem(pending, {
          account: { id: account.id, emailVerified: account.emailVerified }, address: request.ip, actor: actorOf(request),
        });
        await clearPending(ctx.session);
        return reply.redirect(nextStepOf(redemption), 303);
      } catch (error) {
        const refusal = refusalOf(error, reply);
        if (!KEEP_PENDING.has(refusal.code)) await clearPending(ctx.session);
        return sendPage(reply, <RefusedPage ctx={ctx} refusal={refusal} signedIn />, refusal.status);
      }
    });

    app.post('/redeem/resend-verification', { schema: { ...hidden, body: formBody() } }, async (request, reply) => {
      if (request.account && !request.account.emailVerified) await services.accounts.resendVerification(request.account.email);
      return reply.redirect(`${CONFIRM_PATH}?sent=1`, 303);
    });

    // "Release this pass": a form other pages (the activation form) may offer before activation.
    app.post('/redeem/release/:id', { schema: { ...hidden, params: IdParams, body: formBody() } }, async (request, reply) => {
      const ctx = await pages.pageContext(request, reply);
      if (!request.account) return reply.redirect('/signin', 303);
      const { id } = request.params;
      try {
        await redemptions.releaseOwn(request.account.id, id, actorOf(request));
        return reply.redirect('/redeem?released=1', 303);
      } catch (error) {
        const refusal = refusalOf(error, reply);
        return sendPage(reply, <RefusedPage ctx={ctx} refusal={refusal} signedIn title="This pass cannot be released" />, refusal.status);
      }
    });

    // ---- "Use another account" -----------------------------------------------------------

    app.get('/redeem/switch-account', { schema: hidden }, async (request, reply) => {
      const ctx = await pages.pageContext(request, reply);
      if (!request.account) return reply.redirect('/signin', 303);
      return sendPage(reply, <SwitchAccountPage ctx={ctx} hasPending={pendingOf(ctx.session) !== undefined} />);
    });

    app.post('/redeem/switch-account', { schema: { ...hidden, body: formBody() } }, async (request, reply) => {
      const session = request.session;
      if (session?.accountId) {
        const fresh = await sessions.signOut(session, { keepData: true });
        if (fresh) {
          cookies.setSessionCookie(reply, fresh.token);
          // Signing in again comes back to the pending code (sign-in consumed the earlier returnTo).
          if (fresh.session.data.pendingCode) await sessions.saveData(fresh.session, { ...fresh.session.data, returnTo: CONFIRM_PATH });
        }
      }
      return reply.redirect('/signin', 303);
    });
  };
}

// ---- refusals ----------------------------------------------------------------------------

/** The fields a refusal shows beside; the ones no field can help with (waiting, a race) stand above the form. */
const fieldErrorsOf = (refusal: FormRefusal | undefined): FieldErrors => refusal?.fields ?? {};

// ---- pages -------------------------------------------------------------------------------

function Page(props: { ctx: PageContext; title: string; step: RedeemStep; children?: ComponentChildren }) {
  return (
    <Layout title={props.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <RedeemSteps current={props.step} />
      {props.children}
    </Layout>
  );
}

function RedeemPage(props: {
  ctx: PageContext; values: { code: string; country: string }; errors?: FieldErrors; refusal?: FormRefusal; released?: boolean;
}) {
  const { ctx, values, refusal } = props;
  const errors = { ...props.errors, ...fieldErrorsOf(refusal) };
  return (
    <Page ctx={ctx} title="Redeem your pass" step="code">
      <h1>Redeem your pass</h1>
      <p class="lead">Enter the promo code from your pass. You can sign in or create an account on the next step.</p>
      {props.released ? <Alert kind="success" title="The pass was released">Its code can be redeemed again, by you or by someone else.</Alert> : null}
      <FormErrorSummary errors={errors} />
      {refusal?.code === 'too_many_attempts' ? <Alert kind="error" title="Please wait a while">{refusal.message}</Alert> : null}
      {refusal?.code === 'conflict' ? <Alert kind="error">{refusal.message}</Alert> : null}
      {refusal?.code === 'code_already_used' ? <AlreadyUsedHelp signedIn={ctx.account !== null} /> : null}
      <Card>
        <Form action="/redeem" csrfToken={ctx.csrfToken} aria-label="Redeem a promo code">
          <CountrySelect value={values.country} error={errors.country} required hint="Where you will use the subscription." />
          <TextField
            name="code" label="Promo code" value={values.code} error={errors.code} variant="code" required
            hint="16 letters and digits, as printed on your pass. Lower case, spaces and hyphens are fine."
            autocomplete="off" autoCapitalize="characters" spellcheck={false} inputMode="text" maxLength={40}
          />
          {errors.code ? <HelpLink slug="promo-code" anchor={refusal?.code === 'invalid_code' ? 'unknown' : 'typo'} label="help.link.typo" /> : null}
          <Button>Submit</Button>
        </Form>
      </Card>
    </Page>
  );
}

function AlreadyUsedHelp(props: { signedIn: boolean }) {
  return props.signedIn ? (
    <Alert kind="info" title="Redeemed it with another account?">
      <p>Sign in with that account and enter the code again to continue where you left off.</p>
      <p><a href="/redeem/switch-account">Use another account</a></p>
      <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" />
    </Alert>
  ) : (
    <Alert kind="info" title="Did you redeem it yourself?">
      <p>Sign in with the account you used: you will continue where you left off.</p>
      <p><a href="/signin">Sign in to continue</a></p>
      <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" />
    </Alert>
  );
}

/** The pass the code carries: what a good code shows before anything else happens. */
function PassCard(props: { pass: CodeCheck }) {
  const { campaign } = props.pass;
  return (
    <section class="pass" aria-labelledby="pass-title">
      <p class="pass__eyebrow">Your pass</p>
      <h2 class="pass__name" id="pass-title">{campaign.name}</h2>
      <p class="pass__credit"><Money {...campaign.credit} /> <span class="pass__credit-label">credit</span></p>
      <dl class="pass__facts">
        <div><dt>Valid for</dt><dd>{days(campaign.validityDays)} after activation</dd></div>
        <div><dt>Country</dt><dd>{countryName(props.pass.country)}</dd></div>
        <div class="pass__code"><dt>Promo code</dt><dd class="mono">{props.pass.code}</dd></div>
      </dl>
    </section>
  );
}

function SignInPage(props: { ctx: PageContext; pass?: CodeCheck; refusal?: FormRefusal }) {
  return (
    <Page ctx={props.ctx} title="Sign in to receive your pass" step="account">
      <h1>Sign in to receive your pass</h1>
      {props.refusal ? (
        <Alert kind="info" title={props.refusal.message}>
          <p>If you redeemed it yourself, sign in with that account to continue where you left off.</p>
          <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" />
        </Alert>
      ) : (
        <Alert kind="success" title="Your code is valid" />
      )}
      {props.pass ? <PassCard pass={props.pass} /> : null}
      <p>The subscription is created in the account you sign in with: a personal account, or a work or school account of your organization.</p>
      <Actions>
        <LinkButton href="/signin">Sign in</LinkButton>
        <LinkButton href="/signup" kind="secondary">Create account</LinkButton>
      </Actions>
      <p class="small muted redeem-note">Your code waits here while you sign in, create an account or confirm your email address.</p>
    </Page>
  );
}

function VerifyEmailPage(props: { ctx: PageContext; pass: CodeCheck; email: string; sent: boolean }) {
  return (
    <Page ctx={props.ctx} title="Confirm your email address" step="account">
      <h1>Confirm your email address</h1>
      {props.sent ? <Alert kind="success" title="We sent a new link">Check the inbox of {props.email}.</Alert> : null}
      <p>We sent a link to <strong>{props.email}</strong>. Open it to confirm your address, and you will come back here to activate your pass.</p>
      <PassCard pass={props.pass} />
      <Form action="/redeem/resend-verification" csrfToken={props.ctx.csrfToken} aria-label="Send the confirmation link again">
        <Button kind="secondary">Send the link again</Button>
      </Form>
      <p><a href="/redeem/switch-account">Use another account</a></p>
    </Page>
  );
}

function ConfirmPage(props: { ctx: PageContext; pass: CodeCheck; account: NonNullable<FastifyRequest['account']>; notice?: string }) {
  const { account } = props;
  return (
    <Page ctx={props.ctx} title="Confirm your information" step="confirm">
      <h1>Confirm your information</h1>
      {props.notice ? <Alert kind="success" title={props.notice} /> : null}
      <p class="lead">The pass will be added to this account.</p>
      <Card title="Your account" class="redeem-account">
        <dl class="summary-list">
          <div><dt>Email</dt><dd>{account.email}</dd></div>
          <div><dt>Account type</dt><dd>{account.kind === 'personal' ? 'Personal account' : 'Organizational account'}</dd></div>
          {account.organization ? <div><dt>Organization</dt><dd>{account.organization.name}</dd></div> : null}
        </dl>
        <p class="redeem-account__switch">Not the right account? <a href="/redeem/switch-account">Use another account</a></p>
      </Card>
      <PassCard pass={props.pass} />
      <Form action={CONFIRM_PATH} csrfToken={props.ctx.csrfToken} aria-label="Activate the pass">
        <p class="small muted">Activate binds this code to your account. Next you fill in a short profile to create the subscription.</p>
        <Button>Activate</Button>
      </Form>
    </Page>
  );
}

function RefusedPage(props: { ctx: PageContext; refusal: FormRefusal; signedIn: boolean; title?: string }) {
  const { refusal } = props;
  const wait = refusal.code === 'too_many_attempts' || refusal.code === 'campaign_paused';
  const title = props.title ?? (wait ? 'Please try again later' : 'This pass cannot be redeemed');
  return (
    <Page ctx={props.ctx} title={title} step="confirm">
      <h1>{title}</h1>
      <Alert kind="error">{refusal.message}</Alert>
      {refusal.code === 'pass_limit_reached' || refusal.code === 'code_already_used' ? (
        <p>If you have another account that should receive this pass, sign in with that one.</p>
      ) : null}
      {refusal.code === 'code_already_used' ? <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" /> : null}
      <Actions>
        <LinkButton href="/redeem">Enter another code</LinkButton>
        {props.signedIn ? <LinkButton href="/redeem/switch-account" kind="secondary">Use another account</LinkButton> : null}
      </Actions>
    </Page>
  );
}

function SwitchAccountPage(props: { ctx: PageContext; hasPending: boolean }) {
  const account = props.ctx.account!;
  return (
    <Page ctx={props.ctx} title="Use another account" step="account">
      <h1>Use another account</h1>
      <p>
        You are signed in as <strong>{account.email}</strong>
        {' '}({account.kind === 'personal' ? 'Personal account' : `Organizational account${account.organizationName ? `, ${account.organizationName}` : ''}`}).
      </p>
      <p>
        Sign out, then sign in with the other account or create one.
        {props.hasPending ? ' Your promo code stays here and waits for you.' : ''}
      </p>
      <Form action="/redeem/switch-account" csrfToken={props.ctx.csrfToken} aria-label="Sign out and use another account">
        <Button>Sign out and use another account</Button>
      </Form>
      <p><a href={props.hasPending ? CONFIRM_PATH : '/redeem'}>Keep using this account</a></p>
    </Page>
  );
}

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);
