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
import { HelpLink } from '../../web/help-links.tsx';
import { noticeText } from '../../i18n/error-text.ts';
import { Layout } from '../../web/layout.tsx';
import { usePageEnv, useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { Session } from '../sessions/sessions.service.ts';
import { RedeemSteps, type RedeemStep } from './redeem-steps.tsx';
import type { CodeCheck, PassForActivation, RedemptionView } from './redemptions.service.ts';
import type { Translator } from '../../i18n/catalogue.ts';
import { SingleLineText } from '../../http/schemas.ts';

const CONFIRM_PATH = '/redeem/confirm';
const hidden = { hide: true } as const;
const RedeemForm = formBody(['code', 'country'], 200);
const RedeemQuery = Type.Object({ released: Type.Optional(SingleLineText({ maxLength: 10 })) });
const ConfirmQuery = Type.Object({ sent: Type.Optional(SingleLineText({ maxLength: 10 })) });
const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });

/**
 * Where a redemption continues: its activation form, or its subscription once activated. `again`: the owner
 * entered the code once more, and the page they land on says when they redeemed it.
 */
export function nextStepOf(redemption: Pick<RedemptionView, 'id' | 'state' | 'subscriptionId'>, options: { again?: boolean } = {}): string {
  const path = redemption.state === 'activated' && redemption.subscriptionId
    ? `/subscriptions/${encodeURIComponent(redemption.subscriptionId)}`
    : `/activate/${encodeURIComponent(redemption.id)}`;
  return options.again ? `${path}?again=1` : path;
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
      // Back from the activation form lands here: the pass redeemed a moment ago is waiting, and this says so.
      const waiting = request.account ? await redemptions.awaitingActivation(request.account.id) : [];
      return sendPage(reply, <RedeemPage ctx={ctx} released={released} waiting={waiting} values={{
        code: pending?.code ?? '', country: pending?.country ?? request.account?.country ?? '',
      }} />);
    });

    app.post('/redeem', { schema: { ...hidden, body: RedeemForm } }, async (request, reply) => {
      const ctx = await pages.pageContext(request, reply);
      const values = { code: request.body.code ?? '', country: (request.body.country ?? '').toUpperCase() };
      const errors: FieldErrors = {};
      const { t } = request.pageEnv.i18n;
      if (values.country === '') errors.country = t('redeem.error.country');
      if (values.code.trim() === '') errors.code = t('redeem.error.code');
      if (Object.keys(errors).length > 0) return sendPage(reply, <RedeemPage ctx={ctx} values={values} errors={errors} />, 400);

      try {
        const checked = await redemptions.check(values, guesserOf(request));
        if (checked.redemption) {
          await clearPending(ctx.session);
          return reply.redirect(nextStepOf(checked.redemption, { again: true }), 303);
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
        return reply.redirect(nextStepOf(checked.redemption, { again: true }), 303);
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
        return sendPage(reply, <RefusedPage ctx={ctx} refusal={refusal} signedIn title={request.pageEnv.i18n.t('redeem.release.refused')} />, refusal.status);
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
function fieldErrorsOf(refusal: FormRefusal | undefined, i18n: Translator): FieldErrors {
  const fields = { ...refusal?.fields };
  const validIn = refusal ? validInText(refusal, i18n) : undefined;
  if (validIn && fields.country) fields.country = `${fields.country} ${validIn}`;
  return fields;
}

/** Where a pass refused for a country can be redeemed, named in the page's language. */
function validInText(refusal: FormRefusal, i18n: Translator): string | undefined {
  const codes = refusal.code === 'country_not_eligible' ? refusal.extra.eligibleCountries : undefined;
  if (!Array.isArray(codes) || codes.length === 0) return undefined;
  const names = codes.filter((c): c is string => typeof c === 'string').map((c) => i18n.country(c));
  const countries = new Intl.ListFormat(i18n.locale, { type: 'conjunction' }).format(names);
  return i18n.t('subs.redeem.validIn', { count: names.length, countries });
}

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
  /** Passes this account redeemed and has not activated yet. */
  waiting?: PassForActivation[];
}) {
  const { ctx, values, refusal } = props;
  const i18n = useT();
  const { t } = i18n;
  const errors = { ...props.errors, ...fieldErrorsOf(refusal, i18n) };
  return (
    <Page ctx={ctx} title={t('redeem.title')} step="code">
      <h1>{t('redeem.title')}</h1>
      <p class="lead">{t('redeem.lead')}</p>
      {props.released ? <Alert kind="success" title={t('redeem.released.title')}>{t('redeem.released.text')}</Alert> : null}
      {props.waiting && props.waiting.length > 0 ? <WaitingPasses passes={props.waiting} /> : null}
      <FormErrorSummary errors={errors} />
      {refusal?.code === 'too_many_attempts' ? <Alert kind="error" title={t('redeem.wait')}>{refusal.message}</Alert> : null}
      {refusal?.code === 'conflict' ? <Alert kind="error">{refusal.message}</Alert> : null}
      {refusal?.code === 'code_already_used' ? <AlreadyUsedHelp signedIn={ctx.account !== null} /> : null}
      <Card>
        <Form action="/redeem" csrfToken={ctx.csrfToken} aria-label={t('redeem.form.label')}>
          <CountrySelect value={values.country} error={errors.country} required hint={t('redeem.country.hint')} />
          <TextField
            name="code" label={t('redeem.code.label')} value={values.code} error={errors.code} variant="code" required
            hint={t('redeem.code.hint')}
            autocomplete="off" autoCapitalize="characters" spellcheck={false} inputMode="text" maxLength={40}
          />
          {errors.code ? <HelpLink slug="promo-code" anchor={refusal?.code === 'invalid_code' ? 'unknown' : 'typo'} label="help.link.typo" /> : null}
          <Button>{t('redeem.submit')}</Button>
        </Form>
      </Card>
    </Page>
  );
}

function WaitingPasses(props: { passes: PassForActivation[] }) {
  const i18n = useT();
  const { t } = i18n;
  return (
    <Alert kind="info" title={t('subs.redeem.waiting.title')}>
      <ul class="redeem-waiting">
        {props.passes.map((pass) => (
          <li>
            {t('subs.redeem.waiting.item', { name: pass.campaign.name, date: i18n.date(pass.redeemedAt) })}{' '}
            <a href={`/activate/${encodeURIComponent(pass.redemptionId)}`}>{t('subs.add.continue', { name: pass.campaign.name })}</a>
          </li>
        ))}
      </ul>
      <p>{t('subs.redeem.waiting.text')}</p>
    </Alert>
  );
}

function AlreadyUsedHelp(props: { signedIn: boolean }) {
  const { t } = useT();
  return props.signedIn ? (
    <Alert kind="info" title={t('redeem.used.otherAccount.title')}>
      <p>{t('redeem.used.otherAccount.text')}</p>
      <p><a href="/redeem/switch-account">{t('redeem.useAnotherAccount')}</a></p>
      <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" />
    </Alert>
  ) : (
    <Alert kind="info" title={t('redeem.used.yourself.title')}>
      <p>{t('redeem.used.yourself.text')}</p>
      <p><a href="/signin">{t('redeem.used.signIn')}</a></p>
      <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" />
    </Alert>
  );
}

/** The pass the code carries: what a good code shows before anything else happens. */
function PassCard(props: { pass: CodeCheck }) {
  const { campaign } = props.pass;
  const i18n = useT();
  const { t } = i18n;
  return (
    <section class="pass" aria-labelledby="pass-title">
      <p class="pass__eyebrow">{t('pass.eyebrow')}</p>
      <h2 class="pass__name" id="pass-title">{campaign.name}</h2>
      <p class="pass__credit"><Money {...campaign.credit} /> <span class="pass__credit-label">{t('pass.credit')}</span></p>
      <dl class="pass__facts">
        <div><dt>{t('pass.validFor')}</dt><dd>{t('pass.validity', { days: campaign.validityDays })}</dd></div>
        <div><dt>{t('form.country')}</dt><dd>{i18n.country(props.pass.country)}</dd></div>
        <div class="pass__code"><dt>{t('redeem.code.label')}</dt><dd class="mono">{props.pass.code}</dd></div>
      </dl>
    </section>
  );
}

function SignInPage(props: { ctx: PageContext; pass?: CodeCheck; refusal?: FormRefusal }) {
  const { t } = useT();
  return (
    <Page ctx={props.ctx} title={t('redeem.signIn.title')} step="account">
      <h1>{t('redeem.signIn.title')}</h1>
      {props.refusal ? (
        <Alert kind="info" title={props.refusal.message}>
          <p>{t('redeem.signIn.usedText')}</p>
          <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" />
        </Alert>
      ) : (
        <Alert kind="success" title={t('redeem.signIn.valid')} />
      )}
      {props.pass ? <PassCard pass={props.pass} /> : null}
      <p>{t('redeem.signIn.where')}</p>
      <Actions>
        <LinkButton href="/signin">{t('layout.nav.signIn')}</LinkButton>
        <LinkButton href="/signup" kind="secondary">{t('layout.nav.createAccount')}</LinkButton>
      </Actions>
      <p class="small muted redeem-note">{t('redeem.signIn.waits')}</p>
    </Page>
  );
}

function VerifyEmailPage(props: { ctx: PageContext; pass: CodeCheck; email: string; sent: boolean }) {
  const { t } = useT();
  return (
    <Page ctx={props.ctx} title={t('redeem.verify.title')} step="account">
      <h1>{t('redeem.verify.title')}</h1>
      {props.sent ? <Alert kind="success" title={t('redeem.verify.sent')}>{t('redeem.verify.checkInbox', { email: props.email })}</Alert> : null}
      <p>{t('redeem.verify.before')} <strong>{props.email}</strong>{t('redeem.verify.after')}</p>
      <PassCard pass={props.pass} />
      <Form action="/redeem/resend-verification" csrfToken={props.ctx.csrfToken} aria-label={t('redeem.verify.resend')}>
        <Button kind="secondary">{t('redeem.verify.resendButton')}</Button>
      </Form>
      <p><a href="/redeem/switch-account">{t('redeem.useAnotherAccount')}</a></p>
    </Page>
  );
}

function ConfirmPage(props: { ctx: PageContext; pass: CodeCheck; account: NonNullable<FastifyRequest['account']>; notice?: string }) {
  const { account } = props;
  const { i18n } = usePageEnv();
  const { t } = i18n;
  return (
    <Page ctx={props.ctx} title={t('redeem.confirm.title')} step="confirm">
      <h1>{t('redeem.confirm.title')}</h1>
      {props.notice ? <Alert kind="success" title={noticeText(i18n, props.notice)} /> : null}
      <p class="lead">{t('redeem.confirm.lead')}</p>
      <Card title={t('redeem.confirm.account')} class="redeem-account">
        <dl class="summary-list">
          <div><dt>{t('redeem.confirm.email')}</dt><dd>{account.email}</dd></div>
          <div><dt>{t('redeem.confirm.kind')}</dt><dd>{account.kind === 'personal' ? t('account.kind.personal') : t('account.kind.organizational')}</dd></div>
          {account.organization ? <div><dt>{t('layout.nav.organization')}</dt><dd>{account.organization.name}</dd></div> : null}
        </dl>
        <p class="redeem-account__switch">{t('redeem.confirm.notRight')} <a href="/redeem/switch-account">{t('redeem.useAnotherAccount')}</a></p>
      </Card>
      <PassCard pass={props.pass} />
      <Form action={CONFIRM_PATH} csrfToken={props.ctx.csrfToken} aria-label={t('redeem.confirm.formLabel')}>
        <p class="small muted">{t('redeem.confirm.explain')}</p>
        <Button>{t('redeem.confirm.activate')}</Button>
      </Form>
    </Page>
  );
}

function RefusedPage(props: { ctx: PageContext; refusal: FormRefusal; signedIn: boolean; title?: string }) {
  const { refusal } = props;
  const i18n = useT();
  const { t } = i18n;
  const wait = refusal.code === 'too_many_attempts' || refusal.code === 'campaign_paused';
  const validIn = validInText(refusal, i18n);
  const title = props.title ?? (wait ? t('redeem.refused.later') : t('redeem.refused.title'));
  return (
    <Page ctx={props.ctx} title={title} step="confirm">
      <h1>{title}</h1>
      <Alert kind="error">{validIn ? `${refusal.message} ${validIn}` : refusal.message}</Alert>
      {refusal.code === 'pass_limit_reached' || refusal.code === 'code_already_used' ? (
        <p>{t('redeem.refused.otherAccount')}</p>
      ) : null}
      {refusal.code === 'code_already_used' ? <HelpLink slug="promo-code" anchor="already-used" label="help.link.alreadyUsed" /> : null}
      <Actions>
        <LinkButton href="/redeem">{t('redeem.refused.anotherCode')}</LinkButton>
        {props.signedIn ? <LinkButton href="/redeem/switch-account" kind="secondary">{t('redeem.useAnotherAccount')}</LinkButton> : null}
      </Actions>
    </Page>
  );
}

function SwitchAccountPage(props: { ctx: PageContext; hasPending: boolean }) {
  const account = props.ctx.account!;
  const { t } = useT();
  const kind = account.kind === 'personal' ? t('account.kind.personal')
    : account.organizationName ? t('account.kind.organizationalOf', { organization: account.organizationName }) : t('account.kind.organizational');
  return (
    <Page ctx={props.ctx} title={t('redeem.useAnotherAccount')} step="account">
      <h1>{t('redeem.useAnotherAccount')}</h1>
      <p>
        {t('redeem.switch.signedInAs')} <strong>{account.email}</strong> ({kind}).
      </p>
      <p>
        {t('redeem.switch.how')}
        {props.hasPending ? ` ${t('redeem.switch.codeWaits')}` : ''}
      </p>
      <Form action="/redeem/switch-account" csrfToken={props.ctx.csrfToken} aria-label={t('redeem.switch.button')}>
        <Button>{t('redeem.switch.button')}</Button>
      </Form>
      <p><a href={props.hasPending ? CONFIRM_PATH : '/redeem'}>{t('redeem.switch.keep')}</a></p>
    </Page>
  );
}

