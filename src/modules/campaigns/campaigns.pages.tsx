// The operator console's campaign pages: the list with each campaign's funnel numbers, a new campaign
// (the CLI's fields), a campaign's page (its funnel, timeline and countries as charts with tables, the
// code batches and "Generate codes"), editing its name and redeem-by date, pausing, resuming and closing.
// Every form needs an operator admin's session and its CSRF token; every change is audited by the service.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf, type FormRefusal } from '../../http/form-errors.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { isCurrencyCode, parseDecimalAmount } from '../../lib/money.ts';
import { Chart } from '../../web/chart.tsx';
import {
  Actions, Alert, Badge, Button, Card, Form, FormErrorSummary, LinkButton, TextField, type FieldErrors,
} from '../../web/components.tsx';
import { Console } from '../../web/console-layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { Translator } from '../../i18n/catalogue.ts';
import type { Session } from '../sessions/sessions.service.ts';
import type { CampaignView } from './campaigns.service.ts';
import type { CampaignStatus } from './campaigns.table.ts';

const hidden = { hide: true } as const;
const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const DetailQuery = Type.Object({ by: Type.Optional(Type.String({ maxLength: 10 })) });
const CAMPAIGN_FIELDS = ['name', 'credit', 'currency', 'validityDays', 'redeemBy', 'countries', 'passesPerAccount'] as const;
const NewCampaignForm = formBody(CAMPAIGN_FIELDS, 2000);
const EditForm = formBody(['name', 'redeemBy'], 2000);
const StatusForm = formBody(['status'], 200);

type CampaignFormValues = Record<(typeof CAMPAIGN_FIELDS)[number], string>;
const EMPTY_FORM: CampaignFormValues = { name: '', credit: '', currency: 'USD', validityDays: '30', redeemBy: '', countries: '', passesPerAccount: '1' };

const campaignPath = (id: string) => `/admin/campaigns/${encodeURIComponent(id)}`;

/** A batch is generated on its own page (codes.pages.tsx); the campaign page carries its first form. */
export const generateCodesPath = (id: string) => `${campaignPath(id)}/codes`;

export async function campaignPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { campaigns, reports, codes, sessions } = context.services;
  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, request.pageEnv.i18n.t('console.forbidden'));

  async function flash(ctx: PageContext, notice: string) {
    await sessions.saveData(ctx.session, { ...ctx.session.data, consoleNotice: notice });
  }
  async function takeFlash(session: Session): Promise<string | undefined> {
    const { consoleNotice, ...rest } = session.data;
    if (typeof consoleNotice !== 'string') return undefined;
    await sessions.saveData(session, rest);
    return consoleNotice;
  }

  pages.get('/admin/campaigns', { schema: hidden }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const list = await campaigns.list();
    return sendPage(reply, <CampaignListPage ctx={ctx} campaigns={list} notice={await takeFlash(ctx.session)} />);
  });

  pages.get('/admin/campaigns/new', { schema: hidden }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    return sendPage(reply, <NewCampaignPage ctx={ctx} values={EMPTY_FORM} />);
  });

  pages.post('/admin/campaigns/new', { schema: { ...hidden, body: NewCampaignForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const values = Object.fromEntries(CAMPAIGN_FIELDS.map((f) => [f, formValue(request.body, f)])) as CampaignFormValues;
    const { t } = request.pageEnv.i18n;
    try {
      const created = await campaigns.create(campaignInput(values), actorOf(request));
      await flash(ctx, t('console.campaigns.created', { name: created.name }));
      return reply.redirect(campaignPath(created.id), 303);
    } catch (error) {
      const refusal = campaignRefusal(error, reply, t);
      return sendPage(reply, <NewCampaignPage ctx={ctx} values={values} errors={refusal.fields} />, refusal.status);
    }
  });

  pages.get('/admin/campaigns/:id', { schema: { ...hidden, params: IdParams, querystring: DetailQuery } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const by = request.query.by === 'hour' ? 'hour' : 'day';
    const id = request.params.id;
    const campaign = await campaigns.get(id);
    const [timeline, countries, batches] = await Promise.all([reports.timeline(id, by), reports.countries(id), codes.listBatches(id)]);
    reply.header('cache-control', 'no-store');
    return sendPage(reply, (
      <CampaignPage ctx={ctx} campaign={campaign} by={by} timeline={timeline} countries={countries} batches={batches} notice={await takeFlash(ctx.session)} />
    ));
  });

  pages.get('/admin/campaigns/:id/edit', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const campaign = await campaigns.get(request.params.id);
    return sendPage(reply, <EditCampaignPage ctx={ctx} campaign={campaign} values={{ name: campaign.name, redeemBy: campaign.redeemBy }} />);
  });

  pages.post('/admin/campaigns/:id/edit', { schema: { ...hidden, params: IdParams, body: EditForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const values = { name: formValue(request.body, 'name'), redeemBy: formValue(request.body, 'redeemBy').trim() };
    const { t } = request.pageEnv.i18n;
    try {
      const updated = await campaigns.update(request.params.id, values, actorOf(request));
      await flash(ctx, t('console.campaigns.saved', { name: updated.name }));
      return reply.redirect(campaignPath(updated.id), 303);
    } catch (error) {
      const refusal = campaignRefusal(error, reply, t);
      const campaign = await campaigns.get(request.params.id);
      return sendPage(reply, <EditCampaignPage ctx={ctx} campaign={campaign} values={values} errors={refusal.fields} />, refusal.status);
    }
  });

  // Closing is final, so it asks first; pausing and resuming are one click (and undo each other).
  pages.get('/admin/campaigns/:id/close', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const campaign = await campaigns.get(request.params.id);
    return sendPage(reply, <CloseCampaignPage ctx={ctx} campaign={campaign} />);
  });

  pages.post('/admin/campaigns/:id/status', { schema: { ...hidden, params: IdParams, body: StatusForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { t } = request.pageEnv.i18n;
    try {
      const updated = await campaigns.setStatus(request.params.id, formValue(request.body, 'status'), actorOf(request));
      await flash(ctx, t(`console.campaigns.statusChanged.${updated.status}`, { name: updated.name }));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      await flash(ctx, refusal.message);
    }
    return reply.redirect(campaignPath(request.params.id), 303);
  });
}

/** The form's text as the service's input: credit in the currency's decimals, countries comma-separated, like the CLI. */
function campaignInput(values: CampaignFormValues) {
  const currency = values.currency.trim().toUpperCase();
  let amount = Number.NaN;
  if (isCurrencyCode(currency)) {
    const parsed = parseDecimalAmount(values.credit.trim(), currency);
    if (parsed.ok && parsed.amount > 0) amount = parsed.amount;
  }
  const countries = values.countries.split(/[\s,;]+/).map((c) => c.trim()).filter(Boolean);
  const whole = (text: string) => (/^\s*\d{1,9}\s*$/.test(text) ? Number(text) : Number.NaN);
  return {
    name: values.name, credit: { amount, currency }, validityDays: whole(values.validityDays), redeemBy: values.redeemBy.trim(),
    countries: countries.length ? countries : null, passesPerAccount: values.passesPerAccount.trim() === '' ? 1 : whole(values.passesPerAccount),
  };
}

/** A campaign form's refusal, each field's message in the page's language. */
function campaignRefusal(error: unknown, reply: FastifyReply, t: Translator['t']): FormRefusal {
  const refusal = refusalOf(error, reply, { paths: { 'credit.amount': 'credit', 'credit.currency': 'currency' } });
  const fields: FieldErrors = {};
  const words: Record<string, Parameters<Translator['t']>[0]> = {
    name: 'console.campaigns.errors.name', credit: 'console.campaigns.errors.credit', currency: 'console.campaigns.errors.currency',
    validityDays: 'console.campaigns.errors.validityDays', redeemBy: 'console.campaigns.errors.redeemBy',
    countries: 'console.campaigns.errors.countries', passesPerAccount: 'console.campaigns.errors.passesPerAccount',
  };
  for (const [path, message] of Object.entries(refusal.fields)) {
    const field = path.startsWith('countries') ? 'countries' : path;
    const key = words[field];
    fields[field] ??= key ? t(key) : message;
  }
  if (Object.keys(fields).length === 0) fields.form = refusal.message;
  return { ...refusal, fields };
}

// ---- pages --------------------------------------------------------------------------------------

function Notice(props: { text?: string }) {
  return props.text ? <Alert kind="success">{props.text}</Alert> : null;
}

function StatusBadge(props: { status: CampaignStatus }) {
  const { t } = useT();
  return <Badge status={props.status} label={t(`console.campaigns.status.${props.status}`)} />;
}

function CampaignListPage(props: { ctx: PageContext; campaigns: CampaignView[]; notice?: string }) {
  const { t, number, date, money } = useT();
  return (
    <Console ctx={props.ctx} current="/admin/campaigns" title={t('console.campaigns.title')}>
      <Notice text={props.notice} />
      <p><LinkButton href="/admin/campaigns/new">{t('console.campaigns.new')}</LinkButton></p>
      {props.campaigns.length === 0 ? <p class="muted">{t('console.campaigns.none')}</p> : (
        <table class="table--stack console-table">
          <caption class="visually-hidden">{t('console.campaigns.title')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('console.campaigns.field.name')}</th>
              <th scope="col">{t('console.campaigns.field.status')}</th>
              {FUNNEL.map((f) => <th scope="col" class="num">{t(`console.campaigns.funnel.${f}`)}</th>)}
              <th scope="col">{t('console.campaigns.field.redeemBy')}</th>
            </tr>
          </thead>
          <tbody>
            {props.campaigns.map((c) => (
              <tr>
                <th scope="row" data-label={t('console.campaigns.field.name')}>
                  <a href={campaignPath(c.id)}>{c.name}</a>
                  <span class="small muted table--stack__sub">{money(c.credit)} · {t('console.campaigns.days', { days: c.validityDays })}</span>
                </th>
                <td data-label={t('console.campaigns.field.status')}><StatusBadge status={c.status} /></td>
                {FUNNEL.map((f) => <td class="num" data-label={t(`console.campaigns.funnel.${f}`)}>{number(c.stats[f])}</td>)}
                <td data-label={t('console.campaigns.field.redeemBy')}>{date(c.redeemBy)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Console>
  );
}

const FUNNEL = ['issued', 'redeemed', 'activated', 'revoked', 'expired'] as const;

function CampaignFields(props: { values: Partial<CampaignFormValues>; errors: FieldErrors; only?: ReadonlyArray<keyof CampaignFormValues> }) {
  const { t } = useT();
  const { values, errors } = props;
  const shown = (name: keyof CampaignFormValues) => !props.only || props.only.includes(name);
  return (
    <>
      {shown('name') ? <TextField name="name" label={t('console.campaigns.field.name')} value={values.name} error={errors.name} required maxLength={200} /> : null}
      {shown('credit') ? (
        <div class="form-row">
          <TextField name="credit" label={t('console.campaigns.field.credit')} value={values.credit} error={errors.credit} required inputMode="decimal" hint={t('console.campaigns.hint.credit')} />
          <TextField name="currency" label={t('console.campaigns.field.currency')} value={values.currency} error={errors.currency} required maxLength={3} autoCapitalize="characters" hint={t('console.campaigns.hint.currency')} />
        </div>
      ) : null}
      {shown('validityDays') ? <TextField name="validityDays" label={t('console.campaigns.field.validityDays')} value={values.validityDays} error={errors.validityDays} required inputMode="numeric" hint={t('console.campaigns.hint.validityDays')} /> : null}
      {shown('redeemBy') ? <TextField name="redeemBy" type="date" label={t('console.campaigns.field.redeemBy')} value={values.redeemBy} error={errors.redeemBy} required hint={t('console.campaigns.hint.redeemBy')} /> : null}
      {shown('countries') ? <TextField name="countries" label={t('console.campaigns.field.countries')} value={values.countries} error={errors.countries} autoCapitalize="characters" hint={t('console.campaigns.hint.countries')} /> : null}
      {shown('passesPerAccount') ? <TextField name="passesPerAccount" label={t('console.campaigns.field.passesPerAccount')} value={values.passesPerAccount} error={errors.passesPerAccount} inputMode="numeric" hint={t('console.campaigns.hint.passesPerAccount')} /> : null}
    </>
  );
}

function FormProblem(props: { errors: FieldErrors }) {
  const { t } = useT();
  const { form, ...fields } = props.errors;
  return (
    <>
      <FormErrorSummary errors={fields} title={t('console.form.problem')} />
      {form ? <Alert kind="error" title={t('console.form.didNotWork')}>{form}</Alert> : null}
    </>
  );
}

function NewCampaignPage(props: { ctx: PageContext; values: CampaignFormValues; errors?: FieldErrors }) {
  const { t } = useT();
  return (
    <Console ctx={props.ctx} current="/admin/campaigns" title={t('console.campaigns.new')}>
      <p class="breadcrumb"><a href="/admin/campaigns">← {t('console.campaigns.title')}</a></p>
      <FormProblem errors={props.errors ?? {}} />
      <Card>
        <Form action="/admin/campaigns/new" csrfToken={props.ctx.csrfToken} aria-label={t('console.campaigns.new')}>
          <CampaignFields values={props.values} errors={props.errors ?? {}} />
          <Actions><Button>{t('console.campaigns.create')}</Button></Actions>
        </Form>
      </Card>
    </Console>
  );
}

function EditCampaignPage(props: { ctx: PageContext; campaign: CampaignView; values: { name: string; redeemBy: string }; errors?: FieldErrors }) {
  const { t } = useT();
  const c = props.campaign;
  return (
    <Console ctx={props.ctx} current="/admin/campaigns" title={t('console.campaigns.edit', { name: c.name })}>
      <p class="breadcrumb"><a href={campaignPath(c.id)}>← {c.name}</a></p>
      <FormProblem errors={props.errors ?? {}} />
      <Card>
        <Form action={`${campaignPath(c.id)}/edit`} csrfToken={props.ctx.csrfToken} aria-label={t('console.campaigns.edit', { name: c.name })}>
          <CampaignFields values={props.values} errors={props.errors ?? {}} only={['name', 'redeemBy']} />
          <Actions>
            <Button>{t('console.campaigns.save')}</Button>
            <LinkButton href={campaignPath(c.id)} kind="secondary">{t('console.cancel')}</LinkButton>
          </Actions>
        </Form>
      </Card>
    </Console>
  );
}

function CloseCampaignPage(props: { ctx: PageContext; campaign: CampaignView }) {
  const { t, number } = useT();
  const c = props.campaign;
  return (
    <Console ctx={props.ctx} current="/admin/campaigns" title={t('console.campaigns.closeTitle', { name: c.name })}>
      <p class="breadcrumb"><a href={campaignPath(c.id)}>← {c.name}</a></p>
      <Alert kind="error" title={t('console.campaigns.closeWarningTitle')}>
        <p>{t('console.campaigns.closeWarning', { unredeemed: number(c.stats.issued - c.stats.redeemed - c.stats.revoked) })}</p>
      </Alert>
      <Form action={`${campaignPath(c.id)}/status`} csrfToken={props.ctx.csrfToken} aria-label={t('console.campaigns.closeTitle', { name: c.name })}>
        <input type="hidden" name="status" value="closed" />
        <Actions>
          <Button kind="danger">{t('console.campaigns.close')}</Button>
          <LinkButton href={campaignPath(c.id)} kind="secondary">{t('console.cancel')}</LinkButton>
        </Actions>
      </Form>
    </Console>
  );
}

interface CampaignPageProps {
  ctx: PageContext;
  campaign: CampaignView;
  by: 'day' | 'hour';
  timeline: Array<{ key: string; redeemed: number; activated: number }>;
  countries: Array<{ country: string; redeemed: number; activated: number }>;
  batches: Array<{ id: string; size: number; issued: number; redeemed: number; revoked: number; createdAt: string; createdBy: string }>;
  notice?: string;
}

function CampaignPage(props: CampaignPageProps) {
  const { t, number, date, money, country } = useT();
  const c = props.campaign;
  const path = campaignPath(c.id);
  return (
    <Console ctx={props.ctx} current="/admin/campaigns" title={c.name}>
      <p class="breadcrumb"><a href="/admin/campaigns">← {t('console.campaigns.title')}</a></p>
      <Notice text={props.notice} />
      <div class="campaign-head">
        <p class="campaign-head__status"><span class="visually-hidden">{t('console.campaigns.field.status')}: </span><StatusBadge status={c.status} /></p>
        {c.status !== 'closed' ? (
          <div class="campaign-head__actions">
            <Form action={`${path}/status`} csrfToken={props.ctx.csrfToken} class="inline-form">
              <input type="hidden" name="status" value={c.status === 'paused' ? 'active' : 'paused'} />
              <Button kind="secondary">{c.status === 'paused' ? t('console.campaigns.resume') : t('console.campaigns.pause')}</Button>
            </Form>
            <LinkButton href={`${path}/edit`} kind="secondary">{t('console.campaigns.editLink')}</LinkButton>
            <LinkButton href={`${path}/close`} kind="secondary">{t('console.campaigns.close')}</LinkButton>
          </div>
        ) : null}
      </div>
      {c.status === 'paused' ? <Alert kind="info">{t('console.campaigns.pausedNote')}</Alert> : null}

      <dl class="summary-list campaign-terms">
        <div><dt>{t('console.campaigns.field.credit')}</dt><dd>{money(c.credit)}</dd></div>
        <div><dt>{t('console.campaigns.field.validityDays')}</dt><dd>{t('console.campaigns.days', { days: c.validityDays })}</dd></div>
        <div><dt>{t('console.campaigns.field.redeemBy')}</dt><dd>{date(c.redeemBy)}</dd></div>
        <div><dt>{t('console.campaigns.field.countries')}</dt><dd>{c.countries ? c.countries.map((code) => country(code)).join(', ') : t('console.campaigns.everyCountry')}</dd></div>
        <div><dt>{t('console.campaigns.field.passesPerAccount')}</dt><dd>{number(c.passesPerAccount)}</dd></div>
      </dl>

      <section class="card" aria-labelledby="funnel-heading">
        <h2 class="card__title" id="funnel-heading">{t('console.campaigns.funnelHeading')}</h2>
        <Chart
          id="funnel" kind="bars" title={t('console.campaigns.funnelChart')} categoryHeading={t('console.campaigns.stage')}
          categories={FUNNEL.map((f) => t(`console.campaigns.funnel.${f}`))}
          series={[{ label: t('console.campaigns.codes'), values: FUNNEL.map((f) => c.stats[f]) }]}
          formatValue={number} empty={t('console.campaigns.noCodesYet')}
        />
      </section>

      <section class="card" aria-labelledby="timeline-heading">
        <h2 class="card__title" id="timeline-heading">{t('console.campaigns.timelineHeading')}</h2>
        <nav class="segmented" aria-label={t('console.campaigns.timelineBy')}>
          <a href={`${path}?by=day#timeline-heading`} aria-current={props.by === 'day' ? 'true' : undefined}>{t('console.campaigns.byDay')}</a>
          <a href={`${path}?by=hour#timeline-heading`} aria-current={props.by === 'hour' ? 'true' : undefined}>{t('console.campaigns.byHour')}</a>
        </nav>
        <Chart
          id="timeline" kind={props.timeline.length > 31 ? 'lines' : 'columns'}
          title={props.by === 'hour' ? t('console.campaigns.timelineChartHour') : t('console.campaigns.timelineChartDay')}
          categoryHeading={props.by === 'hour' ? t('console.campaigns.hour') : t('console.campaigns.day')}
          categories={props.timeline.map((p) => timeLabel(p.key, props.by))}
          series={[
            { label: t('console.campaigns.funnel.redeemed'), values: props.timeline.map((p) => p.redeemed) },
            { label: t('console.campaigns.funnel.activated'), values: props.timeline.map((p) => p.activated) },
          ]}
          formatValue={number} empty={t('console.campaigns.noRedemptionsYet')}
          tableSummary={props.timeline.length > 10 ? t('console.campaigns.showTable') : undefined}
        />
      </section>

      <section class="card" aria-labelledby="countries-heading">
        <h2 class="card__title" id="countries-heading">{t('console.campaigns.countriesHeading')}</h2>
        <Chart
          id="countries" kind="bars" title={t('console.campaigns.countriesChart')} categoryHeading={t('console.campaigns.country')}
          categories={props.countries.map((row) => country(row.country))}
          series={[
            { label: t('console.campaigns.funnel.redeemed'), values: props.countries.map((row) => row.redeemed) },
            { label: t('console.campaigns.funnel.activated'), values: props.countries.map((row) => row.activated) },
          ]}
          formatValue={number} empty={t('console.campaigns.noRedemptionsYet')}
        />
      </section>

      <section class="card" aria-labelledby="codes-heading" id="codes">
        <h2 class="card__title" id="codes-heading">{t('console.codes.heading')}</h2>
        {c.status === 'closed' ? <p class="muted">{t('console.codes.closedCampaign')}</p> : (
          <Form action={generateCodesPath(c.id)} csrfToken={props.ctx.csrfToken} aria-label={t('console.codes.generate')}>
            <TextField name="count" label={t('console.codes.count')} inputMode="numeric" required value="100" hint={t('console.codes.countHint')} />
            <Actions><Button>{t('console.codes.generate')}</Button></Actions>
          </Form>
        )}
        <h3>{t('console.codes.batches')}</h3>
        {props.batches.length === 0 ? <p class="muted">{t('console.codes.noBatches')}</p> : (
          <table class="table--stack console-table">
            <caption class="visually-hidden">{t('console.codes.batches')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('console.codes.batch')}</th>
                <th scope="col" class="num">{t('console.codes.size')}</th>
                <th scope="col" class="num">{t('console.codes.unredeemed')}</th>
                <th scope="col" class="num">{t('console.campaigns.funnel.redeemed')}</th>
                <th scope="col" class="num">{t('console.campaigns.funnel.revoked')}</th>
                <th scope="col"><span class="visually-hidden">{t('console.actions')}</span></th>
              </tr>
            </thead>
            <tbody>
              {props.batches.map((b) => (
                <tr>
                  <th scope="row" data-label={t('console.codes.batch')}>
                    <span class="mono">{b.id.slice(0, 8)}</span>
                    <span class="small muted table--stack__sub">{t('console.codes.generatedBy', { when: shortDateTime(b.createdAt), who: b.createdBy })}</span>
                  </th>
                  <td class="num" data-label={t('console.codes.size')}>{number(b.size)}</td>
                  <td class="num" data-label={t('console.codes.unredeemed')}>{number(b.issued)}</td>
                  <td class="num" data-label={t('console.campaigns.funnel.redeemed')}>{number(b.redeemed)}</td>
                  <td class="num" data-label={t('console.campaigns.funnel.revoked')}>{number(b.revoked)}</td>
                  <td data-label={t('console.actions')}>
                    {b.issued > 0
                      ? <a href={`/admin/codes/batches/${encodeURIComponent(b.id)}/revoke`}>{t('console.codes.revokeBatchLink')}<span class="visually-hidden"> {b.id.slice(0, 8)}</span></a>
                      : <span class="muted small">{t('console.codes.nothingToRevoke')}</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <p><a href="/admin/codes">{t('console.codes.lookupLink')}</a></p>
      </section>
      <p class="small muted">{t('console.campaigns.createdAt', { when: shortDateTime(c.createdAt) })} · <span class="mono">{c.id}</span></p>
    </Console>
  );
}

const shortDateTime = (at: string) => `${at.replace('T', ' ').slice(0, 16)} UTC`;

/** A day as "2 Dec", an hour as "2 Dec 14:00" (UTC). */
function timeLabel(key: string, by: 'day' | 'hour'): string {
  const [year, month, day] = key.slice(0, 10).split('-').map(Number);
  const text = `${day}.${month}.${String(year).slice(2)}`;
  return by === 'hour' ? `${text} ${key.slice(11, 16)}` : text;
}
