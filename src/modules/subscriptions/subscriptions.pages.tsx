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
import { countryName } from '../../lib/countries.ts';
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
const SETUP_STEPS = ['Signed up', 'Setting up', 'Ready'] as const;
const cancellable = (status: SubscriptionStatus) => allows('cancellation', status);
/** The service names profile fields `profile.<field>`; the form names them `<field>`. */
const PROFILE_PATHS = Object.fromEntries(PROFILE_FIELDS.map((field) => [`profile.${field}`, field]));

type ProfileValues = Record<ProfileField, string>;

const FORM_MAX_LENGTH = 2000;
const hidden = { hide: true } as const;
const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });
const RedemptionParams = Type.Object({ redemptionId: SingleLineText({ maxLength: 100 }) });
const ActivationForm = formBody(['idempotencyKey', ...PROFILE_FIELDS], FORM_MAX_LENGTH);
type ActivationFormBody = Static<typeof ActivationForm>;

export async function subscriptionPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { subscriptions, lifecycle, settings } = context.services;
  const { signedIn } = context.pages;

  const statusPath = (id: string) => `/subscriptions/${encodeURIComponent(id)}`;

  // ---- activating a pass ---------------------------------------------------------------

  pages.get('/activate/:redemptionId', { schema: { ...hidden, params: RedemptionParams } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const pass = await subscriptions.passForActivation(account.id, request.params.redemptionId);
    if (pass.subscriptionId) return reply.redirect(statusPath(pass.subscriptionId), 303);
    const ctx = await context.pages.pageContext(request, reply);
    if (pass.state === 'released') return sendPage(reply, <ReleasedPage ctx={ctx} />, 409);
    // Coming back (browser back button) asks again, and an activated pass then goes to its status page.
    reply.header('cache-control', 'no-store');
    return sendPage(reply, (
      <ActivatePassPage ctx={ctx} pass={pass} account={account} values={prefill(account, pass.country)} idempotencyKey={randomUUID()} />
    ));
  });

  pages.post('/activate/:redemptionId', { schema: { ...hidden, params: RedemptionParams, body: ActivationForm } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const pass = await subscriptions.passForActivation(account.id, request.params.redemptionId);
    const values = profileValues(request.body);
    const activation: ActivationRequest = { offer: 'pass', redemptionId: pass.redemptionId, profile: values };
    return submitActivation(request, reply, account, request.body, activation, (ctx, errors, key, status) => (
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
    return submitActivation(request, reply, account, request.body, { offer: 'free-trial', profile: values }, (ctx, errors, key, status) => (
      sendPage(reply, <TrialPage ctx={ctx} offer={trial} account={account} values={values} idempotencyKey={key} errors={errors} />, status)
    ));
  });

  type RenderForm = (ctx: PageContext, errors: FieldErrors, idempotencyKey: string, status: number) => unknown;

  /** Sign up: the subscription, or the form again with each error next to its field and the input kept. */
  async function submitActivation(
    request: FastifyRequest, reply: FastifyReply, account: AccountView, form: ActivationFormBody, activation: ActivationRequest, render: RenderForm,
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
      return render(ctx, profileErrors(refusal), key, refusal.status);
    }
  }

  /** The offer, unless it is not offered (the free trial when the operator turned it off). */
  async function offerOf(account: AccountView, id: Offer['id']): Promise<Offer | undefined> {
    return (await subscriptions.offers(account)).find((o) => o.id === id);
  }

  // ---- the status page ----------------------------------------------------------------------

  pages.get('/subscriptions/:id', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
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
    return sendPage(reply, <StatusPage ctx={ctx} subscription={subscription} email={account.email} usage={usage} consoleUrl={consoleUrl} />);
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

/** The refusal beside the profile fields it names, or over the whole form when it names none of them. */
function profileErrors(refusal: FormRefusal): FieldErrors {
  const errors: FieldErrors = {};
  for (const field of PROFILE_FIELDS) if (refusal.fields[field]) errors[field] = refusal.fields[field];
  if (Object.keys(errors).length === 0) errors.form = refusal.message;
  return errors;
}

// ---- words ------------------------------------------------------------------------------------

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' });

function DateText(props: { value: string }) {
  return <time datetime={props.value}>{dateFormat.format(new Date(props.value))}</time>;
}

const days = (n: number) => (n === 1 ? '1 day' : `${n} days`);

interface StatusWords {
  title: string;
  detail: string;
}

/** The status in words, as the status page and the portal say it. */
export function statusWords(status: SubscriptionStatus): StatusWords {
  switch (status) {
    case 'pending':
      return { title: 'Setting up your subscription…', detail: 'We have your sign-up and are starting to create your subscription.' };
    case 'provisioning':
      return { title: 'Setting up your subscription…', detail: 'Your subscription is being created on the cloud platform. This usually takes a minute or two.' };
    case 'active':
      return { title: 'Your subscription is active', detail: 'Everything is ready. Your credit is waiting for you in the portal.' };
    case 'failed':
      return { title: 'Setup failed — we opened a support case', detail: 'We could not create your subscription. Our support team has been told and will get back to you by email. Your pass and its credit are kept.' };
    case 'cancelled':
      return { title: 'This subscription is cancelled', detail: 'It was cancelled and its credit can no longer be used.' };
    case 'disabled':
      return { title: 'This subscription is disabled', detail: 'Its credit ran out or its end date passed.' };
    case 'expired':
      return { title: 'This subscription has ended', detail: 'Its end date has passed.' };
    case 'deleted':
      return { title: 'This subscription was deleted', detail: 'It ended and its resources were removed.' };
  }
}

const statusLabel: Record<SubscriptionStatus, string> = {
  pending: 'Setting up', provisioning: 'Setting up', active: 'Active', failed: 'Setup failed', cancelled: 'Cancelled',
  disabled: 'Disabled', expired: 'Ended', deleted: 'Deleted',
};

// ---- pages: activation --------------------------------------------------------------------------

function PassSummary(props: { pass: PassForActivation }) {
  const { campaign } = props.pass;
  return (
    <section class="pass-summary" aria-labelledby="pass-summary-title">
      <p class="pass-summary__eyebrow">Your pass</p>
      <h2 class="pass-summary__name" id="pass-summary-title">{campaign.name}</h2>
      <p class="pass-summary__credit"><Money {...campaign.credit} /> <span>credit</span></p>
      <dl class="pass-summary__facts">
        <div><dt>Valid for</dt><dd>{days(campaign.validityDays)} after setup</dd></div>
        <div><dt>Country</dt><dd>{countryName(props.pass.country)}</dd></div>
        <div><dt>Promo code</dt><dd class="mono">•••• {props.pass.codeLast4}</dd></div>
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
  const errors = props.errors ?? {};
  const { form: formError, ...fieldErrors } = errors;
  return (
    <>
      {account.emailVerified ? null : (
        <Alert kind="info" title="Confirm your email address first">
          <p>Open the link we emailed to <strong class="break-anywhere">{account.email}</strong>, then come back to this page to sign up.</p>
        </Alert>
      )}
      <FormErrorSummary errors={fieldErrors} />
      {formError ? <Alert kind="error" title="This did not work">{formError}</Alert> : null}
      {formError || Object.values(fieldErrors).some(Boolean) ? <HelpLink slug="activate" anchor="match" label="help.link.activation" /> : null}
      <Form action={props.action} csrfToken={props.ctx.csrfToken} aria-label="Your details" class="profile-form">
        <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
        <div class="profile-form__names">
          <TextField name="firstName" label="First name" value={values.firstName} error={errors.firstName} required autocomplete="given-name" maxLength={100} />
          <TextField name="lastName" label="Last name" value={values.lastName} error={errors.lastName} required autocomplete="family-name" maxLength={100} />
        </div>
        <TextField
          name="email" label="Email" type="email" value={values.email} error={errors.email} required autocomplete="email"
          spellcheck={false} autoCapitalize="off" maxLength={254}
          hint={<>Must be your account's email address: <span class="break-anywhere">{account.email}</span></>}
        />
        <CountrySelect value={values.country} error={errors.country} required hint={props.countryHint} />
        <TextField
          name="phone" label="Phone" type="tel" value={values.phone} error={errors.phone} required autocomplete="tel" inputMode="tel"
          maxLength={32} hint="Include the country code, for example +358 40 123 4567."
        />
        <fieldset class="profile-form__optional">
          <legend>Company and address <span class="muted">(optional)</span></legend>
          <div class="form profile-form__group">
            <TextField name="company" label="Company (optional)" value={values.company} error={errors.company} autocomplete="organization" maxLength={200} />
            <TextField name="addressLine" label="Address (optional)" value={values.addressLine} error={errors.addressLine} autocomplete="street-address" maxLength={200} />
            <div class="profile-form__names">
              <TextField name="city" label="City (optional)" value={values.city} error={errors.city} autocomplete="address-level2" maxLength={100} />
              <TextField name="postalCode" label="Postal code (optional)" value={values.postalCode} error={errors.postalCode} autocomplete="postal-code" maxLength={20} />
            </div>
          </div>
        </fieldset>
        <p class="small muted">No payment method is needed. Sign up creates your subscription; you can follow its progress on the next page.</p>
        <Button>Sign up</Button>
      </Form>
    </>
  );
}

function ActivatePassPage(props: { ctx: PageContext; pass: PassForActivation; account: AccountView; values: ProfileValues; idempotencyKey: string; errors?: FieldErrors }) {
  const { pass } = props;
  return (
    <Layout title="Activate your subscription" account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <RedeemSteps current="activate" />
      <h1>Activate your subscription</h1>
      <p class="lead">Your promo code is redeemed. Fill in your details to create the subscription.</p>
      <PassSummary pass={pass} />
      <Card title="Your details">
        <ProfileForm
          ctx={props.ctx} action={`/activate/${encodeURIComponent(pass.redemptionId)}`} account={props.account}
          values={props.values} idempotencyKey={props.idempotencyKey} errors={props.errors}
          countryHint={`This pass was redeemed for ${countryName(pass.country)}.`}
        />
      </Card>
    </Layout>
  );
}

function TrialPage(props: { ctx: PageContext; offer: Offer; account: AccountView; values: ProfileValues; idempotencyKey: string; errors?: FieldErrors }) {
  const { offer } = props;
  return (
    <Layout title="Start your free trial" account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <p class="breadcrumb"><a href="/portal/add">← Add subscription</a></p>
      <h1>Start your free trial</h1>
      <p class="lead">
        {offer.credit ? <><Money {...offer.credit} /> of credit for {days(offer.days ?? 0)}</> : null}, once per account. No payment method is needed.
      </p>
      <Card title="Your details">
        <ProfileForm
          ctx={props.ctx} action="/portal/trial" account={props.account} values={props.values}
          idempotencyKey={props.idempotencyKey} errors={props.errors}
          countryHint={`The country of your account: ${countryName(props.account.country)}.`}
        />
      </Card>
    </Layout>
  );
}

function ReleasedPage(props: { ctx: PageContext }) {
  return (
    <Layout title="This pass was released" account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>This pass was released</h1>
      <p>It is no longer bound to your account, so it cannot be activated here. If you still have the promo code, redeem it again.</p>
      <Actions>
        <LinkButton href="/redeem">Enter a promo code</LinkButton>
        <LinkButton href="/portal" kind="secondary">Your subscriptions</LinkButton>
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
}) {
  const { t } = useT();
  const { subscription } = props;
  const words = statusWords(subscription.status);
  const settingUp = !TERMINAL_STATUSES.has(subscription.status);
  const showSteps = settingUp || subscription.status === 'active';
  return (
    <Layout title={words.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      {/* Without JavaScript the page refreshes itself while setup runs; with it, status.js listens for changes instead. */}
      {settingUp ? <noscript><meta http-equiv="refresh" content="3" /></noscript> : null}
      <p class="breadcrumb"><a href="/portal">← Your subscriptions</a></p>
      <section
        class={`status-panel status-panel--${subscription.status}`}
        data-subscription-id={subscription.id} data-status={subscription.status} aria-labelledby="status-title"
      >
        <div class="status-panel__icon" aria-hidden="true">{settingUp ? <span class="status-spinner" /> : statusIcon(subscription.status)}</div>
        <div class="status-panel__text" aria-live="polite">
          <h1 id="status-title" class="status-panel__title" data-status-title>{words.title}</h1>
          <p class="status-panel__detail" data-status-detail>{words.detail}</p>
        </div>
      </section>
      {showSteps ? <Steps steps={SETUP_STEPS} current={setupStep(subscription.status)} label="Setting up your subscription" /> : null}
      {settingUp ? (
        <Alert kind="info" title="You can leave this page">
          <p>Setup carries on without you: refresh, close or come back whenever you like. We will email <strong class="break-anywhere">{props.email}</strong> when your subscription is ready.</p>
        </Alert>
      ) : null}
      {subscription.status === 'active' ? (
        <Actions>
          <LinkButton href="/portal">Go to portal</LinkButton>
          {props.consoleUrl ? <LinkButton href={props.consoleUrl} kind="secondary">{t('people.portal.openConsole')}</LinkButton> : null}
        </Actions>
      ) : null}
      {subscription.status === 'failed' ? (
        <Actions>
          <LinkButton href="/support">Your support cases</LinkButton>
          <LinkButton href="/portal" kind="secondary">Your subscriptions</LinkButton>
        </Actions>
      ) : null}
      {subscription.status === 'failed' ? <HelpLink slug="status" anchor="failed" label="help.link.failed" /> : null}
      <Card title={subscription.name} class="subscription-details">
        <SubscriptionFacts subscription={subscription} />
      </Card>
      {props.usage ? <CreditPanel subscription={subscription} byDay={props.usage.byDay} byMeter={props.usage.byMeter} now={props.usage.now} /> : null}
      {props.usage ? <YourDataPanel subscription={subscription} now={props.usage.now} /> : null}
      {cancellable(subscription.status) ? (
        <p class="status-page__cancel"><a href={`/subscriptions/${encodeURIComponent(subscription.id)}/cancel`}>Cancel subscription</a></p>
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
  return (
    <dl class="summary-list">
      <div><dt>Status</dt><dd><Badge status={s.status} label={statusLabel[s.status]} /></dd></div>
      <div><dt>Credit</dt><dd><Money {...s.credit.granted} /></dd></div>
      <div><dt>Credit remaining</dt><dd><Money amount={Math.max(0, s.credit.remaining.amount)} currency={s.credit.currency} /></dd></div>
      <div>
        <dt>{s.endsAt ? 'Ends' : 'Valid for'}</dt>
        <dd>{s.endsAt ? <DateText value={s.endsAt} /> : `${days(s.validityDays)} from setup`}</dd>
      </div>
      {s.startsAt ? <div><dt>Started</dt><dd><DateText value={s.startsAt} /></dd></div> : null}
      {s.externalId ? <div><dt>Subscription ID</dt><dd class="mono">{s.externalId}</dd></div> : null}
    </dl>
  );
}

function CancelPage(props: { ctx: PageContext; subscription: SubscriptionView }) {
  const { subscription } = props;
  const path = `/subscriptions/${encodeURIComponent(subscription.id)}`;
  return (
    <Layout title="Cancel subscription?" account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>Cancel subscription?</h1>
      <p class="lead">
        Cancelling ends <strong>{subscription.name}</strong> now. Its remaining credit of <Money {...subscription.credit.remaining} /> can
        no longer be used, and this cannot be undone.
      </p>
      <Form action={`${path}/cancel`} csrfToken={props.ctx.csrfToken} aria-label="Cancel the subscription">
        <Actions>
          <Button kind="danger">Cancel subscription</Button>
          <LinkButton href={path} kind="secondary">Keep subscription</LinkButton>
        </Actions>
      </Form>
    </Layout>
  );
}

// ---- pages: portal ----------------------------------------------------------------------------------

function PortalPage(props: { ctx: PageContext; subscriptions: SubscriptionView[]; waiting: PassForActivation[]; consoleUrlTemplate: string | null }) {
  const { subscriptions, waiting } = props;
  return (
    <Layout title="Your subscriptions" account={props.ctx.account} csrfToken={props.ctx.csrfToken} width="wide">
      <div class="page-head">
        <h1>Your subscriptions</h1>
        <LinkButton href="/portal/add">Add subscription</LinkButton>
      </div>
      {waiting.map((pass) => (
        <Alert kind="info" title={`${pass.campaign.name} is waiting to be activated`}>
          <p>You redeemed this pass but have not signed up for its subscription yet. <a href={`/activate/${encodeURIComponent(pass.redemptionId)}`}>Activate {pass.campaign.name}</a></p>
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
  const href = `/subscriptions/${encodeURIComponent(s.id)}`;
  const titleId = `subscription-${s.id}`;
  const settingUp = s.status === 'pending' || s.status === 'provisioning';
  const usable = settingUp || s.status === 'active';
  return (
    <article class={`subscription-card${usable ? '' : ' subscription-card--ended'}`} aria-labelledby={titleId}>
      <div class="subscription-card__head">
        <h2 class="subscription-card__name" id={titleId}>{s.name}</h2>
        <Badge status={s.status} label={statusLabel[s.status]} />
      </div>
      {s.status === 'active' ? <CreditMeter subscription={s} /> : (
        <p class="subscription-card__remaining">
          <span class="subscription-card__amount"><Money {...(settingUp ? s.credit.granted : s.credit.remaining)} /></span>
          <span class="muted"> {settingUp ? 'credit' : 'credit left unused'}</span>
        </p>
      )}
      {s.credit.remaining.amount < 0 ? (
        <p class="subscription-card__overage small">{useT().t('lifecycle.page.overage')}: <Money amount={-s.credit.remaining.amount} currency={s.credit.currency} /></p>
      ) : null}
      <p class="subscription-card__dates small muted">{cardNote(s)}</p>
      {props.consoleUrl && s.status === 'active' ? (
        <p class="subscription-card__console"><a href={props.consoleUrl}>{useT().t('lifecycle.page.openConsole')}<span class="visually-hidden"> ({s.name})</span></a></p>
      ) : null}
      <p class="subscription-card__link">
        <a href={href}>{settingUp ? 'See progress' : 'View details'}<span class="visually-hidden"> of {s.name}</span></a>
      </p>
      {props.consoleUrl ? <OpenConsoleLink href={props.consoleUrl} name={s.name} /> : null}
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
  const granted = s.credit.granted.amount;
  return (
    <>
      <p class="subscription-card__remaining">
        <span class="subscription-card__amount"><Money {...s.credit.remaining} /></span>
        <span class="muted"> remaining of <Money {...s.credit.granted} /></span>
      </p>
      <progress
        class="subscription-card__meter" max={granted > 0 ? granted : 1} value={granted > 0 ? Math.max(0, s.credit.remaining.amount) : 0}
        aria-label={`Credit remaining of ${s.name}`}
      />
    </>
  );
}

function cardNote(s: SubscriptionView): ComponentChildren {
  switch (s.status) {
    case 'pending':
    case 'provisioning':
      return `Setting up · valid for ${days(s.validityDays)} once ready`;
    case 'active':
      return s.endsAt ? <>Ends <DateText value={s.endsAt} /></> : `Valid for ${days(s.validityDays)}`;
    case 'failed':
      return 'Setup failed — we opened a support case';
    default:
      return s.endsAt ? <>{statusLabel[s.status]} · was valid until <DateText value={s.endsAt} /></> : statusWords(s.status).title;
  }
}

function EmptyPortal(props: { hasWaiting: boolean }) {
  return (
    <Card class="portal-empty">
      <h2>No subscriptions yet</h2>
      <p>
        {props.hasWaiting
          ? 'Activate the pass above to create your first subscription.'
          : 'Got a promo code on a pass or in an email? Redeem it to create a subscription with free credit. You can also start a free trial.'}
      </p>
      <Actions>
        <LinkButton href="/redeem">Redeem a promo code</LinkButton>
        <LinkButton href="/portal/add" kind="secondary">See all offers</LinkButton>
      </Actions>
    </Card>
  );
}

function AddSubscriptionPage(props: { ctx: PageContext; offers: Offer[] }) {
  const pass = props.offers.find((o) => o.id === 'pass')!;
  const trial = props.offers.find((o) => o.id === 'free-trial');
  const waiting = pass.awaitingActivation ?? [];
  return (
    <Layout title="Add subscription" account={props.ctx.account} csrfToken={props.ctx.csrfToken} width="wide">
      <p class="breadcrumb"><a href="/portal">← Your subscriptions</a></p>
      <h1>Add subscription</h1>
      <p class="lead">Choose an offer. None of them asks for a payment method or a credit card.</p>
      <div class="grid grid--2 offer-grid">
        <Card class="offer" title="Pass">
          <p>{pass.description}</p>
          {waiting.length > 0 ? (
            <div class="offer__waiting">
              <p class="offer__waiting-title">Redeemed and waiting for you:</p>
              <ul>
                {waiting.map((w) => (
                  <li><a href={`/activate/${encodeURIComponent(w.redemptionId)}`}>Continue with {w.campaign.name}</a> (<Money {...w.campaign.credit} />)</li>
                ))}
              </ul>
            </div>
          ) : null}
          <Actions><LinkButton href="/redeem">Enter a promo code</LinkButton></Actions>
        </Card>
        {trial ? <Card class="offer" title="Free trial">
          {trial.credit ? <p class="offer__credit"><Money {...trial.credit} /> <span class="muted">for {days(trial.days ?? 0)}</span></p> : null}
          <p>{trial.description}</p>
          {trial.eligible
            ? <Actions><LinkButton href="/portal/trial">Start free trial</LinkButton></Actions>
            : <p class="muted offer__used">You have already used your free trial.</p>}
        </Card> : null}
      </div>
    </Layout>
  );
}

