// The operator console for operator admins: its overview, the audit trail (filtered by actor, action and
// subject, readable on a phone) and the mail outbox. Campaigns, codes and support have their own pages files.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { Actions, Button, Card, Form, LinkButton, SelectField, TextField } from '../../web/components.tsx';
import { usePageEnv, useT } from '../../web/page-env.ts';
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
    context.pages.operatorPage(request, reply, request.pageEnv.i18n.t('console.forbidden'));

  pages.get('/admin', { schema: { hide: true } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const [events, outbox] = await Promise.all([audit.list({ limit: 5 }), mail.list({ limit: 5 })]);
    return sendPage(reply, <OverviewPage ctx={ctx} events={events} outbox={outbox} />);
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
    return sendPage(reply, <OutboxPage ctx={ctx} items={items} smtp={Boolean(context.config.smtpUrl)} />);
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
  const { t, dateTime } = useT();
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
            <th scope="row" data-label={t('console.audit.when')}><time dateTime={e.at}>{dateTime(e.at)}</time></th>
            <td data-label={t('console.audit.action')}><a class="mono small" href={narrow({ action: e.action })}>{e.action}</a></td>
            <td data-label={t('console.audit.actor')}>
              <span><a class="break-anywhere" href={narrow({ actor: e.actor.label })}>{e.actor.label}</a> <span class="muted small">({t('orgs.console.actorType', { type: e.actor.type })})</span></span>
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

function OverviewPage(props: { ctx: PageContext; events: AuditEventView[]; outbox: MailView[] }) {
  const { t, dateTime } = useT();
  return (
    <Console ctx={props.ctx} current="/admin" title={t('orgs.console.title')}>
      <p class="lead">{t('console.overview.lead')} <a href="/admin/campaigns">{t('console.overview.campaignsLink')}</a></p>
      <div class="grid grid--2">
        <Card title={t('orgs.console.latestActivity')}>
          {props.events.length ? (
            <ul class="console-list">
              {props.events.map((e) => <li><span class="mono small">{e.action}</span> · {e.actor.label} · <time dateTime={e.at}>{dateTime(e.at)}</time></li>)}
            </ul>
          ) : <p class="muted">{t('orgs.console.nothingYet')}</p>}
          <p><a href="/admin/audit">{t('orgs.console.openAudit')}</a></p>
        </Card>
        <Card title={t('orgs.console.latestMail')}>
          {props.outbox.length ? <ul class="console-list">{props.outbox.map((m) => <li>{m.subject} · {m.to} · <MailState mail={m} /></li>)}</ul> : <p class="muted">{t('orgs.console.noMail')}</p>}
          <p><a href="/admin/outbox">{t('orgs.console.openOutbox')}</a></p>
        </Card>
      </div>
    </Console>
  );
}

function OutboxPage(props: { ctx: PageContext; items: MailView[]; smtp: boolean }) {
  const { i18n: { t }, branding } = usePageEnv();
  const { items } = props;
  return (
    <Console ctx={props.ctx} current="/admin/outbox" title={t('console.nav.outbox')}>
      <p class="muted">{t('orgs.outbox.lead', { program: branding.programName })} {props.smtp ? t('orgs.outbox.smtp') : t('orgs.outbox.noSmtp')}</p>
      {items.length === 0 ? <p>{t('orgs.console.noMail')}</p> : items.map((m) => <MailCard mail={m} />)}
      {items.length === 50 ? <p><a href={`/admin/outbox?before=${encodeURIComponent(items[items.length - 1]!.createdAt)}`}>{t('orgs.outbox.older')}</a></p> : null}
    </Console>
  );
}

function MailCard(props: { mail: MailView }) {
  const { t, dateTime } = useT();
  const m = props.mail;
  return (
    <details class="card mail-item">
      <summary>
        <span class="mail-item__subject">{m.subject}</span>
        <span class="mail-item__meta small">{t('orgs.outbox.to', { to: m.to })} · <time dateTime={m.createdAt}>{dateTime(m.createdAt)}</time> · <MailState mail={m} /></span>
      </summary>
      {m.lastError ? <p class="small field__error">{t('orgs.outbox.lastError', { error: m.lastError })}</p> : null}
      <pre class="mail-item__body">{m.text}</pre>
    </details>
  );
}

function MailState(props: { mail: MailView }) {
  const { t } = useT();
  const m = props.mail;
  if (m.sentAt) return <>{t('orgs.outbox.sent')}</>;
  if (m.lastError) return <>{t('orgs.outbox.failed', { attempts: m.attempts })}</>;
  return <>{m.attempts > 0 ? t('orgs.outbox.sending') : t('orgs.outbox.kept')}</>;
}
