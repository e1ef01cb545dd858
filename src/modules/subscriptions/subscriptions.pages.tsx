// Pages of Step 2 and the portal: the activation form (/activate/{redemptionId}, and /portal/trial for the
// free trial), the status page of a subscription with live progress, cancelling, the portal and "Add
// subscription". Every POST redirects and carries an idempotency key made when the form was shown, so
// double clicks, refreshes and the back button never make a second subscription.
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf, type FormRefusal } from '../../http/form-errors.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import {
  Actions, Alert, Badge, Button, Card, CountrySelect, Form, FormErrorSummary, LinkButton, Money, Steps, TextField,
  type FieldErrors,
} from '../../web/components.tsx';
import { SOURCE_LOCALE, type MessageKey, type Translator } from '../../i18n/catalogue.ts';
import { errorMessageOf } from '../../i18n/error-text.ts';
import { DomainError, type FieldError } from '../../lib/errors.ts';
import { richText } from '../../web/rich-text.tsx';
import { HelpLink } from '../../web/help-links.tsx';
import { Layout } from '../../web/layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import { consoleUrlOf } from '../settings/settings.service.ts';
import { RedeemSteps } from '../redemptions/redeem-steps.tsx';
import { CreditPanel, YourDataPanel, type UsagePoint } from './credit-panel.tsx';
import type { AccountView } from '../accounts/account-view.ts';
import { splitDisplayName, type ProfileField } from './activation-profile.ts';
import { allows, TERMINAL_STATUSES, type SubscriptionStatus } from './subscription-status.ts';
import type { ActivationRequest, Offer, PassForActivation, SubscriptionView } from './subscriptions.service.ts';
import { SingleLineText } from '../../http/schemas.ts';

const PROFILE_FIELDS: readonly ProfileField[] = ['firstName', 'lastName', 'email', 'country', 'phone', 'company', 'addressLine', 'city', 'postalCode'];
const SETUP_STEPS: readonly MessageKey[] = ['subs.setup.signedUp', 'subs.setup.settingUp', 'subs.setup.ready'];
const cancellable = (status: SubscriptionStatus) => allows('cancellation', status);
/** The service names profile fields `profile.<field>`; the form names them `<field>`. */
const PROFILE_PATHS = Object.fromEntries(PROFILE_FIELDS.map((field) => [`profile.${field}`, field]));

type ProfileValues = Record<ProfileField, string>;

const FORM_MAX_LENGTH = 2000;
const hidden = { hide: true } as const;
const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });
const RedemptionParams = Type.Object({ redemptionId: SingleLineText({ maxLength: 100 }) });
/** `again=1`: the owner entered this pass's code again, and the page says when they redeemed it. */
const AgainQuery = Type.Object({ again: Type.Optional(SingleLineText({ maxLength: 10 })) });
const ActivationForm = formBody(['idempotencyKey', ...PROFILE_FIELDS], FORM_MAX_LENGTH);
type ActivationFormBody = Static<typeof ActivationForm>;

export async function subscriptionPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { subscriptions, lifecycle, settings } = context.services;
  const { signedIn } = context.pages;

  const statusPath = (id: string) => `/subscriptions/${encodeURIComponent(id)}`;

  // ---- activating a pass ---------------------------------------------------------------

  pages.get('/activate/:redemptionId', { schema: { ...hidden, params: RedemptionParams, querystring: AgainQuery } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const pass = await subscriptions.passForActivation(account.id, request.params.redemptionId);
    const again = request.query.again === '1';
    if (pass.subscriptionId) return reply.redirect(`${statusPath(pass.subscriptionId)}${again ? '?again=1' : ''}`, 303);
    const ctx = await context.pages.pageContext(request, reply);
    if (pass.state === 'released') return sendPage(reply, <ReleasedPage ctx={ctx} />, 409);
    // Coming back (browser back button) asks again, and an activated pass then goes to its status page.
    reply.header('cache-control', 'no-store');
    return sendPage(reply, (
      <ActivatePassPage ctx={ctx} pass={pass} account={account} values={prefill(account, pass.country)} idempotencyKey={randomUUID()} redeemedAgain={again} />
    ));
  });

  pages.post('/activate/:redemptionId', { schema: { ...hidden, params: RedemptionParams, body: ActivationForm } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const pass = await subscriptions.passForActivation(account.id, request.params.redemptionId);
    const values = profileValues(request.body);
    const activation: ActivationRequest = { offer: 'pass', redemptionId: pass.redemptionId, profile: values };
    return submitActivation(request, reply, account, request.body, activation, pass.country, (ctx, errors, key, status) => (
      sendPage(reply, <ActivatePassPage ctx={ctx} pass={pass} account={account} values={values} idempotencyKey={key} errors={errors} />, status)
    ));
  });

  // ---- the free trial --------------------------------------------------------------------

  pages.get('/portal/trial', { schema: hidden }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const trial = await offerOf(account, 'free-trial');
    const existing = (await subscriptions.list(account.id)).find((s) => s.offer === 'free-trial');
    if (existing) return reply.redirect(statusPath(existing.id), 303);
    // The operator turned the trial off: the offers page says what there is instead.
    if (!trial) return reply.redirect('/portal/add', 303);
    const ctx = await context.pages.pageContext(request, reply);
    reply.header('cache-control', 'no-store');
    return sendPage(reply, <TrialPage ctx={ctx} offer={trial} account={account} values={prefill(account, account.country)} idempotencyKey={randomUUID()} />);
  });

  pages.post('/portal/trial', { schema: { ...hidden, body: ActivationForm } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const trial = await offerOf(account, 'free-trial');
    if (!trial) return reply.redirect('/portal/add', 303);
    const values = profileValues(request.body);
    return submitActivation(request, reply, account, request.body, { offer: 'free-trial', profile: values }, account.country, (ctx, errors, key, status) => (
      sendPage(reply, <TrialPage ctx={ctx} offer={trial} account={account} values={values} idempotencyKey={key} errors={errors} />, status)
    ));
  });

  type RenderForm = (ctx: PageContext, errors: FieldErrors, idempotencyKey: string, status: number) => unknown;

  /** Sign up: the subscription, or the form again with each error next to its field and the input kept. */
  async function submitActivation(
    request: FastifyRequest, reply: FastifyReply, account: AccountView, form: ActivationFormBody, activation: ActivationRequest,
    /** The country the profile must name: the pass's, or the account's for the trial. */
    country: string, render: RenderForm,
  ) {
    const key = formValue(form, 'idempotencyKey').trim() || randomUUID();
    try {
      const { subscription } = await subscriptions.activate(account, activation, { idempotencyKey: key, actor: actorOf(request), phoneRequired: true });
      return reply.redirect(statusPath(subscription.id), 303);
    } catch (error) {
      const refusal = refusalOf(error, reply, { paths: PROFILE_PATHS });
      // This form was already sent (a double click, or back and send again): show what the first one made.
      if (refusal.code === 'idempotency_key_reused' && typeof refusal.extra.subscriptionId === 'string') {
        return reply.redirect(statusPath(refusal.extra.subscriptionId), 303);
      }
      if (refusal.code === 'trial_already_used') {
        const trial = (await subscriptions.list(account.id)).find((s) => s.offer === 'free-trial');
        if (trial) return reply.redirect(statusPath(trial.id), 303);
      }
      const ctx = await context.pages.pageContext(request, reply);
      // A failed sign-up stored nothing, so the same key is safe to send again with corrected details.
      return render(ctx, profileErrors(error, refusal, request.pageEnv.i18n, country), key, refusal.status);
    }
  }

  /** The offer, unless it is not offered (the free trial when the operator turned it off). */
  async function offerOf(account: AccountView, id: Offer['id']): Promise<Offer | undefined> {
    return (await subscriptions.offers(account)).find((o) => o.id === id);
  }

  // ---- the status page ----------------------------------------------------------------------

  pages.get('/subscriptions/:id', { schema: { ...hidden, params: IdParams, querystring: AgainQuery } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const subscription = await subscriptions.get(account.id, request.params.id);
    const hasCredit = subscription.startsAt !== null && subscription.status !== 'deleted';
    const [byDay, byMeter] = hasCredit
      ? await Promise.all([lifecycle.usageSeries(account.id, subscription.id, 'day'), lifecycle.usageSeries(account.id, subscription.id, 'meter')])
      : [{ series: [] }, { series: [] }];
    const ctx = await context.pages.pageContext(request, reply);
    reply.header('cache-control', 'no-store');
    const usage = hasCredit ? { byDay: byDay.series, byMeter: byMeter.series, now: context.services.clock.now() } : undefined;
    const { consoleUrlTemplate } = await settings.branding();
    const consoleUrl = subscription.status === 'active' ? consoleUrlOf(consoleUrlTemplate, subscription.externalId) : null;
    const redeemedAt = request.query.again === '1' && subscription.redemptionId
      ? (await subscriptions.passForActivation(account.id, subscription.redemptionId)).redeemedAt : undefined;
    return sendPage(reply, <StatusPage ctx={ctx} subscription={subscription} email={account.email} usage={usage} consoleUrl={consoleUrl} redeemedAt={redeemedAt} />);
  });

  pages.get('/subscriptions/:id/cancel', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const subscription = await subscriptions.get(account.id, request.params.id);
    if (!cancellable(subscription.status)) return reply.redirect(statusPath(subscription.id), 303);
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <CancelPage ctx={ctx} subscription={subscription} />);
  });

  pages.post('/subscriptions/:id/cancel', { schema: { ...hidden, params: IdParams, body: formBody([], FORM_MAX_LENGTH) } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    try {
      await subscriptions.cancel(account, request.params.id, actorOf(request));
    } catch (error) {
      // No longer cancellable (it failed meanwhile): the status page says what it is now.
      if (refusalOf(error, reply).code !== 'conflict') throw error;
    }
    return reply.redirect(statusPath(request.params.id), 303);
  });

  // ---- the portal -------------------------------------------------------------------------------

  pages.get('/portal', { schema: hidden }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const [list, waiting, branding] = await Promise.all([subscriptions.list(account.id), subscriptions.awaitingActivation(account.id), settings.branding()]);
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <PortalPage ctx={ctx} subscriptions={list} waiting={waiting} consoleUrlTemplate={branding.consoleUrlTemplate} />);
  });

  pages.get('/portal/add', { schema: hidden }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const offers = await subscriptions.offers(account);
    const ctx = await context.pages.pageContext(request, reply);
    return sendPage(reply, <AddSubscriptionPage ctx={ctx} offers={offers} />);
  });
}

// ---- form values ------------------------------------------------------------------------------

function prefill(account: AccountView, country: string): ProfileValues {
  const { firstName, lastName } = splitDisplayName(account.displayName);
  return { firstName, lastName, email: account.email, country, phone: '', company: '', addressLine: '', city: '', postalCode: '' };
}

function profileValues(body: ActivationFormBody): ProfileValues {
  const values = {} as ProfileValues;
  for (const field of PROFILE_FIELDS) values[field] = formValue(body, field).slice(0, 400);
  return values;
}

/** What a field is called inside an error message ("Shorten the first name …"). */
const FIELD_NAMES: Record<ProfileField, MessageKey> = {
  firstName: 'subs.field.firstName', lastName: 'subs.field.lastName', email: 'subs.field.email', country: 'subs.field.country',
  phone: 'subs.field.phone', company: 'subs.field.company', addressLine: 'subs.field.addressLine', city: 'subs.field.city',
  postalCode: 'subs.field.postalCode',
};

/**
 * The refusal beside the profile fields it names, or over the whole form when it names none of them. The
 * service words them in English with English names in them (a field, a country); here they are put in the
 * page's language, names included.
 */
function profileErrors(error: unknown, refusal: FormRefusal, i18n: Translator, expectedCountry: string): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of PROFILE_FIELDS) if (refusal.fields[field]) errors[field] = refusal.fields[field];
  if (i18n.locale !== SOURCE_LOCALE && error instanceof DomainError) {
    for (const e of (error.extra.errors as FieldError[] | undefined) ?? []) {
      const field = PROFILE_PATHS[e.path];
      const known = field ? errorMessageOf(e.message) : undefined;
      if (!field || !known) continue;
      if ('label' in known.values) errors[field] = i18n.t(known.key, { ...known.values, label: i18n.t(FIELD_NAMES[field]) });
      else if ('country' in known.values) errors[field] = i18n.t(known.key, { ...known.values, country: i18n.country(expectedCountry) });
    }
  }
  if (Object.keys(errors).length === 0) errors.form = refusal.message;
  return errors;
}

// ---- words ------------------------------------------------------------------------------------

function DateText(props: { value: string }) {
  return <time datetime={props.value}>{useT().date(props.value)}</time>;
}

/** What a subscription is called: its campaign's name, or the free trial in the page's language. */
const nameOf = (i18n: Translator, s: Pick<SubscriptionView, 'offer' | 'name'>) => (s.offer === 'free-trial' ? i18n.t('subs.offer.trial') : s.name);

interface StatusWords {
  title: string;
  detail: string;
}

const STATUS_WORDS: Record<SubscriptionStatus, { title: MessageKey; detail: MessageKey }> = {
  pending: { title: 'subs.status.settingUp.title', detail: 'subs.status.pending.detail' },
  provisioning: { title: 'subs.status.settingUp.title', detail: 'subs.status.provisioning.detail' },
  active: { title: 'subs.status.active.title', detail: 'subs.status.active.detail' },
  failed: { title: 'subs.status.failed.title', detail: 'subs.status.failed.detail' },
  cancelled: { title: 'subs.status.cancelled.title', detail: 'subs.status.cancelled.detail' },
  disabled: { title: 'subs.status.disabled.title', detail: 'subs.status.disabled.detail' },
  expired: { title: 'subs.status.expired.title', detail: 'subs.status.expired.detail' },
  deleted: { title: 'subs.status.deleted.title', detail: 'subs.status.deleted.detail' },
};

/** The status in words, as the status page and the portal say it. */
export function statusWords(i18n: Translator, status: SubscriptionStatus): StatusWords {
  const words = STATUS_WORDS[status];
  return { title: i18n.t(words.title), detail: i18n.t(words.detail) };
}

const STATUS_LABELS: Record<SubscriptionStatus, MessageKey> = {
  pending: 'subs.label.settingUp', provisioning: 'subs.label.settingUp', active: 'subs.label.active', failed: 'subs.label.failed',
  cancelled: 'subs.label.cancelled', disabled: 'subs.label.disabled', expired: 'subs.label.expired', deleted: 'subs.label.deleted',
};

function StatusBadge(props: { status: SubscriptionStatus }) {
  return <Badge status={props.status} label={useT().t(STATUS_LABELS[props.status])} />;
}

// ---- pages: activation --------------------------------------------------------------------------

function PassSummary(props: { pass: PassForActivation }) {
  const { campaign } = props.pass;
  const i18n = useT();
  const { t } = i18n;
  return (
    <section class="pass-summary" aria-labelledby="pass-summary-title">
      <p class="pass-summary__eyebrow">{t('pass.eyebrow')}</p>
      <h2 class="pass-summary__name" id="pass-summary-title">{campaign.name}</h2>
      <p class="pass-summary__credit"><Money {...campaign.credit} /> <span>{t('pass.credit')}</span></p>
      <dl class="pass-summary__facts">
        <div><dt>{t('pass.validFor')}</dt><dd>{t('pass.validity', { days: campaign.validityDays })}</dd></div>
        <div><dt>{t('form.country')}</dt><dd>{i18n.country(props.pass.country)}</dd></div>
        <div><dt>{t('redeem.code.label')}</dt><dd class="mono">•••• {props.pass.codeLast4}</dd></div>
      </dl>
    </section>
  );
}

interface ProfileFormProps {
  ctx: PageContext;
  action: string;
  account: AccountView;
  values: ProfileValues;
  idempotencyKey: string;
  countryHint: string;
  errors?: FieldErrors;
}

function ProfileForm(props: ProfileFormProps) {
  const { values, account } = props;
  const i18n = useT();
  const { t } = i18n;
  const errors = props.errors ?? {};
  const { form: formError, ...fieldErrors } = errors;
  return (
    <>
      {account.emailVerified ? null : (
        <Alert kind="info" title={t('subs.form.verifyFirst.title')}>
          <p>{richText(i18n, 'subs.form.verifyFirst.text', { email: <strong class="break-anywhere">{account.email}</strong> })}</p>
        </Alert>
      )}
      <FormErrorSummary errors={fieldErrors} />
      {formError ? <Alert kind="error" title={t('people.refused')}>{formError}</Alert> : null}
      {formError || Object.values(fieldErrors).some(Boolean) ? <HelpLink slug="activate" anchor="match" label="help.link.activation" /> : null}
      <Form action={props.action} csrfToken={props.ctx.csrfToken} aria-label={t('subs.form.label')} class="profile-form">
        <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
        <div class="profile-form__names">
          <TextField name="firstName" label={t('subs.form.firstName')} value={values.firstName} error={errors.firstName} required autocomplete="given-name" maxLength={100} />
          <TextField name="lastName" label={t('subs.form.lastName')} value={values.lastName} error={errors.lastName} required autocomplete="family-name" maxLength={100} />
        </div>
        <TextField
          name="email" label={t('subs.form.email')} type="email" value={values.email} error={errors.email} required autocomplete="email"
          spellcheck={false} autoCapitalize="off" maxLength={254}
          hint={<>{richText(i18n, 'subs.form.email.hint', { email: <span class="break-anywhere">{account.email}</span> })}</>}
        />
        <CountrySelect value={values.country} error={errors.country} required hint={props.countryHint} />
        <TextField
          name="phone" label={t('subs.form.phone')} type="tel" value={values.phone} error={errors.phone} required autocomplete="tel" inputMode="tel"
          maxLength={32} hint={t('subs.form.phone.hint')}
        />
        <fieldset class="profile-form__optional">
          <legend>{t('subs.form.optionalGroup')} <span class="muted">{t('subs.form.optional')}</span></legend>
          <div class="form profile-form__group">
            <TextField name="company" label={t('subs.form.company')} value={values.company} error={errors.company} autocomplete="organization" maxLength={200} />
            <TextField name="addressLine" label={t('subs.form.addressLine')} value={values.addressLine} error={errors.addressLine} autocomplete="street-address" maxLength={200} />
            <div class="profile-form__names">
              <TextField name="city" label={t('subs.form.city')} value={values.city} error={errors.city} autocomplete="address-level2" maxLength={100} />
              <TextField name="postalCode" label={t('subs.form.postalCode')} value={values.postalCode} error={errors.postalCode} autocomplete="postal-code" maxLength={20} />
            </div>
          </div>
        </fieldset>
        <p class="small muted">{t('subs.form.noPayment')}</p>
        <Button>{t('subs.form.signUp')}</Button>
      </Form>
    </>
  );
}

/** "You redeemed this code on …": said where the owner lands after entering their own code again. */
function RedeemedAgain(props: { redeemedAt: string }) {
  const i18n = useT();
  return <Alert kind="info" title={i18n.t('subs.status.redeemedOn', { date: i18n.date(props.redeemedAt) })} />;
}

function ActivatePassPage(props: {
  ctx: PageContext; pass: PassForActivation; account: AccountView; values: ProfileValues; idempotencyKey: string; errors?: FieldErrors;
  /** Set when the owner entered this pass's code again. */
  redeemedAgain?: boolean;
}) {
  const { pass } = props;
  const i18n = useT();
  const { t } = i18n;
  return (
    <Layout title={t('subs.activate.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <RedeemSteps current="activate" />
      <h1>{t('subs.activate.title')}</h1>
      {props.redeemedAgain ? <RedeemedAgain redeemedAt={pass.redeemedAt} /> : null}
      <p class="lead">{t('subs.activate.lead')}</p>
      <PassSummary pass={pass} />
      <Card title={t('subs.form.label')}>
        <ProfileForm
          ctx={props.ctx} action={`/activate/${encodeURIComponent(pass.redemptionId)}`} account={props.account}
          values={props.values} idempotencyKey={props.idempotencyKey} errors={props.errors}
          countryHint={t('subs.activate.countryHint', { country: i18n.country(pass.country) })}
        />
      </Card>
    </Layout>
  );
}

function TrialPage(props: { ctx: PageContext; offer: Offer; account: AccountView; values: ProfileValues; idempotencyKey: string; errors?: FieldErrors }) {
  const { offer } = props;
  const i18n = useT();
  const { t } = i18n;
  return (
    <Layout title={t('subs.trial.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <p class="breadcrumb"><a href="/portal/add">← {t('subs.portal.add')}</a></p>
      <h1>{t('subs.trial.title')}</h1>
      {offer.credit ? (
        <p class="lead">{richText(i18n, 'subs.trial.lead', { credit: <Money {...offer.credit} /> }, { days: offer.days ?? 0 })}</p>
      ) : null}
      <Card title={t('subs.form.label')}>
        <ProfileForm
          ctx={props.ctx} action="/portal/trial" account={props.account} values={props.values}
          idempotencyKey={props.idempotencyKey} errors={props.errors}
          countryHint={t('subs.trial.countryHint', { country: i18n.country(props.account.country) })}
        />
      </Card>
    </Layout>
  );
}

function ReleasedPage(props: { ctx: PageContext }) {
  const { t } = useT();
  return (
    <Layout title={t('subs.released.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>{t('subs.released.title')}</h1>
      <p>{t('subs.released.text')}</p>
      <Actions>
        <LinkButton href="/redeem">{t('subs.enterCode')}</LinkButton>
        <LinkButton href="/portal" kind="secondary">{t('subs.yourSubscriptions')}</LinkButton>
      </Actions>
    </Layout>
  );
}

// ---- pages: status and cancel -------------------------------------------------------------------

function setupStep(status: SubscriptionStatus): number {
  if (status === 'active') return SETUP_STEPS.length;
  return 1;
}

function StatusPage(props: {
  ctx: PageContext; subscription: SubscriptionView; email: string; consoleUrl: string | null;
  /** Once it has started: its usage, for the credit panel. */
  usage?: { byDay: UsagePoint[]; byMeter: UsagePoint[]; now: Date };
  /** When its owner entered its pass's code again: the day they redeemed it. */
  redeemedAt?: string;
}) {
  const i18n = useT();
  const { t } = i18n;
  const { subscription } = props;
  const words = statusWords(i18n, subscription.status);
  const settingUp = !TERMINAL_STATUSES.has(subscription.status);
  const showSteps = settingUp || subscription.status === 'active';
  return (
    <Layout title={words.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      {/* Without JavaScript the page refreshes itself while setup runs; with it, status.js listens for changes instead. */}
      {settingUp ? <noscript><meta http-equiv="refresh" content="3" /></noscript> : null}
      <p class="breadcrumb"><a href="/portal">← {t('subs.yourSubscriptions')}</a></p>
      {props.redeemedAt ? <RedeemedAgain redeemedAt={props.redeemedAt} /> : null}
      <section
        class={`status-panel status-panel--${subscription.status}`}
        data-subscription-id={subscription.id} data-status={subscription.status} aria-labelledby="status-title"
        // status.js shows these as setup moves on, in the page's language.
        data-detail-pending={t('subs.status.pending.detail')} data-detail-provisioning={t('subs.status.provisioning.detail')}
      >
        <div class="status-panel__icon" aria-hidden="true">{settingUp ? <span class="status-spinner" /> : statusIcon(subscription.status)}</div>
        <div class="status-panel__text" aria-live="polite">
          <h1 id="status-title" class="status-panel__title" data-status-title>{words.title}</h1>
          <p class="status-panel__detail" data-status-detail>{words.detail}</p>
        </div>
      </section>
      {showSteps ? <Steps steps={SETUP_STEPS.map((key) => t(key))} current={setupStep(subscription.status)} label={t('subs.setup.label')} /> : null}
      {settingUp ? (
        <Alert kind="info" title={t('subs.status.leave.title')}>
          <p>{richText(i18n, 'subs.status.leave.text', { email: <strong class="break-anywhere">{props.email}</strong> })}</p>
        </Alert>
      ) : null}
      {subscription.status === 'active' ? (
        <Actions>
          <LinkButton href="/portal">{t('subs.status.goToPortal')}</LinkButton>
          {props.consoleUrl ? <LinkButton href={props.consoleUrl} kind="secondary">{t('people.portal.openConsole')}</LinkButton> : null}
        </Actions>
      ) : null}
      {subscription.status === 'failed' ? (
        <Actions>
          <LinkButton href="/support">{t('subs.status.supportCases')}</LinkButton>
          <LinkButton href="/portal" kind="secondary">{t('subs.yourSubscriptions')}</LinkButton>
        </Actions>
      ) : null}
      {subscription.status === 'failed' ? <HelpLink slug="status" anchor="failed" label="help.link.failed" /> : null}
      <Card title={nameOf(i18n, subscription)} class="subscription-details">
        <SubscriptionFacts subscription={subscription} />
      </Card>
      {props.usage ? <CreditPanel subscription={subscription} byDay={props.usage.byDay} byMeter={props.usage.byMeter} now={props.usage.now} /> : null}
      {props.usage ? <YourDataPanel subscription={subscription} now={props.usage.now} /> : null}
      {cancellable(subscription.status) ? (
        <p class="status-page__cancel"><a href={`/subscriptions/${encodeURIComponent(subscription.id)}/cancel`}>{t('subs.cancel.link')}</a></p>
      ) : null}
      {settingUp ? <script src="/assets/status.js" defer /> : null}
    </Layout>
  );
}

function statusIcon(status: SubscriptionStatus): string {
  if (status === 'active') return '✓';
  if (status === 'failed') return '!';
  return '–';
}

function SubscriptionFacts(props: { subscription: SubscriptionView }) {
  const { subscription: s } = props;
  const { t } = useT();
  return (
    <dl class="summary-list">
      <div><dt>{t('subs.facts.status')}</dt><dd><StatusBadge status={s.status} /></dd></div>
      <div><dt>{t('lifecycle.page.credit')}</dt><dd><Money {...s.credit.granted} /></dd></div>
      <div><dt>{t('lifecycle.page.creditRemaining')}</dt><dd><Money amount={Math.max(0, s.credit.remaining.amount)} currency={s.credit.currency} /></dd></div>
      <div>
        <dt>{s.endsAt ? t('subs.facts.ends') : t('pass.validFor')}</dt>
        <dd>{s.endsAt ? <DateText value={s.endsAt} /> : t('pass.validity', { days: s.validityDays })}</dd>
      </div>
      {s.startsAt ? <div><dt>{t('subs.facts.started')}</dt><dd><DateText value={s.startsAt} /></dd></div> : null}
      {s.externalId ? <div><dt>{t('subs.facts.externalId')}</dt><dd class="mono">{s.externalId}</dd></div> : null}
    </dl>
  );
}

function CancelPage(props: { ctx: PageContext; subscription: SubscriptionView }) {
  const { subscription } = props;
  const i18n = useT();
  const { t } = i18n;
  const path = `/subscriptions/${encodeURIComponent(subscription.id)}`;
  return (
    <Layout title={t('subs.cancel.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>{t('subs.cancel.title')}</h1>
      <p class="lead">
        {richText(i18n, 'subs.cancel.lead', { name: <strong>{nameOf(i18n, subscription)}</strong>, credit: <Money {...subscription.credit.remaining} /> })}
      </p>
      <Form action={`${path}/cancel`} csrfToken={props.ctx.csrfToken} aria-label={t('subs.cancel.formLabel')}>
        <Actions>
          <Button kind="danger">{t('subs.cancel.link')}</Button>
          <LinkButton href={path} kind="secondary">{t('subs.cancel.keep')}</LinkButton>
        </Actions>
      </Form>
    </Layout>
  );
}

// ---- pages: portal ----------------------------------------------------------------------------------

function PortalPage(props: { ctx: PageContext; subscriptions: SubscriptionView[]; waiting: PassForActivation[]; consoleUrlTemplate: string | null }) {
  const { subscriptions, waiting } = props;
  const { t } = useT();
  return (
    <Layout title={t('subs.yourSubscriptions')} account={props.ctx.account} csrfToken={props.ctx.csrfToken} width="wide">
      <div class="page-head">
        <h1>{t('subs.yourSubscriptions')}</h1>
        <LinkButton href="/portal/add">{t('subs.portal.add')}</LinkButton>
      </div>
      {waiting.map((pass) => (
        <Alert kind="info" title={t('subs.portal.waiting.title', { name: pass.campaign.name })}>
          <p>{t('subs.portal.waiting.text')} <a href={`/activate/${encodeURIComponent(pass.redemptionId)}`}>{t('subs.portal.waiting.activate', { name: pass.campaign.name })}</a></p>
          <HelpLink slug="activate" anchor="pending" label="help.link.pending" />
        </Alert>
      ))}
      {subscriptions.length === 0 ? <EmptyPortal hasWaiting={waiting.length > 0} /> : (
        <ul class="subscription-list">
          {subscriptions.map((s) => <li><SubscriptionCard subscription={s} consoleUrl={s.status === 'active' ? consoleUrlOf(props.consoleUrlTemplate, s.externalId) : null} /></li>)}
        </ul>
      )}
    </Layout>
  );
}

function SubscriptionCard(props: {
  subscription: SubscriptionView;
  /** The platform's console for this subscription, once the operator has set a console URL template. */
  consoleUrl: string | null;
}) {
  const { subscription: s } = props;
  const i18n = useT();
  const { t } = i18n;
  const name = nameOf(i18n, s);
  const href = `/subscriptions/${encodeURIComponent(s.id)}`;
  const titleId = `subscription-${s.id}`;
  const settingUp = s.status === 'pending' || s.status === 'provisioning';
  const usable = settingUp || s.status === 'active';
  return (
    <article class={`subscription-card${usable ? '' : ' subscription-card--ended'}`} aria-labelledby={titleId}>
      <div class="subscription-card__head">
        <h2 class="subscription-card__name" id={titleId}>{name}</h2>
        <StatusBadge status={s.status} />
      </div>
      {s.status === 'active' ? <CreditMeter subscription={s} /> : (
        <p class="subscription-card__remaining">
          <span class="subscription-card__amount"><Money {...(settingUp ? s.credit.granted : s.credit.remaining)} /></span>
          <span class="muted"> {settingUp ? t('subs.card.credit') : t('subs.card.unused')}</span>
        </p>
      )}
      {s.credit.remaining.amount < 0 ? (
        <p class="subscription-card__overage small">{t('lifecycle.page.overage')}: <Money amount={-s.credit.remaining.amount} currency={s.credit.currency} /></p>
      ) : null}
      <p class="subscription-card__dates small muted">{cardNote(i18n, s)}</p>
      <p class="subscription-card__link">
        <a href={href}>{settingUp ? t('subs.card.seeProgress') : t('subs.card.viewDetails')}<span class="visually-hidden"> {t('subs.card.ofName', { name })}</span></a>
      </p>
      {props.consoleUrl ? <OpenConsoleLink href={props.consoleUrl} name={name} /> : null}
    </article>
  );
}

/** The way into the cloud itself, when the operator set the console's address (Settings → Branding). */
function OpenConsoleLink(props: { href: string; name: string }) {
  const { t } = useT();
  return (
    <p class="subscription-card__console">
      <a class="button button--secondary" href={props.href} rel="noopener">{t('people.portal.openConsole')}<span class="visually-hidden"> {t('people.portal.forSubscription', { name: props.name })}</span></a>
    </p>
  );
}

function CreditMeter(props: { subscription: SubscriptionView }) {
  const { subscription: s } = props;
  const i18n = useT();
  const granted = s.credit.granted.amount;
  return (
    <>
      <p class="subscription-card__remaining">
        <span class="subscription-card__amount"><Money {...s.credit.remaining} /></span>
        <span class="muted"> {richText(i18n, 'subs.card.remainingOf', { total: <Money {...s.credit.granted} /> })}</span>
      </p>
      <progress
        class="subscription-card__meter" max={granted > 0 ? granted : 1} value={granted > 0 ? Math.max(0, s.credit.remaining.amount) : 0}
        aria-label={i18n.t('subs.card.meterLabel', { name: nameOf(i18n, s) })}
      />
    </>
  );
}

function cardNote(i18n: Translator, s: SubscriptionView): ComponentChildren {
  const { t } = i18n;
  switch (s.status) {
    case 'pending':
    case 'provisioning':
      return t('subs.card.settingUp', { days: s.validityDays });
    case 'active':
      return s.endsAt ? richText(i18n, 'subs.card.ends', { date: <DateText value={s.endsAt} /> }) : t('subs.card.validFor', { days: s.validityDays });
    case 'failed':
      return t('subs.status.failed.title');
    default:
      return s.endsAt
        ? richText(i18n, 'subs.card.wasValidUntil', { date: <DateText value={s.endsAt} /> }, { status: t(STATUS_LABELS[s.status]) })
        : statusWords(i18n, s.status).title;
  }
}

function EmptyPortal(props: { hasWaiting: boolean }) {
  const { t } = useT();
  return (
    <Card class="portal-empty">
      <h2>{t('subs.portal.empty.title')}</h2>
      <p>{props.hasWaiting ? t('subs.portal.empty.waiting') : t('subs.portal.empty.text')}</p>
      <Actions>
        <LinkButton href="/redeem">{t('subs.portal.empty.redeem')}</LinkButton>
        <LinkButton href="/portal/add" kind="secondary">{t('subs.portal.empty.offers')}</LinkButton>
      </Actions>
    </Card>
  );
}

function AddSubscriptionPage(props: { ctx: PageContext; offers: Offer[] }) {
  const pass = props.offers.find((o) => o.id === 'pass')!;
  const trial = props.offers.find((o) => o.id === 'free-trial');
  const waiting = pass.awaitingActivation ?? [];
  const i18n = useT();
  const { t } = i18n;
  return (
    <Layout title={t('subs.portal.add')} account={props.ctx.account} csrfToken={props.ctx.csrfToken} width="wide">
      <p class="breadcrumb"><a href="/portal">← {t('subs.yourSubscriptions')}</a></p>
      <h1>{t('subs.portal.add')}</h1>
      <p class="lead">{t('subs.add.lead')}</p>
      <div class="grid grid--2 offer-grid">
        <Card class="offer" title={t('subs.offer.pass')}>
          <p>{t('subs.offer.pass.description')}</p>
          {waiting.length > 0 ? (
            <div class="offer__waiting">
              <p class="offer__waiting-title">{t('subs.add.waiting')}</p>
              <ul>
                {waiting.map((w) => (
                  <li><a href={`/activate/${encodeURIComponent(w.redemptionId)}`}>{t('subs.add.continue', { name: w.campaign.name })}</a> (<Money {...w.campaign.credit} />)</li>
                ))}
              </ul>
            </div>
          ) : null}
          <Actions><LinkButton href="/redeem">{t('subs.enterCode')}</LinkButton></Actions>
        </Card>
        {trial ? <Card class="offer" title={t('subs.offer.trial')}>
          {trial.credit ? <p class="offer__credit"><Money {...trial.credit} /> <span class="muted">{t('subs.validFor', { days: trial.days ?? 0 })}</span></p> : null}
          <p>{t('subs.offer.trial.description')}</p>
          {trial.eligible
            ? <Actions><LinkButton href="/portal/trial">{t('subs.add.startTrial')}</LinkButton></Actions>
            : <p class="muted offer__used">{t('subs.add.trialUsed')}</p>}
        </Card> : null}
      </div>
    </Layout>
  );
}
