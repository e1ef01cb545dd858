// Console pages for recipients: the list (search by email, filter by campaign and state, a page at a time,
// all of it as CSV), one recipient's passes, subscriptions and audit trail with "Release pass", and the
// people stuck between redeemed and activated with the one reminder each may be sent.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf } from '../../http/form-errors.ts';
import { createNotices } from '../../http/notice.ts';
import { formBody, type PageContext } from '../../http/pages.tsx';
import { Alert, Badge, Button, Card, Form, LinkButton, Money, SelectField, TableWrap, TextField } from '../../web/components.tsx';
import { Console } from '../../web/console-layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { AuditEventView } from '../audit/audit.service.ts';
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

interface Filters { email: string; campaignId: string; state: string }

export async function recipientPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { recipients, campaigns, sessions } = context.services;
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
              <td>{r.subscriptionStatus ? <Badge status={r.subscriptionStatus} /> : <span class="muted">–</span>}</td>
              <td class="nowrap"><CreditCell r={r} /></td>
              <td class="nowrap">{r.endsAt ? <time dateTime={r.endsAt}>{date(r.endsAt)}</time> : <span class="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function RecipientPageView(props: { ctx: PageContext; story: RecipientStory; notice?: string }) {
  const { t, date, dateTime, country } = useT();
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
        <TableWrap label={t('people.recipient.subscriptions')}>
          <table>
            <thead><tr>
              <th scope="col">{t('people.recipient.subscription')}</th><th scope="col">{t('people.recipients.subscription')}</th>
              <th scope="col">{t('people.recipients.creditRemaining')}</th><th scope="col">{t('people.recipients.ends')}</th>
            </tr></thead>
            <tbody>
              {subscriptions.map((s) => (
                <tr>
                  <td>{s.name}<br /><span class="mono small muted">{s.id}</span></td>
                  <td><Badge status={s.status} /></td>
                  <td class="nowrap"><Money {...s.credit.remaining} /> <span class="muted small">{t('people.recipients.ofGranted')} <Money {...s.credit.granted} /></span></td>
                  <td class="nowrap">{s.endsAt ? date(s.endsAt) : <span class="muted">–</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h2>{t('people.recipient.history')}</h2>
      <History events={audit} />
    </Console>
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
