// Support pages. Recipients: /support (their cases), /support/new (open one; ?subscription=<id> starts it
// about that subscription's activation) and /support/{id} (the conversation and a reply form). Operator
// admins: /admin/support (the queue by status) and /admin/support/{id} (reply, change status). Every form
// works without JavaScript; errors sit next to their field with what was typed kept.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ComponentChildren } from 'preact';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { refusalOf, type RefusalOptions } from '../../http/form-errors.ts';
import {
  Actions, Alert, Badge, Button, Card, Form, FormErrorSummary, LinkButton, SelectField, TextAreaField, TextField,
  type FieldErrors, type SelectOption,
} from '../../web/components.tsx';
import { Layout } from '../../web/layout.tsx';
import { sendPage } from '../../web/render.ts';
import { Console } from '../../web/console-layout.tsx';
import type { Session } from '../sessions/sessions.service.ts';
import type { SubscriptionLink } from '../reports/reports.service.ts';
import type { Translator } from '../../i18n/catalogue.ts';
import { useT } from '../../web/page-env.ts';
import { MAX_SUBJECT_LENGTH, MAX_TEXT_LENGTH, SUPPORT_STATUSES, type SupportCaseView, type SupportMessageView } from './support.service.ts';
import type { SupportCaseStatus, SupportCategory } from './support.table.ts';
import { SingleLineText } from '../../http/schemas.ts';

const hidden = { hide: true } as const;
const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });
const NewCaseQuery = Type.Object({ subscription: Type.Optional(SingleLineText({ maxLength: 100 })) });
const QueueQuery = Type.Object({
  status: Type.Optional(SingleLineText({ maxLength: 20 })),
  before: Type.Optional(SingleLineText({ maxLength: 400 })),
});

// Far above the service's limits, so an over-long text gets its message next to the field, not an error page.
const FORM_MAX_LENGTH = 4 * MAX_TEXT_LENGTH;
const NewCaseForm = formBody(['category', 'subscriptionId', 'subject', 'description'], FORM_MAX_LENGTH, ['description']);
const MessageForm = formBody(['body'], FORM_MAX_LENGTH, ['body']);
const StatusForm = formBody(['status'], FORM_MAX_LENGTH);

/** Case forms show a refusal beside its field, or as a whole (`form`) when it names none. */
function formRefusal(error: unknown, reply: FastifyReply, options?: RefusalOptions) {
  const refusal = refusalOf(error, reply, options);
  return Object.keys(refusal.fields).length > 0 ? refusal : { ...refusal, fields: { form: refusal.message } };
}

const casePath = (id: string) => `/support/${encodeURIComponent(id)}`;
const adminCasePath = (id: string) => `/admin/support/${encodeURIComponent(id)}`;

export async function supportPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { support, sessions, reports } = context.services;

  const { signedIn } = context.pages;
  /** The subscription a case is about, named by its campaign, for the operator's links. */
  const linksOf = (c: SupportCaseView) => reports.subscriptionLinks(c.subscriptionId ? [c.subscriptionId] : []);
  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, 'Only operator admins can open the support queue.');

  /** A one-time message after a redirect; `statusNotice` is shown by the status form it is about. */
  async function takeNotice(session: Session, key: 'notice' | 'statusNotice' = 'notice'): Promise<string | undefined> {
    const { [key]: notice, ...rest } = session.data;
    if (typeof notice !== 'string') return undefined;
    await sessions.saveData(session, rest);
    return notice;
  }

  async function redirectWithNotice(reply: FastifyReply, ctx: PageContext, notice: string, to: string) {
    await sessions.saveData(ctx.session, { ...ctx.session.data, notice });
    return reply.redirect(to, 303);
  }

  // ---- recipients ------------------------------------------------------------------------

  pages.get('/support', { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    if (!request.account) return sendPage(reply, <SignedOutSupportPage ctx={ctx} />);
    const { items } = await support.listOfAccount(request.account.id, { limit: 200 });
    return sendPage(reply, <MyCasesPage ctx={ctx} cases={items} notice={await takeNotice(ctx.session)} />);
  });

  pages.get('/support/new', { schema: { ...hidden, querystring: NewCaseQuery } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const choices = await support.subscriptionChoices(account.id);
    // Only one of their own subscriptions is preselected; any other id is ignored.
    const about = choices.find((s) => s.id === request.query.subscription);
    const ctx = await context.pages.pageContext(request, reply);
    const values: NewCaseValues = { category: about ? 'activation' : '', subscriptionId: about?.id ?? '', subject: '', description: '' };
    return sendPage(reply, <NewCasePage ctx={ctx} subscriptions={choices} values={values} />);
  });

  pages.post('/support/new', { schema: { ...hidden, body: NewCaseForm } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const values: NewCaseValues = {
      category: formValue(request.body, 'category'), subscriptionId: formValue(request.body, 'subscriptionId'),
      subject: formValue(request.body, 'subject'), description: formValue(request.body, 'description'),
    };
    try {
      const created = await support.openCase(account.id, values, actorOf(request));
      const ctx = await context.pages.pageContext(request, reply);
      return redirectWithNotice(reply, ctx, 'Your support case is open. We will email you when the support team replies.', casePath(created.id));
    } catch (error) {
      const refusal = formRefusal(error, reply, {
        codes: { not_found: { field: 'subscriptionId', message: 'Choose one of your own subscriptions, or none.' } },
      });
      const [ctx, choices] = await Promise.all([context.pages.pageContext(request, reply), support.subscriptionChoices(account.id)]);
      return sendPage(reply, <NewCasePage ctx={ctx} subscriptions={choices} values={values} errors={refusal.fields} />, refusal.code === 'not_found' ? 400 : refusal.status);
    }
  });

  pages.get('/support/:id', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    // An operator admin following a link to someone else's case reads it in the console.
    if (account.operatorAdmin && !(await support.isOwner(account.id, request.params.id))) {
      return reply.redirect(adminCasePath(request.params.id), 303);
    }
    const supportCase = await support.getOwn(account.id, request.params.id);
    const ctx = await context.pages.pageContext(request, reply);
    reply.header('cache-control', 'no-store');
    return sendPage(reply, <CasePage ctx={ctx} supportCase={supportCase} notice={await takeNotice(ctx.session)} />);
  });

  pages.post('/support/:id/messages', { schema: { ...hidden, params: IdParams, body: MessageForm } }, async (request, reply) => {
    const account = await signedIn(request, reply);
    if (!account) return reply;
    const body = formValue(request.body, 'body');
    try {
      await support.addMessage(request.params.id, { role: 'owner', accountId: account.id }, { body }, actorOf(request));
    } catch (error) {
      const refusal = formRefusal(error, reply);
      const [ctx, supportCase] = await Promise.all([context.pages.pageContext(request, reply), support.getOwn(account.id, request.params.id)]);
      return sendPage(reply, <CasePage ctx={ctx} supportCase={supportCase} reply={body} errors={refusal.fields} />, refusal.status);
    }
    const ctx = await context.pages.pageContext(request, reply);
    return redirectWithNotice(reply, ctx, 'Your message is sent.', `${casePath(request.params.id)}#latest`);
  });

  // ---- the operator's queue ------------------------------------------------------------------

  pages.get('/admin/support', { schema: { ...hidden, querystring: QueueQuery } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const filter = queueFilter(request.query.status);
    const [page, counts] = await Promise.all([
      support.listQueue({ status: filter === 'all' ? undefined : filter, before: request.query.before, limit: 50 }),
      support.queueCounts(),
    ]);
    const links = await reports.subscriptionLinks(page.items.flatMap((c) => (c.subscriptionId ? [c.subscriptionId] : [])));
    return sendPage(reply, <QueuePage ctx={ctx} filter={filter} cases={page.items} nextCursor={page.nextCursor} counts={counts} links={links} />);
  });

  pages.get('/admin/support/:id', { schema: { ...hidden, params: IdParams } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const supportCase = await support.getForOperator(request.params.id);
    reply.header('cache-control', 'no-store');
    const notice = await takeNotice(ctx.session);
    const statusNotice = await takeNotice(ctx.session, 'statusNotice');
    return sendPage(reply, <OperatorCasePage ctx={ctx} supportCase={supportCase} notice={notice} statusNotice={statusNotice} links={await linksOf(supportCase)} />);
  });

  pages.post('/admin/support/:id/messages', { schema: { ...hidden, params: IdParams, body: MessageForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const body = formValue(request.body, 'body');
    try {
      const updated = await support.addMessage(request.params.id, { role: 'operator' }, { body }, actorOf(request));
      const to = updated.account ? ` and emailed to ${updated.account.email}` : '';
      return redirectWithNotice(reply, ctx, `Your reply is sent${to}.`, `${adminCasePath(request.params.id)}#latest`);
    } catch (error) {
      const refusal = formRefusal(error, reply);
      const supportCase = await support.getForOperator(request.params.id);
      return sendPage(reply, <OperatorCasePage ctx={ctx} supportCase={supportCase} reply={body} errors={refusal.fields} links={await linksOf(supportCase)} />, refusal.status);
    }
  });

  pages.post('/admin/support/:id/status', { schema: { ...hidden, params: IdParams, body: StatusForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    try {
      const updated = await support.changeStatus(request.params.id, formValue(request.body, 'status'), actorOf(request));
      await sessions.saveData(ctx.session, { ...ctx.session.data, statusNotice: `The case is ${operatorStatusLabel[updated.status].toLowerCase()}.` });
      return reply.redirect(`${adminCasePath(request.params.id)}#case-status`, 303);
    } catch (error) {
      const refusal = formRefusal(error, reply);
      const supportCase = await support.getForOperator(request.params.id);
      return sendPage(reply, <OperatorCasePage ctx={ctx} supportCase={supportCase} errors={refusal.fields} links={await linksOf(supportCase)} />, refusal.status);
    }
  });
}

type QueueFilter = SupportCaseStatus | 'all';

function queueFilter(text: string | undefined): QueueFilter {
  if (text === 'all') return 'all';
  return SUPPORT_STATUSES.find((s) => s === text) ?? 'open';
}

// ---- words ---------------------------------------------------------------------------------------

const categoryOptions: ReadonlyArray<SelectOption & { value: SupportCategory }> = [
  { value: 'activation', label: 'Redeeming or activating a pass' },
  { value: 'billing', label: 'Credit and billing' },
  { value: 'technical', label: 'Technical problem' },
  { value: 'account', label: 'My account or signing in' },
];

const subscriptionStatusWords: Partial<Record<string, string>> = {
  pending: 'setting up', provisioning: 'setting up', active: 'active', failed: 'setup failed', cancelled: 'cancelled',
  disabled: 'disabled', expired: 'ended', deleted: 'deleted',
};

const categoryLabel: Record<SupportCategory, string> = { activation: 'Activation', billing: 'Billing', technical: 'Technical', account: 'Account' };

/** What the recipient reads: "waiting" means the support team waits for them. */
const recipientStatusLabel: Record<SupportCaseStatus, string> = { open: 'Open', waiting: 'Awaiting your reply', closed: 'Closed' };
const operatorStatusLabel: Record<SupportCaseStatus, string> = { open: 'Open', waiting: 'Waiting for recipient', closed: 'Closed' };

const timeFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });

function When(props: { value: string }) {
  return <time dateTime={props.value}>{timeFormat.format(new Date(props.value))} UTC</time>;
}

/** The short reference people quote on the phone or in an email. */
const caseNumber = (id: string) => id.slice(0, 8).toUpperCase();

// ---- recipient pages ------------------------------------------------------------------------------

function SignedOutSupportPage(props: { ctx: PageContext }) {
  return (
    <Layout title="Support" account={null} csrfToken={props.ctx.csrfToken}>
      <h1>Support</h1>
      <p class="lead">Stuck redeeming a code, setting up a subscription or signing in? Open a support case and the support team will help.</p>
      <Card title="Sign in to get help">
        <p>Support cases belong to your account, so sign in first. You then see all your cases here, follow each conversation, and get an email whenever the support team replies.</p>
        <p>If we opened a case for you (for example because a subscription could not be set up), sign in with the account that received the email.</p>
        <Actions>
          <LinkButton href={`/signin?returnTo=${encodeURIComponent('/support')}`}>Sign in</LinkButton>
          <LinkButton href="/signup" kind="secondary">Create account</LinkButton>
        </Actions>
      </Card>
    </Layout>
  );
}

function MyCasesPage(props: { ctx: PageContext; cases: SupportCaseView[]; notice?: string }) {
  return (
    <Layout title="Support" account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <div class="page-head">
        <h1>Your support cases</h1>
        <LinkButton href="/support/new">Create support case</LinkButton>
      </div>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      {props.cases.length === 0 ? (
        <Card class="support-empty">
          <h2>No support cases</h2>
          <p>When something does not work — redeeming a code, setting up a subscription, signing in — create a support case. Replies arrive here and by email.</p>
        </Card>
      ) : (
        <ul class="case-list" aria-label="Your support cases">
          {props.cases.map((c) => <CaseItem supportCase={c} href={casePath(c.id)} statusLabel={recipientStatusLabel[c.status]} />)}
        </ul>
      )}
    </Layout>
  );
}

function CaseItem(props: { supportCase: SupportCaseView; href: string; statusLabel: string; showAccount?: boolean; links?: SubscriptionLinks }) {
  const c = props.supportCase;
  return (
    <li class={`case-item case-item--${c.status}`}>
      <div class="case-item__head">
        <a class="case-item__subject" href={props.href}>{c.subject}</a>
        <Badge status={c.status} label={props.statusLabel} />
      </div>
      {props.showAccount ? <CaseLinks supportCase={c} links={props.links} /> : null}
      <p class="case-item__meta">
        {categoryLabel[c.category]} · Case {caseNumber(c.id)} · Last activity <When value={c.updatedAt} />
      </p>
    </li>
  );
}

interface NewCaseValues {
  category: string;
  subscriptionId: string;
  subject: string;
  description: string;
}

function NewCasePage(props: {
  ctx: PageContext; subscriptions: Array<{ id: string; name: string; status: string }>; values: NewCaseValues; errors?: FieldErrors;
}) {
  const { values } = props;
  const { form: formError, ...errors } = props.errors ?? {};
  const subscriptionOptions = props.subscriptions.map((s) => ({ value: s.id, label: `${s.name} · ${subscriptionStatusWords[s.status] ?? s.status}` }));
  return (
    <Layout title="Create support case" account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <p class="breadcrumb"><a href="/support">← Your support cases</a></p>
      <h1>Create support case</h1>
      <p class="lead">Tell us what went wrong. The support team answers here and by email.</p>
      <FormErrorSummary errors={errors} />
      {formError ? <Alert kind="error" title="This did not work">{formError}</Alert> : null}
      <Card>
        <Form action="/support/new" csrfToken={props.ctx.csrfToken} aria-label="Create support case">
          <SelectField name="category" label="Category" options={categoryOptions} value={values.category} error={errors.category} placeholder="Choose a category" required />
          {subscriptionOptions.length > 0 ? (
            <SelectField
              name="subscriptionId" label="Subscription (optional)" options={subscriptionOptions} value={values.subscriptionId}
              error={errors.subscriptionId} placeholder="Not about a subscription" hint="If the problem is about one of your subscriptions, choose it."
            />
          ) : null}
          <TextField name="subject" label="Subject" value={values.subject} error={errors.subject} required maxLength={MAX_SUBJECT_LENGTH} hint="A few words, for example “Subscription stuck setting up”." />
          <TextAreaField
            name="description" label="Description" value={values.description} error={errors.description} required rows={8} maxLength={MAX_TEXT_LENGTH}
            hint="What you did, what happened, and any error message you saw. Never include a password."
          />
          <Actions>
            <Button>Create support case</Button>
          </Actions>
        </Form>
      </Card>
    </Layout>
  );
}

function CasePage(props: { ctx: PageContext; supportCase: SupportCaseView; notice?: string; reply?: string; errors?: FieldErrors }) {
  const c = props.supportCase;
  return (
    <Layout title={`Support case ${caseNumber(c.id)}`} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <p class="breadcrumb"><a href="/support">← Your support cases</a></p>
      <CaseHeading supportCase={c} statusLabel={recipientStatusLabel[c.status]} />
      <dl class="case-facts">
        <div><dt>Case</dt><dd class="mono">{caseNumber(c.id)}</dd></div>
        <div><dt>Category</dt><dd>{categoryLabel[c.category]}</dd></div>
        <div><dt>Opened</dt><dd><When value={c.createdAt} /></dd></div>
        {c.subscriptionId ? <div><dt>Subscription</dt><dd><a href={`/subscriptions/${encodeURIComponent(c.subscriptionId)}`}>See the subscription</a></dd></div> : null}
      </dl>
      {c.status === 'waiting' ? <Alert kind="info" title="The support team is waiting for your reply">Answer below so they can carry on.</Alert> : null}
      <Conversation supportCase={c} viewer="recipient" notice={props.notice} />
      <ReplyForm
        action={`${casePath(c.id)}/messages`} csrfToken={props.ctx.csrfToken} value={props.reply} errors={props.errors}
        hint={c.status === 'closed' ? 'This case is closed. Sending a message opens it again.' : 'The support team gets your message at once.'}
      />
    </Layout>
  );
}

function CaseHeading(props: { supportCase: SupportCaseView; statusLabel: string }) {
  return (
    <div class="case-heading">
      <h1 class="case-heading__subject">{props.supportCase.subject}</h1>
      <p class="case-heading__status"><span class="visually-hidden">Status: </span><Badge status={props.supportCase.status} label={props.statusLabel} /></p>
    </div>
  );
}

/** The description first (it is the recipient's opening message), then every message, newest last. */
function Conversation(props: { supportCase: SupportCaseView; viewer: 'recipient' | 'operator'; notice?: string }) {
  const c = props.supportCase;
  const opening: SupportMessageView = {
    id: 'description', authorType: 'account', authorName: c.account?.displayName || 'Recipient', body: c.description, createdAt: c.createdAt,
  };
  const entries = [opening, ...(c.messages ?? [])];
  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <h2 id="conversation-title" class="conversation__title">Conversation</h2>
      <ol class="conversation__list">
        {entries.map((m, i) => (
          <li class={`message message--${m.authorType}`} id={i === entries.length - 1 ? 'latest' : undefined}>
            <article>
              <p class="message__meta">
                <span class="message__author">{authorName(m, props.viewer)}</span>
                <span class="message__time"><When value={m.createdAt} /></span>
              </p>
              <div class="message__body">{m.body}</div>
            </article>
          </li>
        ))}
      </ol>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
    </section>
  );
}

function authorName(message: SupportMessageView, viewer: 'recipient' | 'operator'): string {
  if (message.authorType === 'account') return viewer === 'recipient' ? 'You' : message.authorName;
  if (message.authorType === 'operator') return viewer === 'operator' ? 'Support team (operator)' : 'Support team';
  return 'cloudpass (automatic message)';
}

function ReplyForm(props: { action: string; csrfToken: string; value?: string; errors?: FieldErrors; hint: ComponentChildren; title?: string }) {
  const { form: formError, ...errors } = props.errors ?? {};
  const fieldErrors: FieldErrors = { body: errors.body };
  return (
    <Card title={props.title ?? 'Reply'} class="reply-card">
      <FormErrorSummary errors={fieldErrors} />
      {formError ? <Alert kind="error" title="This did not work">{formError}</Alert> : null}
      <Form action={props.action} csrfToken={props.csrfToken} aria-label={props.title ?? 'Reply'}>
        <TextAreaField name="body" label="Message" value={props.value} error={errors.body} required rows={5} maxLength={MAX_TEXT_LENGTH} hint={props.hint} />
        <Actions>
          <Button>Send</Button>
        </Actions>
      </Form>
    </Card>
  );
}

// ---- operator pages ---------------------------------------------------------------------------------

function QueuePage(props: {
  ctx: PageContext; filter: QueueFilter; cases: SupportCaseView[]; nextCursor: string | null; counts: Record<SupportCaseStatus, number>; links: SubscriptionLinks;
}) {
  const { counts } = props;
  const tabs: Array<{ filter: QueueFilter; label: string; count: number }> = [
    { filter: 'open', label: 'Open', count: counts.open },
    { filter: 'waiting', label: 'Waiting for recipient', count: counts.waiting },
    { filter: 'closed', label: 'Closed', count: counts.closed },
    { filter: 'all', label: 'All', count: counts.open + counts.waiting + counts.closed },
  ];
  const here = (filter: QueueFilter) => `/admin/support?status=${filter}`;
  return (
    <Console ctx={props.ctx} current="/admin/support" title="Support queue">
      <nav class="queue-filter" aria-label="Cases by status">
        <ul>
          {tabs.map((t) => (
            <li>
              <a href={here(t.filter)} aria-current={t.filter === props.filter ? 'page' : undefined}>
                {t.label} <span class="queue-filter__count">{t.count}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {props.cases.length === 0 ? <p class="muted">{props.filter === 'open' ? 'No open cases. Nothing needs an answer.' : 'No cases here.'}</p> : (
        <ul class="case-list" aria-label="Support cases">
          {props.cases.map((c) => <CaseItem supportCase={c} href={adminCasePath(c.id)} statusLabel={operatorStatusLabel[c.status]} showAccount links={props.links} />)}
        </ul>
      )}
      {props.nextCursor ? <p><a href={`${here(props.filter)}&before=${encodeURIComponent(props.nextCursor)}`}>Older cases</a></p> : null}
    </Console>
  );
}

type SubscriptionLinks = ReadonlyMap<string, SubscriptionLink>;

/** The console's recipient search for this address (its list of recipients, API.md "Pages"). */
const recipientHref = (email: string, subscriptionId?: string) =>
  `/admin/recipients?email=${encodeURIComponent(email)}${subscriptionId ? `#subscription-${encodeURIComponent(subscriptionId)}` : ''}`;

function subscriptionName(link: SubscriptionLink | undefined, t: Translator['t']): string | undefined {
  if (!link) return undefined;
  if (link.campaign) return t('console.support.pass', { campaign: link.campaign.name });
  return link.offer === 'free-trial' ? t('console.support.freeTrial') : undefined;
}

/** In the queue: who opened the case, and the subscription and campaign it is about, each by name and linked. */
function CaseLinks(props: { supportCase: SupportCaseView; links?: SubscriptionLinks }) {
  const { t } = useT();
  const c = props.supportCase;
  const link = c.subscriptionId ? props.links?.get(c.subscriptionId) : undefined;
  const name = subscriptionName(link, t);
  return (
    <ul class="case-item__links" aria-label={t('console.support.links')}>
      <li>
        <span class="case-item__link-label">{t('console.support.account')}: </span>
        {c.account ? <a href={recipientHref(c.account.email)}>{c.account.displayName} · <span class="break-anywhere">{c.account.email}</span></a> : t('console.support.noAccount')}
      </li>
      {c.subscriptionId ? (
        <li>
          <span class="case-item__link-label">{t('console.support.subscription')}: </span>
          {c.account ? <a href={recipientHref(c.account.email, c.subscriptionId)}>{name ?? c.subscriptionId.slice(0, 8)}</a> : (name ?? c.subscriptionId.slice(0, 8))}
          {link ? <> · {subscriptionStatusWords[link.status] ?? link.status}</> : null}
        </li>
      ) : null}
      {link?.campaign ? (
        <li><span class="case-item__link-label">{t('console.support.campaign')}: </span><a href={`/admin/campaigns/${encodeURIComponent(link.campaign.id)}`}>{link.campaign.name}</a></li>
      ) : null}
    </ul>
  );
}

function SubscriptionFacts(props: { supportCase: SupportCaseView; links?: SubscriptionLinks }) {
  const { t } = useT();
  const c = props.supportCase;
  const link = c.subscriptionId ? props.links?.get(c.subscriptionId) : undefined;
  const name = subscriptionName(link, t) ?? c.subscriptionId?.slice(0, 8) ?? '';
  return (
    <>
      <div>
        <dt>{t('console.support.subscription')}</dt>
        <dd>
          {c.account ? <a href={recipientHref(c.account.email, c.subscriptionId ?? undefined)}>{name}</a> : name}
          {link ? <> · {subscriptionStatusWords[link.status] ?? link.status}</> : null}
          <br /><span class="mono small break-anywhere">{c.subscriptionId}</span>
        </dd>
      </div>
      {link?.campaign ? (
        <div><dt>{t('console.support.campaign')}</dt><dd><a href={`/admin/campaigns/${encodeURIComponent(link.campaign.id)}`}>{link.campaign.name}</a></dd></div>
      ) : null}
    </>
  );
}

function OperatorCasePage(props: {
  ctx: PageContext; supportCase: SupportCaseView; notice?: string; statusNotice?: string; reply?: string; errors?: FieldErrors; links?: SubscriptionLinks;
}) {
  const c = props.supportCase;
  const { status: statusError, ...replyErrors } = props.errors ?? {};
  const statusOptions = SUPPORT_STATUSES.map((s) => ({ value: s, label: operatorStatusLabel[s] }));
  return (
    <Console ctx={props.ctx} current="/admin/support" title={`Case ${caseNumber(c.id)}`}>
      <p class="breadcrumb"><a href="/admin/support">← Support queue</a></p>
      <div class="operator-case">
        <div class="operator-case__main">
          <div class="case-heading">
            <h2 class="case-heading__subject">{c.subject}</h2>
            <p class="case-heading__status"><span class="visually-hidden">Status: </span><Badge status={c.status} label={operatorStatusLabel[c.status]} /></p>
          </div>
          <Conversation supportCase={c} viewer="operator" notice={props.notice} />
          <ReplyForm
            action={`${adminCasePath(c.id)}/messages`} csrfToken={props.ctx.csrfToken} value={props.reply} errors={replyErrors} title="Reply to the recipient"
            hint={c.account
              ? <>Emailed to <span class="break-anywhere">{c.account.email}</span> with a link to the case.{c.status === 'open' ? ' The case then waits for the recipient.' : ''}</>
              : 'This case has no account, so nobody is emailed.'}
          />
        </div>
        <div class="operator-case__side">
          <section class="card" id="case-status">
            <h3 class="card__title">Case status</h3>
            {props.statusNotice ? <Alert kind="success">{props.statusNotice}</Alert> : null}
            <Form action={`${adminCasePath(c.id)}/status`} csrfToken={props.ctx.csrfToken}>
              <SelectField name="status" label="Status" options={statusOptions} value={c.status} error={statusError} required />
              <Actions>
                <Button kind="secondary">Change status</Button>
              </Actions>
            </Form>
          </section>
          <Card title="Details" headingLevel={3}>
            <dl class="summary-list">
              <div><dt>From</dt><dd>{c.account ? <>{c.account.displayName}<br /><a class="break-anywhere" href={recipientHref(c.account.email)}>{c.account.email}</a></> : 'No account'}</dd></div>
              <div><dt>Category</dt><dd>{categoryLabel[c.category]}</dd></div>
              {c.subscriptionId ? <SubscriptionFacts supportCase={c} links={props.links} /> : null}
              <div><dt>Opened</dt><dd><When value={c.createdAt} /></dd></div>
              <div><dt>Last activity</dt><dd><When value={c.updatedAt} /></dd></div>
            </dl>
          </Card>
        </div>
      </div>
    </Console>
  );
}
