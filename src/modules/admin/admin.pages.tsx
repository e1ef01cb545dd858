// The operator console for operator admins: a shell with the audit trail and the mail outbox to read.
// Later issues add campaigns, codes and the support queue to its navigation.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { Card, TableWrap } from '../../web/components.tsx';
import { Console } from '../../web/console-layout.tsx';
import { sendPage } from '../../web/render.ts';
import type { AuditEventView } from '../audit/audit.service.ts';
import type { MailView } from '../mail/mail.service.ts';
import { SingleLineText } from '../../http/schemas.ts';

const PageQuery = Type.Object({ before: Type.Optional(SingleLineText({ maxLength: 40 })) });

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
        <p class="lead">Signed in as an operator admin. Campaigns, codes and support arrive here as they are built.</p>
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

  pages.get('/admin/audit', { schema: { hide: true, querystring: PageQuery } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const events = await audit.list({ limit: 100, before: request.query.before });
    return sendPage(reply, (
      <Console ctx={ctx} current="/admin/audit" title="Audit trail">
        <AuditTable events={events} />
        {events.length === 100 ? <p><a href={`/admin/audit?before=${encodeURIComponent(events[events.length - 1]!.at)}`}>Older entries</a></p> : null}
      </Console>
    ));
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

function AuditTable(props: { events: AuditEventView[] }) {
  if (props.events.length === 0) return <p>Nothing recorded yet.</p>;
  return (
    <TableWrap label="Audit trail">
      <table>
        <thead><tr><th scope="col">When (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Subject</th><th scope="col">Details</th></tr></thead>
        <tbody>
          {props.events.map((e) => (
            <tr>
              <td class="nowrap"><time dateTime={e.at}>{shortTime(e.at)}</time></td>
              <td>{e.actor.label} <span class="muted small">({e.actor.type})</span></td>
              <td class="mono small">{e.action}</td>
              <td class="small">{e.subject.type}{e.subject.id ? <> <span class="mono">{e.subject.id.slice(0, 8)}</span></> : null}</td>
              <td class="mono small console-details">{Object.keys(e.details).length ? JSON.stringify(e.details) : ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
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

const shortTime = (at: string) => at.replace('T', ' ').slice(0, 16);
