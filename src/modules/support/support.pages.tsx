// Support pages. Recipients: /support (their cases), /support/new (open one; ?subscription=<id> starts it
// about that subscription's activation) and /support/{id} (the conversation and a reply form). Signed out,
// /support/new asks for an email address too: the case waits until the link mailed there is opened
// (/support/confirm), and /support/check-email says so. Operator admins: /admin/support (the queue by
// status) and /admin/support/{id} (reply, change status). Every form works without JavaScript; errors sit
// next to their field with what was typed kept. Every word comes from the message catalogue.
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
import { translator, type Translator } from '../../i18n/catalogue.ts';
import { TooManyAttemptsError } from '../../lib/errors.ts';
import { useT } from '../../web/page-env.ts';
import { CASE_REQUEST_TTL_MS, MAX_SUBJECT_LENGTH, MAX_TEXT_LENGTH, SUPPORT_STATUSES, type SupportCaseView, type SupportMessageView } from './support.service.ts';
import { caseNumber, CONFIRM_PATH } from './support.mails.ts';
import type { SupportCaseStatus, SupportCategory } from './support.table.ts';
import { SingleLineText } from '../../http/schemas.ts';

const hidden = { hide: true } as const;
const IdParams = Type.Object({ id: SingleLineText({ maxLength: 100 }) });
const NewCaseQuery = Type.Object({ subscription: Type.Optional(SingleLineText({ maxLength: 100 })) });
const TokenQuery = Type.Object({ token: Type.Optional(SingleLineText({ maxLength: 400 })) });
const QueueQuery = Type.Object({
  status: Type.Optional(SingleLineText({ maxLength: 20 })),
  before: Type.Optional(SingleLineText({ maxLength: 400 })),
});

// Far above the service's limits, so an over-long text gets its message next to the field, not an error page.
const FORM_MAX_LENGTH = 4 * MAX_TEXT_LENGTH;
const NewCaseForm = formBody(['category', 'subscriptionId', 'subject', 'description', 'email'], FORM_MAX_LENGTH, ['description']);
const MessageForm = formBody(['body'], FORM_MAX_LENGTH, ['body']);
const StatusForm = formBody(['status'], FORM_MAX_LENGTH);
const TokenForm = formBody(['token'], 400);

/** The support service's field messages (English, like every service's), in the visitor's language. */
const FIELD_MESSAGES: ReadonlyArray<[RegExp, (t: Translator['t'], m: RegExpExecArray) => string]> = [
  [/^Enter a subject\.$/, (t) => t('support.error.enterSubject')],
  [/^Enter a description\.$/, (t) => t('support.error.enterDescription')],
  [/^Enter a message\.$/, (t) => t('support.error.enterMessage')],
  [/^Choose a category: /, (t) => t('support.error.chooseCategory')],
  [/^Choose a status: /, (t) => t('support.error.chooseStatus')],
  [/^(Subject|Description|Message) must be ([\d,]+) characters or fewer \(it has ([\d,]+)\)\.$/, (t, m) => t('support.error.tooLong', {
    field: m[1]!.toLowerCase(), max: Number(m[2]!.replace(/,/g, '')), count: Number(m[3]!.replace(/,/g, '')),
  })],
];

function fieldText(t: Translator['t'], message: string): string {
  for (const [pattern, text] of FIELD_MESSAGES) {
    const match = pattern.exec(message);
    if (match) return text(t, match);
  }
  return message;
}

/** Case forms show a refusal beside its field, or as a whole (`form`) when it names none. */
function formRefusal(error: unknown, reply: FastifyReply, options?: RefusalOptions) {
  const refusal = refusalOf(error, reply, options);
  const { t } = i18nOf(reply.request);
  const fields = Object.fromEntries(Object.entries(refusal.fields).map(([name, message]) => [name, message === undefined ? message : fieldText(t, message)]));
  return Object.keys(fields).length > 0 ? { ...refusal, fields } : { ...refusal, fields: { form: refusal.message } };
}

const i18nOf = (request: FastifyRequest | undefined): Translator => request?.pageEnv?.i18n ?? translator('en');

const casePath = (id: string) => `/support/${encodeURIComponent(id)}`;
const adminCasePath = (id: string) => `/admin/support/${encodeURIComponent(id)}`;
const CHECK_EMAIL_PATH = '/support/check-email';
const LINK_HOURS = CASE_REQUEST_TTL_MS / 3_600_000;

export async function supportPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { support, sessions, reports } = context.services;

  const { signedIn } = context.pages;
  /** The subscription a case is about, named by its campaign, for the operator's links. */
  const linksOf = (c: SupportCaseView) => reports.subscriptionLinks(c.subscriptionId ? [c.subscriptionId] : []);
  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, i18nOf(request).t('support.queue.operatorsOnly'));

  /** A one-time message after a redirect; `statusNotice` is shown by the status form it is about. */
  async function takeNotice(session: Session, key: 'notice' | 'statusNotice' = 'notice'): Promise<string | undefined> {
    const { [key]: notice, ...rest } = session.data;
    if (typeof notice !== 'string') return undefined;
    await sessions.saveData(session, rest);
    return notice;
  }

  /** Notices are kept in the words of the language they were made in (a switch in between is rare). */
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
    const ctx = await context.pages.pageContext(request, reply);
    const empty: NewCaseValues = { category: '', subscriptionId: '', subject: '', description: '', email: '' };
    if (!request.account) return sendPage(reply, <NewCasePage ctx={ctx} subscriptions={[]} values={empty} />);
    const choices = await support.subscriptionChoices(request.account.id);
    // Only one of their own subscriptions is preselected; any other id is ignored.
    const about = choices.find((s) => s.id === request.query.subscription);
    const values: NewCaseValues = { ...empty, category: about ? 'activation' : '', subscriptionId: about?.id ?? '' };
    return sendPage(reply, <NewCasePage ctx={ctx} subscriptions={choices} values={values} />);
  });

  pages.post('/support/new', { schema: { ...hidden, body: NewCaseForm } }, async (request, reply) => {
    const account = request.account;
    const { t, locale } = i18nOf(request);
    const values: NewCaseValues = {
      category: formValue(request.body, 'category'), subscriptionId: account ? formValue(request.body, 'subscriptionId') : '',
      subject: formValue(request.body, 'subject'), description: formValue(request.body, 'description'), email: formValue(request.body, 'email'),
    };
    try {
      const ctx = await context.pages.pageContext(request, reply);
      if (!account) {
        const { email } = await support.requestCase(values, { address: request.ip, locale });
        await sessions.saveData(ctx.session, { ...ctx.session.data, supportRequestEmail: email });
        return reply.redirect(CHECK_EMAIL_PATH, 303);
      }
      const created = await support.openCase(account.id, values, actorOf(request));
      return redirectWithNotice(reply, ctx, t('support.notice.caseOpen'), casePath(created.id));
    } catch (error) {
      const minutes = error instanceof TooManyAttemptsError ? Math.max(1, Math.ceil(error.retryAfterSeconds / 60)) : 0;
      const refusal = formRefusal(error, reply, {
        codes: {
          not_found: { field: 'subscriptionId', message: t('support.error.notYourSubscription') },
          too_many_attempts: { message: t('support.error.tooManyRequests', { minutes }) },
        },
      });
      const [ctx, choices] = await Promise.all([context.pages.pageContext(request, reply), account ? support.subscriptionChoices(account.id) : []]);
      return sendPage(reply, <NewCasePage ctx={ctx} subscriptions={choices} values={values} errors={refusal.fields} />, refusal.code === 'not_found' ? 400 : refusal.status);
    }
  });

  pages.get(CHECK_EMAIL_PATH, { schema: hidden }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    const email = ctx.session.data.supportRequestEmail;
    if (typeof email !== 'string') return reply.redirect('/support/new', 303);
    return sendPage(reply, <CheckEmailPage ctx={ctx} email={email} />);
  });

  // Mail scanners fetch links, so opening the link only shows a button; opening the case takes a POST.
  pages.get(CONFIRM_PATH, { schema: { ...hidden, querystring: TokenQuery } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    // The token stays off other sites' Referer; same-origin keeps the Origin the button's POST is checked by.
    reply.header('cache-control', 'no-store').header('referrer-policy', 'same-origin');
    return sendPage(reply, <ConfirmRequestPage ctx={ctx} token={request.query.token ?? ''} />);
  });

  pages.post(CONFIRM_PATH, { schema: { ...hidden, body: TokenForm } }, async (request, reply) => {
    const ctx = await context.pages.pageContext(request, reply);
    try {
      const opened = await support.confirmCaseRequest(formValue(request.body, 'token'));
      if (request.account && opened.account?.id === request.account.id) {
        return redirectWithNotice(reply, ctx, i18nOf(request).t('support.notice.caseOpen'), casePath(opened.id));
      }
      return sendPage(reply, <RequestConfirmedPage ctx={ctx} supportCase={opened} />);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return sendPage(reply, <InvalidRequestLinkPage ctx={ctx} />, refusal.status);
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
    return redirectWithNotice(reply, ctx, i18nOf(request).t('support.notice.messageSent'), `${casePath(request.params.id)}#latest`);
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
    const { t } = i18nOf(request);
    try {
      const updated = await support.addMessage(request.params.id, { role: 'operator' }, { body }, actorOf(request));
      const to = updated.account?.email ?? updated.contactEmail;
      const notice = to ? t('support.notice.replySentTo', { email: to }) : t('support.notice.replySent');
      return redirectWithNotice(reply, ctx, notice, `${adminCasePath(request.params.id)}#latest`);
    } catch (error) {
      const refusal = formRefusal(error, reply);
      const supportCase = await support.getForOperator(request.params.id);
      return sendPage(reply, <OperatorCasePage ctx={ctx} supportCase={supportCase} reply={body} errors={refusal.fields} links={await linksOf(supportCase)} />, refusal.status);
    }
  });

  pages.post('/admin/support/:id/status', { schema: { ...hidden, params: IdParams, body: StatusForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { t } = i18nOf(request);
    try {
      const updated = await support.changeStatus(request.params.id, formValue(request.body, 'status'), actorOf(request));
      await sessions.saveData(ctx.session, { ...ctx.session.data, statusNotice: t('support.notice.statusChanged', { status: updated.status }) });
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

const CATEGORIES: readonly SupportCategory[] = ['activation', 'billing', 'technical', 'account'];

const categoryOptions = (t: Translator['t']): ReadonlyArray<SelectOption & { value: SupportCategory }> =>
  CATEGORIES.map((value) => ({ value, label: t('support.category.option', { category: value }) }));

const categoryLabel = (t: Translator['t'], category: SupportCategory) => t('support.category.label', { category });

const SUBSCRIPTION_STATUSES = new Set(['pending', 'provisioning', 'active', 'failed', 'cancelled', 'disabled', 'expired', 'deleted']);

const subscriptionStatusWords = (t: Translator['t'], status: string) =>
  (SUBSCRIPTION_STATUSES.has(status) ? t('support.subscriptionStatus', { status }) : status);

/** What the recipient reads: "waiting" means the support team waits for them. */
const recipientStatusLabel = (t: Translator['t'], status: SupportCaseStatus) => t('support.status.recipient', { status });
const operatorStatusLabel = (t: Translator['t'], status: SupportCaseStatus) => t('support.status.operator', { status });

function When(props: { value: string }) {
  const { dateTime } = useT();
  return <time dateTime={props.value}>{dateTime(props.value)}</time>;
}

// ---- recipient pages ------------------------------------------------------------------------------

function SignedOutSupportPage(props: { ctx: PageContext }) {
  const { t } = useT();
  return (
    <Layout title={t('support.title')} account={null} csrfToken={props.ctx.csrfToken}>
      <h1>{t('support.title')}</h1>
      <p class="lead">{t('support.signedOut.lead')}</p>
      <Card title={t('support.signedOut.withoutTitle')}>
        <p>{t('support.signedOut.without')}</p>
        <Actions>
          <LinkButton href="/support/new">{t('support.new.button')}</LinkButton>
        </Actions>
      </Card>
      <Card title={t('support.signedOut.signInTitle')}>
        <p>{t('support.signedOut.signIn')}</p>
        <p>{t('support.signedOut.systemCase')}</p>
        <Actions>
          <LinkButton href={`/signin?returnTo=${encodeURIComponent('/support')}`} kind="secondary">{t('support.signedOut.signInButton')}</LinkButton>
          <LinkButton href="/signup" kind="secondary">{t('support.signedOut.signUpButton')}</LinkButton>
        </Actions>
      </Card>
    </Layout>
  );
}

function MyCasesPage(props: { ctx: PageContext; cases: SupportCaseView[]; notice?: string }) {
  const { t } = useT();
  return (
    <Layout title={t('support.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <div class="page-head">
        <h1>{t('support.mine.title')}</h1>
        <LinkButton href="/support/new">{t('support.new.button')}</LinkButton>
      </div>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      {props.cases.length === 0 ? (
        <Card class="support-empty">
          <h2>{t('support.mine.emptyTitle')}</h2>
          <p>{t('support.mine.empty')}</p>
        </Card>
      ) : (
        <ul class="case-list" aria-label={t('support.mine.title')}>
          {props.cases.map((c) => <CaseItem supportCase={c} href={casePath(c.id)} statusLabel={recipientStatusLabel(t, c.status)} />)}
        </ul>
      )}
    </Layout>
  );
}

function CaseItem(props: { supportCase: SupportCaseView; href: string; statusLabel: string; showAccount?: boolean; links?: SubscriptionLinks }) {
  const { t } = useT();
  const c = props.supportCase;
  return (
    <li class={`case-item case-item--${c.status}`}>
      <div class="case-item__head">
        <a class="case-item__subject" href={props.href}>{c.subject}</a>
        <Badge status={c.status} label={props.statusLabel} />
      </div>
      {props.showAccount ? <CaseLinks supportCase={c} links={props.links} /> : null}
      <p class="case-item__meta">
        {categoryLabel(t, c.category)} · {t('support.case.number', { number: caseNumber(c.id) })} · {t('support.case.lastActivity')} <When value={c.updatedAt} />
      </p>
    </li>
  );
}

interface NewCaseValues {
  category: string;
  subscriptionId: string;
  subject: string;
  description: string;
  /** Only asked of signed-out visitors. */
  email: string;
}

function NewCasePage(props: {
  ctx: PageContext; subscriptions: Array<{ id: string; name: string; status: string }>; values: NewCaseValues; errors?: FieldErrors;
}) {
  const { t } = useT();
  const { values } = props;
  const signedIn = props.ctx.account !== null;
  const { form: formError, ...errors } = props.errors ?? {};
  const subscriptionOptions = props.subscriptions.map((s) => ({ value: s.id, label: `${s.name} · ${subscriptionStatusWords(t, s.status)}` }));
  return (
    <Layout title={t('support.new.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <p class="breadcrumb"><a href="/support">{signedIn ? t('support.back.mine') : t('support.back.support')}</a></p>
      <h1>{t('support.new.title')}</h1>
      <p class="lead">{signedIn ? t('support.new.lead') : t('support.new.leadSignedOut')}</p>
      <FormErrorSummary errors={errors} />
      {formError ? <Alert kind="error" title={t('support.error.title')}>{formError}</Alert> : null}
      <Card>
        <Form action="/support/new" csrfToken={props.ctx.csrfToken} aria-label={t('support.new.title')}>
          {signedIn ? null : (
            <TextField name="email" label={t('support.field.email')} type="email" autocomplete="email" value={values.email} error={errors.email} required maxLength={254}
              hint={t('support.field.emailHint')} />
          )}
          <SelectField name="category" label={t('support.field.category')} options={categoryOptions(t)} value={values.category} error={errors.category} placeholder={t('support.field.categoryPlaceholder')} required />
          {subscriptionOptions.length > 0 ? (
            <SelectField
              name="subscriptionId" label={t('support.field.subscription')} options={subscriptionOptions} value={values.subscriptionId}
              error={errors.subscriptionId} placeholder={t('support.field.subscriptionPlaceholder')} hint={t('support.field.subscriptionHint')}
            />
          ) : null}
          <TextField name="subject" label={t('support.field.subject')} value={values.subject} error={errors.subject} required maxLength={MAX_SUBJECT_LENGTH} hint={t('support.field.subjectHint')} />
          <TextAreaField
            name="description" label={t('support.field.description')} value={values.description} error={errors.description} required rows={8} maxLength={MAX_TEXT_LENGTH}
            hint={t('support.field.descriptionHint')}
          />
          <Actions>
            <Button>{t('support.new.button')}</Button>
          </Actions>
        </Form>
      </Card>
      {signedIn ? null : <p><a href={`/signin?returnTo=${encodeURIComponent('/support/new')}`}>{t('support.new.signInInstead')}</a></p>}
    </Layout>
  );
}

/** After a signed-out request: the same words whether or not the address has an account. */
function CheckEmailPage(props: { ctx: PageContext; email: string }) {
  const { t } = useT();
  return (
    <Layout title={t('support.checkEmail.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>{t('support.checkEmail.title')}</h1>
      <Alert kind="success">{t('support.checkEmail.sent', { email: props.email })}</Alert>
      <p>{t('support.checkEmail.validity', { hours: LINK_HOURS })}</p>
      <p>{t('support.checkEmail.noMail')}</p>
      <p><a href="/support/new">{t('support.checkEmail.again')}</a></p>
    </Layout>
  );
}

function ConfirmRequestPage(props: { ctx: PageContext; token: string }) {
  const { t } = useT();
  return (
    <Layout title={t('support.confirm.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>{t('support.confirm.title')}</h1>
      <p class="lead">{t('support.confirm.lead')}</p>
      <Form action={CONFIRM_PATH} csrfToken={props.ctx.csrfToken} aria-label={t('support.confirm.title')}>
        <input type="hidden" name="token" value={props.token} />
        <Actions><Button>{t('support.confirm.button')}</Button></Actions>
      </Form>
    </Layout>
  );
}

function RequestConfirmedPage(props: { ctx: PageContext; supportCase: SupportCaseView }) {
  const { t } = useT();
  const c = props.supportCase;
  return (
    <Layout title={t('support.confirmed.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>{t('support.confirmed.title')}</h1>
      <Alert kind="success">{t('support.confirmed.open', { number: caseNumber(c.id) })}</Alert>
      <dl class="case-facts">
        <div><dt>{t('support.case.caseLabel')}</dt><dd class="mono">{caseNumber(c.id)}</dd></div>
        <div><dt>{t('support.field.subject')}</dt><dd>{c.subject}</dd></div>
        <div><dt>{t('support.field.category')}</dt><dd>{categoryLabel(t, c.category)}</dd></div>
      </dl>
      <p>{t('support.confirmed.replies', { email: c.contactEmail ?? '' })}</p>
      <p><a href="/help">{t('support.confirmed.help')}</a></p>
    </Layout>
  );
}

function InvalidRequestLinkPage(props: { ctx: PageContext }) {
  const { t } = useT();
  return (
    <Layout title={t('support.invalidLink.title')} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <h1>{t('support.invalidLink.title')}</h1>
      <Alert kind="error">{t('support.invalidLink.message', { hours: LINK_HOURS })}</Alert>
      <p><a href="/support/new">{t('support.invalidLink.again')}</a></p>
    </Layout>
  );
}

function CasePage(props: { ctx: PageContext; supportCase: SupportCaseView; notice?: string; reply?: string; errors?: FieldErrors }) {
  const { t } = useT();
  const c = props.supportCase;
  return (
    <Layout title={t('support.case.title', { number: caseNumber(c.id) })} account={props.ctx.account} csrfToken={props.ctx.csrfToken}>
      <p class="breadcrumb"><a href="/support">{t('support.back.mine')}</a></p>
      <CaseHeading supportCase={c} statusLabel={recipientStatusLabel(t, c.status)} />
      <dl class="case-facts">
        <div><dt>{t('support.case.caseLabel')}</dt><dd class="mono">{caseNumber(c.id)}</dd></div>
        <div><dt>{t('support.field.category')}</dt><dd>{categoryLabel(t, c.category)}</dd></div>
        <div><dt>{t('support.case.opened')}</dt><dd><When value={c.createdAt} /></dd></div>
        {c.subscriptionId ? <div><dt>{t('console.support.subscription')}</dt><dd><a href={`/subscriptions/${encodeURIComponent(c.subscriptionId)}`}>{t('support.case.seeSubscription')}</a></dd></div> : null}
      </dl>
      {c.status === 'waiting' ? <Alert kind="info" title={t('support.case.waitingTitle')}>{t('support.case.waiting')}</Alert> : null}
      <Conversation supportCase={c} viewer="recipient" notice={props.notice} />
      <ReplyForm
        action={`${casePath(c.id)}/messages`} csrfToken={props.ctx.csrfToken} value={props.reply} errors={props.errors}
        hint={c.status === 'closed' ? t('support.reply.hintClosed') : t('support.reply.hint')}
      />
    </Layout>
  );
}

function CaseHeading(props: { supportCase: SupportCaseView; statusLabel: string }) {
  const { t } = useT();
  return (
    <div class="case-heading">
      <h1 class="case-heading__subject">{props.supportCase.subject}</h1>
      <p class="case-heading__status"><span class="visually-hidden">{t('support.case.statusLabel')} </span><Badge status={props.supportCase.status} label={props.statusLabel} /></p>
    </div>
  );
}

/** The description first (it is the recipient's opening message), then every message, newest last. */
function Conversation(props: { supportCase: SupportCaseView; viewer: 'recipient' | 'operator'; notice?: string }) {
  const { t } = useT();
  const c = props.supportCase;
  const opening: SupportMessageView = { id: 'description', authorType: 'account', authorName: '', body: c.description, createdAt: c.createdAt };
  const entries = [opening, ...(c.messages ?? [])];
  return (
    <section class="conversation" aria-labelledby="conversation-title">
      <h2 id="conversation-title" class="conversation__title">{t('support.conversation.title')}</h2>
      <ol class="conversation__list">
        {entries.map((m, i) => (
          <li class={`message message--${m.authorType}`} id={i === entries.length - 1 ? 'latest' : undefined}>
            <article>
              <p class="message__meta">
                <span class="message__author">{authorName(t, c, m, props.viewer)}</span>
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

function authorName(t: Translator['t'], c: SupportCaseView, message: SupportMessageView, viewer: 'recipient' | 'operator'): string {
  if (message.authorType === 'account') {
    return viewer === 'recipient' ? t('support.author.you') : (c.account?.displayName || c.contactEmail || t('support.author.recipient'));
  }
  if (message.authorType === 'operator') return viewer === 'operator' ? t('support.author.operatorSelf') : t('support.author.operator');
  return t('support.author.system');
}

function ReplyForm(props: { action: string; csrfToken: string; value?: string; errors?: FieldErrors; hint: ComponentChildren; title?: string }) {
  const { t } = useT();
  const { form: formError, ...errors } = props.errors ?? {};
  const fieldErrors: FieldErrors = { body: errors.body };
  const title = props.title ?? t('support.reply.title');
  return (
    <Card title={title} class="reply-card">
      <FormErrorSummary errors={fieldErrors} />
      {formError ? <Alert kind="error" title={t('support.error.title')}>{formError}</Alert> : null}
      <Form action={props.action} csrfToken={props.csrfToken} aria-label={title}>
        <TextAreaField name="body" label={t('support.reply.message')} value={props.value} error={errors.body} required rows={5} maxLength={MAX_TEXT_LENGTH} hint={props.hint} />
        <Actions>
          <Button>{t('support.reply.send')}</Button>
        </Actions>
      </Form>
    </Card>
  );
}

// ---- operator pages ---------------------------------------------------------------------------------

function QueuePage(props: {
  ctx: PageContext; filter: QueueFilter; cases: SupportCaseView[]; nextCursor: string | null; counts: Record<SupportCaseStatus, number>; links: SubscriptionLinks;
}) {
  const i18n = useT();
  const { t } = i18n;
  const { counts } = props;
  const tabs: Array<{ filter: QueueFilter; label: string; count: number }> = [
    ...SUPPORT_STATUSES.map((status) => ({ filter: status, label: operatorStatusLabel(t, status), count: counts[status] })),
    { filter: 'all', label: t('support.queue.all'), count: counts.open + counts.waiting + counts.closed },
  ];
  const here = (filter: QueueFilter) => `/admin/support?status=${filter}`;
  return (
    <Console ctx={props.ctx} current="/admin/support" title={t('support.queue.title')}>
      <nav class="queue-filter" aria-label={t('support.queue.byStatus')}>
        <ul>
          {tabs.map((tab) => (
            <li>
              <a href={here(tab.filter)} aria-current={tab.filter === props.filter ? 'page' : undefined}>
                {tab.label} <span class="queue-filter__count">{i18n.number(tab.count)}</span>
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {props.cases.length === 0 ? <p class="muted">{props.filter === 'open' ? t('support.queue.noneOpen') : t('support.queue.none')}</p> : (
        <ul class="case-list" aria-label={t('support.queue.cases')}>
          {props.cases.map((c) => <CaseItem supportCase={c} href={adminCasePath(c.id)} statusLabel={operatorStatusLabel(t, c.status)} showAccount links={props.links} />)}
        </ul>
      )}
      {props.nextCursor ? <p><a href={`${here(props.filter)}&before=${encodeURIComponent(props.nextCursor)}`}>{t('support.queue.older')}</a></p> : null}
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
        {c.account ? <a href={recipientHref(c.account.email)}>{c.account.displayName} · <span class="break-anywhere">{c.account.email}</span></a>
          : c.contactEmail ? <span class="break-anywhere">{t('support.console.contactOnly', { email: c.contactEmail })}</span> : t('console.support.noAccount')}
      </li>
      {c.subscriptionId ? (
        <li>
          <span class="case-item__link-label">{t('console.support.subscription')}: </span>
          {c.account ? <a href={recipientHref(c.account.email, c.subscriptionId)}>{name ?? c.subscriptionId.slice(0, 8)}</a> : (name ?? c.subscriptionId.slice(0, 8))}
          {link ? <> · {subscriptionStatusWords(t, link.status)}</> : null}
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
          {link ? <> · {subscriptionStatusWords(t, link.status)}</> : null}
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
  const { t } = useT();
  const c = props.supportCase;
  const { status: statusError, ...replyErrors } = props.errors ?? {};
  const statusOptions = SUPPORT_STATUSES.map((s) => ({ value: s, label: operatorStatusLabel(t, s) }));
  const then = c.status === 'open' ? ` ${t('support.operator.thenWaits')}` : '';
  const hint = c.account
    ? <>{t('support.operator.emailedTo', { email: c.account.email })}{then}</>
    : c.contactEmail
      ? <>{t('support.operator.emailedToContact', { email: c.contactEmail })}{then}</>
      : t('support.operator.nobodyEmailed');
  return (
    <Console ctx={props.ctx} current="/admin/support" title={t('support.operator.title', { number: caseNumber(c.id) })}>
      <p class="breadcrumb"><a href="/admin/support">{t('support.back.queue')}</a></p>
      <div class="operator-case">
        <div class="operator-case__main">
          <div class="case-heading">
            <h2 class="case-heading__subject">{c.subject}</h2>
            <p class="case-heading__status"><span class="visually-hidden">{t('support.case.statusLabel')} </span><Badge status={c.status} label={operatorStatusLabel(t, c.status)} /></p>
          </div>
          <Conversation supportCase={c} viewer="operator" notice={props.notice} />
          <ReplyForm
            action={`${adminCasePath(c.id)}/messages`} csrfToken={props.ctx.csrfToken} value={props.reply} errors={replyErrors} title={t('support.operator.replyTitle')}
            hint={hint}
          />
        </div>
        <div class="operator-case__side">
          <section class="card" id="case-status">
            <h3 class="card__title">{t('support.operator.statusTitle')}</h3>
            {props.statusNotice ? <Alert kind="success">{props.statusNotice}</Alert> : null}
            <Form action={`${adminCasePath(c.id)}/status`} csrfToken={props.ctx.csrfToken}>
              <SelectField name="status" label={t('support.operator.status')} options={statusOptions} value={c.status} error={statusError} required />
              <Actions>
                <Button kind="secondary">{t('support.operator.changeStatus')}</Button>
              </Actions>
            </Form>
          </section>
          <Card title={t('support.operator.details')} headingLevel={3}>
            <dl class="summary-list">
              <div><dt>{t('support.operator.from')}</dt><dd>{c.account
                ? <>{c.account.displayName}<br /><a class="break-anywhere" href={recipientHref(c.account.email)}>{c.account.email}</a></>
                : c.contactEmail ? <span class="break-anywhere">{t('support.console.contactOnly', { email: c.contactEmail })}</span> : t('console.support.noAccount')}</dd></div>
              {c.contactEmail && c.account ? <div><dt>{t('support.operator.confirmedBy')}</dt><dd class="break-anywhere">{c.contactEmail}</dd></div> : null}
              <div><dt>{t('support.field.category')}</dt><dd>{categoryLabel(t, c.category)}</dd></div>
              {c.subscriptionId ? <SubscriptionFacts supportCase={c} links={props.links} /> : null}
              <div><dt>{t('support.case.opened')}</dt><dd><When value={c.createdAt} /></dd></div>
              <div><dt>{t('support.case.lastActivityLabel')}</dt><dd><When value={c.updatedAt} /></dd></div>
            </dl>
          </Card>
        </div>
      </div>
    </Console>
  );
}
