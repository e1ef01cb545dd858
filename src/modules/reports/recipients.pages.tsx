// Console pages for recipients: the list (search by email, filter by campaign and state, a page at a time,
// all of it as CSV), one recipient's passes, subscriptions and audit trail with "Release pass", "Extend end
// date" and "Add credit" on each subscription, and the people stuck between redeemed and activated with the
// one reminder each may be sent. End dates and credit change through the lifecycle service, the same call as
// PATCH /api/v1/subscriptions/{id}: it owns the status and the ledger, and audits the change.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf } from '../../http/form-errors.ts';
import { createNotices } from '../../http/notice.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { addMs, iso } from '../../lib/clock.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import { currencyDigits, formatMinorUnits, parseDecimalAmount } from '../../lib/money.ts';
import {
  Alert, Badge, Button, Card, fieldId, Form, FormErrorSummary, LinkButton, Money, SelectField, TableWrap, TextField, type FieldErrors,
} from '../../web/components.tsx';
import { Console } from '../../web/console-layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { AuditEventView } from '../audit/audit.service.ts';
import type { SubscriptionPatch } from '../lifecycle/lifecycle.service.ts';
import type { SubscriptionStatus } from '../subscriptions/subscription-status.ts';
import type { SubscriptionView } from '../subscriptions/subscriptions.service.ts';
import { recipientsCsv } from './recipients-csv.ts';
import { REDEMPTION_STATES, type RecipientPage, type RecipientStory, type RecipientView } from './recipients.service.ts';

const hidden = { hide: true } as const;
const ListQuery = Type.Object({
  email: Type.Optional(Type.String({ maxLength: 320 })),
  campaignId: Type.Optional(Type.String({ maxLength: 100 })),
  state: Type.Optional(Type.String({ maxLength: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
});
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const SubscriptionParams = Type.Object({ id: Type.String({ maxLength: 100 }), subscriptionId: Type.String({ maxLength: 100 }) });
const EndForm = formBody(['endsOn'], 100);
const CreditForm = formBody(['amount', 'reason'], 2000);

/** The API's limit on an adjustment's reason (PATCH /subscriptions/{id}). */
const MAX_REASON = 500;
/** One addition from the page: a million in the currency's major units; a slip of the finger (25000000 for 25.00) is refused. */
const MAX_CREDIT_MAJOR = 1_000_000;
/** How far ahead an end date may be moved from the page, like a campaign's longest validity. */
const MAX_END_DAYS = 3650;
const DAY_MS = 24 * 60 * 60 * 1000;

interface Filters { email: string; campaignId: string; state: string }

/** A subscription form sent back with what was typed and what is wrong with it. */
interface SubscriptionForm {
  subscriptionId: string;
  form: 'end' | 'credit';
  values: Record<string, string>;
  errors: FieldErrors;
}

/** Forms that change nothing any more: the subscription is gone, never ran, or was given up. */
const UNCHANGEABLE: ReadonlySet<SubscriptionStatus> = new Set<SubscriptionStatus>(['deleted', 'failed', 'cancelled']);

export async function recipientPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { recipients, campaigns, sessions, lifecycle, clock } = context.services;
  const notices = createNotices(sessions);

  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, request.pageEnv.i18n.t('people.forbidden'));

  pages.get('/admin/recipients', { schema: { ...hidden, querystring: ListQuery } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const filters: Filters = { email: request.query.email?.trim() ?? '', campaignId: request.query.campaignId ?? '', state: request.query.state ?? '' };
    const campaignList = (await campaigns.list()).map((c) => ({ value: c.id, label: c.name }));
    let page: RecipientPage = { items: [], nextCursor: null };
    let problem: string | undefined;
    try {
      page = await recipients.list({ ...filters, cursor: request.query.cursor });
    } catch (error) {
      problem = refusalOf(error, reply).message;
    }
    const notice = await notices.takeNotice(ctx.session);
    return sendPage(reply, (
      <RecipientsPage ctx={ctx} filters={filters} campaigns={campaignList} page={page} problem={problem} notice={notice} paged={Boolean(request.query.cursor)} />
    ), problem ? 400 : 200);
  });

  pages.get('/admin/recipients.csv', { schema: { ...hidden, querystring: ListQuery } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { email, campaignId, state } = request.query;
    const all = recipients.all({ email, campaignId, state });
    const first = await all.next();
    const stream = recipientsCsv((async function* () { if (!first.done) yield first.value; yield* all; })());
    return reply.type('text/csv; charset=utf-8').header('cache-control', 'no-store')
      .header('content-disposition', 'attachment; filename="recipients.csv"').send(stream);
  });

  pages.get('/admin/recipients/stuck', { schema: hidden }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const [stuck, notice] = [await recipients.stuck(), await notices.takeNotice(ctx.session)];
    return sendPage(reply, <StuckPage ctx={ctx} stuck={stuck} notice={notice} />);
  });

  pages.get('/admin/recipients/:id', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const story = await recipients.story(request.params.id);
    const notice = await notices.takeNotice(ctx.session);
    return sendPage(reply, <RecipientPageView ctx={ctx} story={story} notice={notice} />);
  });

  /**
   * One of the recipient's subscriptions changed through the lifecycle service (as PATCH /subscriptions/{id}),
   * as the operator, then back to their page with a notice; refused: their page again with the form's errors.
   */
  async function changeSubscription(
    request: FastifyRequest<{ Params: { id: string; subscriptionId: string } }>, reply: FastifyReply, form: SubscriptionForm['form'],
    values: Record<string, string>, patchOf: (subscription: SubscriptionView) => SubscriptionPatch,
    noticeOf: (before: SubscriptionView, after: SubscriptionView) => string,
  ) {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { id: accountId, subscriptionId } = request.params;
    const story = await recipients.story(accountId);
    const subscription = story.subscriptions.find((s) => s.id === subscriptionId);
    if (!subscription) throw new NotFoundError('This subscription');
    const { t } = request.pageEnv.i18n;
    // The page offers no change to these (the API still may): a form sent anyway is refused, not applied.
    if (UNCHANGEABLE.has(subscription.status)) {
      return sendPage(reply, <RefusedPage ctx={ctx} message={t('recipient.unchangeable')} back={recipientPath(accountId)} />, 409);
    }
    try {
      const updated = await lifecycle.updateSubscription(subscriptionId, patchOf(subscription), actorOf(request));
      return await notices.redirectWithNotice(reply, ctx.session, recipientPath(accountId), noticeOf(subscription, updated));
    } catch (error) {
      const refusal = refusalOf(error, reply, {
        paths: { endsAt: 'endsOn', 'creditAdjustment.amount': 'amount', 'creditAdjustment.reason': 'reason' },
        codes: { conflict: { field: 'endsOn', message: t('recipient.end.errors.notStarted') } },
      });
      const errors = Object.keys(refusal.fields).length > 0 ? refusal.fields : { [form === 'end' ? 'endsOn' : 'amount']: refusal.message };
      const fresh = await recipients.story(accountId);
      return sendPage(reply, <RecipientPageView ctx={ctx} story={fresh} form={{ subscriptionId, form, values, errors }} />, refusal.status);
    }
  }

  pages.post('/admin/recipients/:id/subscriptions/:subscriptionId/end', { schema: { ...hidden, params: SubscriptionParams, body: EndForm } }, async (request, reply) => {
    const { t, date } = request.pageEnv.i18n;
    const values = { endsOn: formValue(request.body, 'endsOn').trim() };
    return changeSubscription(request, reply, 'end', values,
      () => ({ endsAt: endOfDay(values.endsOn, clock.now(), t) }),
      (before, after) => t(after.status === 'active' && before.status !== 'active' ? 'recipient.end.savedActive' : 'recipient.end.saved', {
        name: after.name, date: after.endsAt ? date(after.endsAt) : values.endsOn,
      }));
  });

  pages.post('/admin/recipients/:id/subscriptions/:subscriptionId/credit', { schema: { ...hidden, params: SubscriptionParams, body: CreditForm } }, async (request, reply) => {
    const { t, money } = request.pageEnv.i18n;
    const values = { amount: formValue(request.body, 'amount').trim(), reason: formValue(request.body, 'reason').trim() };
    let added = 0;
    return changeSubscription(request, reply, 'credit', values,
      (subscription) => {
        const currency = subscription.credit.currency;
        added = creditToAdd(values, currency, money, t);
        return { creditAdjustment: { amount: added, reason: values.reason } };
      },
      (before, after) => t(after.status === 'active' && before.status !== 'active' ? 'recipient.credit.savedActive' : 'recipient.credit.saved', {
        amount: money({ amount: added, currency: after.credit.currency }), name: after.name, remaining: money(after.credit.remaining),
      }));
  });

  pages.post('/admin/recipients/passes/:id/release', { schema: { ...hidden, params: IdParams, body: formBody() } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { t } = request.pageEnv.i18n;
    try {
      const pass = await recipients.release(request.params.id, actorOf(request));
      return await notices.redirectWithNotice(reply, ctx.session, `/admin/recipients/${encodeURIComponent(pass.accountId)}`,
        t('people.recipient.released', { campaign: pass.campaignName, last4: pass.codeLast4 }));
    } catch (error) {
      const refusal = refusalOf(error, reply, { codes: { already_activated: { message: t('people.recipient.releaseActivated') } } });
      return sendPage(reply, <RefusedPage ctx={ctx} message={refusal.message} back="/admin/recipients" />, refusal.status);
    }
  });

  pages.post('/admin/recipients/passes/:id/remind', { schema: { ...hidden, params: IdParams, body: formBody() } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { t } = request.pageEnv.i18n;
    try {
      const pass = await recipients.remind(request.params.id, actorOf(request));
      return await notices.redirectWithNotice(reply, ctx.session, '/admin/recipients/stuck', t('people.stuck.reminded', { email: pass.email }));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return sendPage(reply, <RefusedPage ctx={ctx} message={refusal.message} back="/admin/recipients/stuck" />, refusal.status);
    }
  });
}

const recipientPath = (accountId: string) => `/admin/recipients/${encodeURIComponent(accountId)}`;

type T = FastifyRequest['pageEnv']['i18n']['t'];

/**
 * The date input's day (YYYY-MM-DD) as the end of that day in UTC, the instant the subscription stops; or the
 * form's error: not a day, before today (that would end it at once), or more than MAX_END_DAYS ahead.
 */
function endOfDay(day: string, now: Date, t: T): string {
  const fail = (message: string) => { throw new ValidationError([{ path: 'endsOn', message }]); };
  if (day === '') fail(t('recipient.end.errors.empty'));
  const midnight = /^\d{4}-\d{2}-\d{2}$/.test(day) ? new Date(`${day}T00:00:00.000Z`) : undefined;
  if (!midnight || Number.isNaN(midnight.getTime()) || iso(midnight).slice(0, 10) !== day) return fail(t('recipient.end.errors.invalid'));
  const today = iso(now).slice(0, 10);
  if (day < today) fail(t('recipient.end.errors.past'));
  if (day > iso(addMs(now, MAX_END_DAYS * DAY_MS)).slice(0, 10)) fail(t('recipient.end.errors.tooFar', { years: MAX_END_DAYS / 365 }));
  return `${day}T23:59:59.000Z`;
}

/** The amount typed (major units, "25.00") as positive minor units of the subscription's currency; or the form's errors. */
function creditToAdd(values: Record<string, string>, currency: string, money: FastifyRequest['pageEnv']['i18n']['money'], t: T): number {
  const errors: Array<{ path: string; message: string }> = [];
  // A decimal comma (25,50, as Finnish and much of Europe write it) reads as a point; 1,000 then has too many decimals for USD and is refused, never read as a thousand.
  const text = /^\d+,\d+$/.test(values.amount ?? '') ? values.amount!.replace(',', '.') : values.amount ?? '';
  const digits = currencyDigits(currency);
  const max = MAX_CREDIT_MAJOR * 10 ** digits;
  const shape = /^(\d+)(?:\.(\d+))?$/.exec(text);
  const parsed = parseDecimalAmount(text, currency);
  let amount = 0;
  if (text === '') errors.push({ path: 'amount', message: t('recipient.credit.errors.empty') });
  else if (/^[-−]/.test(text) || (parsed.ok && parsed.amount === 0)) errors.push({ path: 'amount', message: t('recipient.credit.errors.notPositive') });
  else if (!shape || (shape[2] ?? '').length > digits) {
    errors.push({ path: 'amount', message: t('recipient.credit.errors.invalid', { example: formatMinorUnits(25 * 10 ** digits, currency) }) });
  } else if (!parsed.ok || parsed.amount > max) errors.push({ path: 'amount', message: t('recipient.credit.errors.tooLarge', { max: money({ amount: max, currency }) }) });
  else amount = parsed.amount;
  const reason = values.reason ?? '';
  if (reason === '') errors.push({ path: 'reason', message: t('recipient.credit.errors.reason') });
  else if (reason.length > MAX_REASON) errors.push({ path: 'reason', message: t('recipient.credit.errors.reasonLong', { max: MAX_REASON }) });
  if (errors.length > 0) throw new ValidationError(errors);
  return amount;
}

// ---- views ------------------------------------------------------------------------------------

function RefusedPage(props: { ctx: PageContext; message: string; back: string }) {
  const { t } = useT();
  return (
    <Console ctx={props.ctx} current="/admin/recipients" title={t('console.nav.recipients')}>
      <Alert kind="error" title={t('people.refused')}><p>{props.message}</p></Alert>
      <p><a href={props.back}>{t('people.back')}</a></p>
    </Console>
  );
}

const query = (params: Record<string, string | undefined>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) search.set(k, v);
  const text = search.toString();
  return text ? `?${text}` : '';
};

function RecipientsPage(props: {
  ctx: PageContext; filters: Filters; campaigns: Array<{ value: string; label: string }>; page: RecipientPage; problem?: string; notice?: string; paged: boolean;
}) {
  const { t } = useT();
  const { filters, page } = props;
  const stateOptions = REDEMPTION_STATES.map((s) => ({ value: s, label: t(`people.state.${s}`) }));
  return (
    <Console ctx={props.ctx} current="/admin/recipients" title={t('console.nav.recipients')}>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      <Form action="/admin/recipients" method="get" class="recipient-search" aria-label={t('people.recipients.searchLabel')}>
        <TextField name="email" type="search" label={t('people.recipients.email')} value={filters.email} autocomplete="off" spellcheck={false} hint={t('people.recipients.emailHint')} />
        <SelectField name="campaignId" label={t('people.recipients.campaign')} value={filters.campaignId} options={props.campaigns} placeholder={t('people.recipients.anyCampaign')} />
        <SelectField name="state" label={t('people.recipients.state')} value={filters.state} options={stateOptions} placeholder={t('people.recipients.anyState')} />
        <Button>{t('people.recipients.search')}</Button>
      </Form>
      <p class="recipient-links">
        <a href={`/admin/recipients.csv${query({ ...filters })}`} download>{t('people.recipients.downloadCsv')}</a>
        {' · '}
        <a href="/admin/recipients/stuck">{t('people.stuck.link')}</a>
      </p>
      {props.problem ? <Alert kind="error">{props.problem}</Alert> : null}
      {page.items.length === 0 && !props.problem ? <p>{t(filters.email || filters.campaignId || filters.state ? 'people.recipients.noneMatch' : 'people.recipients.none')}</p> : null}
      {page.items.length > 0 ? <RecipientTable items={page.items} label={t('console.nav.recipients')} /> : null}
      <p>
        {props.paged ? <><a href={`/admin/recipients${query({ ...filters })}`}>{t('people.recipients.firstPage')}</a>{page.nextCursor ? ' · ' : ''}</> : null}
        {page.nextCursor ? <a href={`/admin/recipients${query({ ...filters, cursor: page.nextCursor })}`} rel="next">{t('people.recipients.nextPage')}</a> : null}
      </p>
    </Console>
  );
}

function CreditCell(props: { r: RecipientView }) {
  const { t } = useT();
  const { r } = props;
  if (!r.credit) return <span class="muted">–</span>;
  return <><Money {...r.credit.remaining} /> <span class="muted small">{t('people.recipients.ofGranted')} <Money {...r.credit.granted} /></span></>;
}

function RecipientTable(props: { items: RecipientView[]; label: string }) {
  const { t, date } = useT();
  return (
    <TableWrap label={props.label}>
      <table class="recipient-table">
        <thead><tr>
          <th scope="col">{t('people.recipients.account')}</th>
          <th scope="col">{t('people.recipients.organization')}</th>
          <th scope="col">{t('people.recipients.campaign')}</th>
          <th scope="col">{t('people.recipients.code')}</th>
          <th scope="col">{t('people.recipients.pass')}</th>
          <th scope="col">{t('people.recipients.subscription')}</th>
          <th scope="col">{t('people.recipients.creditRemaining')}</th>
          <th scope="col">{t('people.recipients.ends')}</th>
        </tr></thead>
        <tbody>
          {props.items.map((r) => (
            <tr>
              <td>
                <a href={`/admin/recipients/${encodeURIComponent(r.accountId)}`} class="break-anywhere">{r.email}</a>
                <br /><span class="muted small">{t(r.kind === 'personal' ? 'account.kind.personal' : 'account.kind.organizational')}</span>
              </td>
              <td>{r.organization?.name ?? <span class="muted">–</span>}</td>
              <td>{r.campaignName}</td>
              <td class="mono nowrap">…{r.codeLast4}</td>
              <td><Badge status={r.redemptionState} label={t(`people.state.${r.redemptionState}`)} /></td>
              <td>{r.subscriptionStatus ? <Badge status={r.subscriptionStatus} label={t(`recipient.status.${r.subscriptionStatus as SubscriptionStatus}`)} /> : <span class="muted">–</span>}</td>
              <td class="nowrap"><CreditCell r={r} /></td>
              <td class="nowrap">{r.endsAt ? <time dateTime={r.endsAt}>{date(r.endsAt)}</time> : <span class="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function RecipientPageView(props: { ctx: PageContext; story: RecipientStory; notice?: string; form?: SubscriptionForm }) {
  const { t, dateTime, country } = useT();
  const { account, passes, subscriptions, audit } = props.story;
  return (
    <Console ctx={props.ctx} current="/admin/recipients" title={account.email}>
      <p class="breadcrumb"><a href="/admin/recipients">← {t('console.nav.recipients')}</a></p>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      <Card title={t('people.recipient.account')}>
        <dl class="summary-list">
          <div><dt>{t('people.recipient.name')}</dt><dd>{account.displayName}</dd></div>
          <div><dt>{t('people.recipients.email')}</dt><dd class="break-anywhere">{account.email}</dd></div>
          <div><dt>{t('people.recipient.kind')}</dt><dd>{account.kind === 'personal' ? t('account.kind.personal') : account.organization ? t('account.kind.organizationalOf', { organization: account.organization.name }) : t('account.kind.organizational')}</dd></div>
          <div><dt>{t('people.recipient.country')}</dt><dd>{country(account.country)}</dd></div>
          <div><dt>{t('people.recipient.emailVerified')}</dt><dd>{account.emailVerified ? t('people.yes') : t('people.no')}</dd></div>
        </dl>
      </Card>
      <h2>{t('people.recipient.passes')}</h2>
      {passes.length === 0 ? <p>{t('people.recipient.noPasses')}</p> : (
        <ul class="console-cards">
          {passes.map((p) => (
            <li class="card">
              <h3 class="card__title">{p.campaignName} <span class="mono small muted">…{p.codeLast4}</span></h3>
              <p><Badge status={p.redemptionState} label={t(`people.state.${p.redemptionState}`)} /> {t('people.recipient.redeemedOn', { date: dateTime(p.redeemedAt) })}
                {p.activatedAt ? <> · {t('people.recipient.activatedOn', { date: dateTime(p.activatedAt) })}</> : null}
                {p.remindedAt ? <> · {t('people.stuck.remindedOn', { date: dateTime(p.remindedAt) })}</> : null}</p>
              {p.redemptionState === 'redeemed' ? (
                <Form action={`/admin/recipients/passes/${encodeURIComponent(p.redemptionId)}/release`} csrfToken={props.ctx.csrfToken} aria-label={t('people.recipient.releaseLabel', { campaign: p.campaignName })}>
                  <p class="small muted">{t('people.recipient.releaseHint')}</p>
                  <Button kind="danger">{t('people.recipient.release')}</Button>
                </Form>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <h2>{t('people.recipient.subscriptions')}</h2>
      {subscriptions.length === 0 ? <p>{t('people.recipient.noSubscriptions')}</p> : (
        <ul class="console-cards">
          {subscriptions.map((s) => (
            <SubscriptionCard ctx={props.ctx} accountId={account.id} subscription={s} form={props.form?.subscriptionId === s.id ? props.form : undefined} />
          ))}
        </ul>
      )}
      <h2>{t('people.recipient.history')}</h2>
      <History events={audit} />
    </Console>
  );
}

/** One subscription: its status, credit and end, and the operator's two changes to it. */
function SubscriptionCard(props: { ctx: PageContext; accountId: string; subscription: SubscriptionView; form?: SubscriptionForm }) {
  const { t, date } = useT();
  const s = props.subscription;
  const base = `${recipientPath(props.accountId)}/subscriptions/${encodeURIComponent(s.id)}`;
  const end = props.form?.form === 'end' ? props.form : undefined;
  const credit = props.form?.form === 'credit' ? props.form : undefined;
  // Each card's fields get ids of their own (two subscriptions, two "New end date" fields); the error summary links to them.
  const idOf = (name: string) => `${name}-${s.id}`;
  const summaryOf = (errors: FieldErrors) => Object.fromEntries(Object.entries(errors).map(([name, message]) => [idOf(name), message])) as FieldErrors;
  const currency = s.credit.currency;
  // What it had to spend: the grant and the credit added since (remaining + used), so added credit shows as "$125.50 of $125.50".
  const total = s.credit.remaining.amount + s.credit.used.amount;
  return (
    <li class="card" id={`subscription-${s.id}`}>
      <h3 class="card__title">{s.name} <span class="mono small muted">{s.id}</span></h3>
      <dl class="summary-list">
        <div><dt>{t('people.recipients.subscription')}</dt><dd><Badge status={s.status} label={t(`recipient.status.${s.status}`)} /></dd></div>
        <div><dt>{t('people.recipients.creditRemaining')}</dt><dd><Money {...s.credit.remaining} /> <span class="muted small">{t('people.recipients.ofGranted')} <Money amount={total} currency={currency} /></span></dd></div>
        <div><dt>{t('people.recipients.ends')}</dt><dd>{s.endsAt ? <time dateTime={s.endsAt}>{date(s.endsAt)}</time> : <span class="muted">{t('recipient.notStarted')}</span>}</dd></div>
      </dl>
      {UNCHANGEABLE.has(s.status) ? <p class="muted small">{t('recipient.unchangeable')}</p> : (
        <div class="grid grid--2">
          {s.endsAt ? (
            <section aria-labelledby={`end-title-${s.id}`}>
              <h4 id={`end-title-${s.id}`}>{t('recipient.end.title')}</h4>
              {end ? <FormErrorSummary errors={summaryOf(end.errors)} title={t('people.formProblem')} /> : null}
              <Form action={`${base}/end`} csrfToken={props.ctx.csrfToken} aria-label={t('recipient.end.label', { name: s.name })}>
                <TextField name="endsOn" id={fieldId(idOf('endsOn'))} type="date" label={t('recipient.end.field')} value={end?.values.endsOn ?? s.endsAt.slice(0, 10)}
                  error={end?.errors.endsOn} hint={t('recipient.end.hint')} required />
                <Button kind="secondary">{t('recipient.end.save')}</Button>
              </Form>
            </section>
          ) : null}
          <section aria-labelledby={`credit-title-${s.id}`}>
            <h4 id={`credit-title-${s.id}`}>{t('recipient.credit.title')}</h4>
            {credit ? <FormErrorSummary errors={summaryOf(credit.errors)} title={t('people.formProblem')} /> : null}
            <Form action={`${base}/credit`} csrfToken={props.ctx.csrfToken} aria-label={t('recipient.credit.label', { name: s.name })}>
              <TextField name="amount" id={fieldId(idOf('amount'))} label={t('recipient.credit.amount', { currency })} value={credit?.values.amount ?? ''}
                error={credit?.errors.amount} hint={t('recipient.credit.amountHint', { example: formatMinorUnits(25 * 10 ** currencyDigits(currency), currency) })} inputMode="decimal" autocomplete="off" required />
              <TextField name="reason" id={fieldId(idOf('reason'))} label={t('recipient.credit.reason')} value={credit?.values.reason ?? ''}
                error={credit?.errors.reason} hint={t('recipient.credit.reasonHint')} maxLength={MAX_REASON} autocomplete="off" required />
              <Button kind="secondary">{t('recipient.credit.save')}</Button>
            </Form>
          </section>
        </div>
      )}
    </li>
  );
}

function History(props: { events: AuditEventView[] }) {
  const { t, dateTime } = useT();
  if (props.events.length === 0) return <p>{t('people.recipient.noHistory')}</p>;
  return (
    <ol class="console-list recipient-history">
      {props.events.map((e) => (
        <li><time dateTime={e.at}>{dateTime(e.at)}</time> · <span class="mono small">{e.action}</span> · {e.actor.label}</li>
      ))}
    </ol>
  );
}

function StuckPage(props: { ctx: PageContext; stuck: RecipientView[]; notice?: string }) {
  const { t, dateTime } = useT();
  return (
    <Console ctx={props.ctx} current="/admin/recipients" title={t('people.stuck.title')}>
      <p class="breadcrumb"><a href="/admin/recipients">← {t('console.nav.recipients')}</a></p>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      <p class="lead">{t('people.stuck.intro')}</p>
      {props.stuck.length === 0 ? <p>{t('people.stuck.none')}</p> : (
        <ul class="console-cards">
          {props.stuck.map((r) => (
            <li class="card">
              <h2 class="card__title"><a href={`/admin/recipients/${encodeURIComponent(r.accountId)}`} class="break-anywhere">{r.email}</a></h2>
              <p>{r.campaignName} <span class="mono small muted">…{r.codeLast4}</span> · {t('people.recipient.redeemedOn', { date: dateTime(r.redeemedAt) })}</p>
              {r.remindedAt ? <p class="muted">{t('people.stuck.remindedOn', { date: dateTime(r.remindedAt) })}</p> : (
                <Form action={`/admin/recipients/passes/${encodeURIComponent(r.redemptionId)}/remind`} csrfToken={props.ctx.csrfToken} aria-label={t('people.stuck.remindLabel', { email: r.email })}>
                  <Button kind="secondary">{t('people.stuck.remind')}<span class="visually-hidden"> {r.email}</span></Button>
                </Form>
              )}
            </li>
          ))}
        </ul>
      )}
      <p><LinkButton href="/admin/recipients" kind="secondary">{t('console.nav.recipients')}</LinkButton></p>
    </Console>
  );
}
