// The operator console for operator admins: its overview, the audit trail (filtered by actor, action and
// subject, readable on a phone) and the mail outbox. Campaigns, codes and support have their own pages files.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { Actions, Button, Card, Form, LinkButton, SelectField, TextField } from '../../web/components.tsx';
import { useT } from '../../web/page-env.ts';
import type { PageContext } from '../../http/pages.tsx';
import { SingleLineText } from '../../http/schemas.ts';
import { Console } from '../../web/console-layout.tsx';
import { sendPage } from '../../web/render.ts';
import type { AuditEventView } from '../audit/audit.service.ts';
import type { MailView } from '../mail/mail.service.ts';

const PageQuery = Type.Object({ before: Type.Optional(SingleLineText({ maxLength: 40 })) });
const AuditQuery = Type.Object({
  before: Type.Optional(SingleLineText({ maxLength: 40 })),
  actor: Type.Optional(SingleLineText({ maxLength: 320 })),
  action: Type.Optional(SingleLineText({ maxLength: 100 })),
  subjectType: Type.Optional(SingleLineText({ maxLength: 100 })),
  subjectId: Type.Optional(SingleLineText({ maxLength: 100 })),
});
type AuditFilters = { actor?: string; action?: string; subjectType?: string; subjectId?: string };
const AUDIT_PAGE = 100;

export async function adminPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { audit, mail } = context.services;

  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, 'Only operator admins can open the operator console.');

  pages.get('/admin', { schema: { hide: true } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const [events, outbox] = await Promise.all([audit.list({ limit: 5 }), mail.list({ limit: 5 })]);
    return sendPage(reply, (
      <Console ctx={ctx} current="/admin" title="Operator console">
        <OverviewLead />
        <div class="grid grid--2">
          <Card title="Latest activity">
            {events.length ? <ul class="console-list">{events.map((e) => <li><span class="mono small">{e.action}</span> · {e.actor.label} · <time dateTime={e.at}>{shortTime(e.at)}</time></li>)}</ul> : <p class="muted">Nothing yet.</p>}
            <p><a href="/admin/audit">Open the audit trail</a></p>
          </Card>
          <Card title="Latest mail">
            {outbox.length ? <ul class="console-list">{outbox.map((m) => <li>{m.subject} · {m.to} · {mailState(m)}</li>)}</ul> : <p class="muted">No mail yet.</p>}
            <p><a href="/admin/outbox">Open the mail outbox</a></p>
          </Card>
        </div>
      </Console>
    ));
  });

  pages.get('/admin/audit', { schema: { hide: true, querystring: AuditQuery } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { before, ...rest } = request.query;
    // An empty box in the filter form means "any": only the filters given narrow the trail.
    const filters: AuditFilters = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v?.trim()]).filter(([, v]) => v)) as AuditFilters;
    const [events, choices] = await Promise.all([audit.list({ limit: AUDIT_PAGE, before, ...filters }), audit.filterChoices()]);
    return sendPage(reply, <AuditPage ctx={ctx} events={events} filters={filters} choices={choices} />);
  });

  pages.get('/admin/outbox', { schema: { hide: true, querystring: PageQuery } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const items = await mail.list({ limit: 50, before: request.query.before });
    return sendPage(reply, (
      <Console ctx={ctx} current="/admin/outbox" title="Mail outbox">
        <p class="muted">Every email cloudpass sent or would have sent. {context.config.smtpUrl ? 'SMTP is configured: mail is delivered and kept here.' : 'SMTP is not configured: mail is kept here only.'}</p>
        {items.length === 0 ? <p>No mail yet.</p> : items.map((m) => <MailCard mail={m} />)}
        {items.length === 50 ? <p><a href={`/admin/outbox?before=${encodeURIComponent(items[items.length - 1]!.createdAt)}`}>Older mail</a></p> : null}
      </Console>
    ));
  });
}

const auditHref = (filters: AuditFilters, before?: string) => {
  const query = new URLSearchParams(Object.entries({ ...filters, before }).filter((e): e is [string, string] => Boolean(e[1])));
  const text = query.toString();
  return text ? `/admin/audit?${text}` : '/admin/audit';
};

function AuditPage(props: { ctx: PageContext; events: AuditEventView[]; filters: AuditFilters; choices: { actions: string[]; subjectTypes: string[] } }) {
  const { t } = useT();
  const { events, filters, choices } = props;
  const filtered = Object.keys(filters).length > 0;
  const any = { value: '', label: t('console.audit.any') };
  return (
    <Console ctx={props.ctx} current="/admin/audit" title={t('console.nav.audit')}>
      <details class="card audit-filter" open={filtered}>
        <summary>{filtered ? t('console.audit.filtered') : t('console.audit.filter')}</summary>
        <Form action="/admin/audit" method="get" aria-label={t('console.audit.filter')}>
          <div class="audit-filter__fields">
            <TextField name="actor" label={t('console.audit.actor')} value={filters.actor} hint={t('console.audit.actorHint')} autocomplete="off" />
            <SelectField name="action" label={t('console.audit.action')} options={[any, ...choices.actions.map((a) => ({ value: a, label: a }))]} value={filters.action ?? ''} />
            <SelectField name="subjectType" label={t('console.audit.subjectType')} options={[any, ...choices.subjectTypes.map((a) => ({ value: a, label: a }))]} value={filters.subjectType ?? ''} />
            <TextField name="subjectId" label={t('console.audit.subjectId')} value={filters.subjectId} autocomplete="off" />
          </div>
          <Actions>
            <Button kind="secondary">{t('console.audit.apply')}</Button>
            {filtered ? <LinkButton href="/admin/audit" kind="secondary">{t('console.audit.clear')}</LinkButton> : null}
          </Actions>
        </Form>
      </details>
      <AuditTable events={events} filters={filters} />
      {events.length === AUDIT_PAGE ? <p><a href={auditHref(filters, events[events.length - 1]!.at)}>{t('console.audit.older')}</a></p> : null}
    </Console>
  );
}

/** The trail as a table on a desk, and as one small card per event on a phone (see .table--stack). */
function AuditTable(props: { events: AuditEventView[]; filters: AuditFilters }) {
  const { t } = useT();
  if (props.events.length === 0) return <p>{Object.keys(props.filters).length ? t('console.audit.noMatches') : t('console.audit.none')}</p>;
  const narrow = (more: AuditFilters) => auditHref({ ...props.filters, ...more });
  return (
    <table class="table--stack console-table audit-table">
      <caption class="visually-hidden">{t('console.nav.audit')}</caption>
      <thead>
        <tr>
          <th scope="col">{t('console.audit.when')}</th>
          <th scope="col">{t('console.audit.action')}</th>
          <th scope="col">{t('console.audit.actor')}</th>
          <th scope="col">{t('console.audit.subject')}</th>
          <th scope="col">{t('console.audit.details')}</th>
        </tr>
      </thead>
      <tbody>
        {props.events.map((e) => (
          <tr>
            <th scope="row" data-label={t('console.audit.when')}><time dateTime={e.at}>{shortTime(e.at)}</time></th>
            <td data-label={t('console.audit.action')}><a class="mono small" href={narrow({ action: e.action })}>{e.action}</a></td>
            <td data-label={t('console.audit.actor')}>
              <span><a class="break-anywhere" href={narrow({ actor: e.actor.label })}>{e.actor.label}</a> <span class="muted small">({e.actor.type})</span></span>
            </td>
            <td data-label={t('console.audit.subject')} class="small">
              <span>
                {e.subject.type}
                {e.subject.id ? <> <a class="mono" href={narrow({ subjectId: e.subject.id })} title={e.subject.id}>{e.subject.id.slice(0, 8)}</a></> : null}
              </span>
            </td>
            <td data-label={t('console.audit.details')} class="small">
              {Object.keys(e.details).length ? (
                <dl class="audit-details">
                  {Object.entries(e.details).map(([key, value]) => (
                    <div><dt>{key}</dt><dd class="mono">{typeof value === 'string' ? value : JSON.stringify(value)}</dd></div>
                  ))}
                </dl>
              ) : null}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function OverviewLead() {
  const { t } = useT();
  return <p class="lead">{t('console.overview.lead')} <a href="/admin/campaigns">{t('console.overview.campaignsLink')}</a></p>;
}

function MailCard(props: { mail: MailView }) {
  const m = props.mail;
  return (
    <details class="card mail-item">
      <summary>
        <span class="mail-item__subject">{m.subject}</span>
        <span class="mail-item__meta small">to {m.to} · <time dateTime={m.createdAt}>{shortTime(m.createdAt)}</time> · {mailState(m)}</span>
      </summary>
      {m.lastError ? <p class="small field__error">Last error: {m.lastError}</p> : null}
      <pre class="mail-item__body">{m.text}</pre>
    </details>
  );
}

function mailState(m: MailView): string {
  if (m.sentAt) return 'sent';
  if (m.lastError) return `failed ${m.attempts}×, will retry`;
  return m.attempts > 0 ? 'sending' : 'kept in outbox';
}

const shortTime = (at: string) => at.replace('T', ' ').slice(0, 19);
