// The operator console's code pages: generate a batch for a campaign and download it as CSV (the one
// time the plain codes exist, as with the CLI), revoke a whole batch or a single code after a
// confirmation step, and look a code up by its text: its state, who redeemed it (their email) and when.
// Lookups and revocations are POSTs with the CSRF token, so a code never lands in an address or a log.
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf } from '../../http/form-errors.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { ValidationError } from '../../lib/errors.ts';
import { Actions, Alert, Badge, Button, Card, Form, FormErrorSummary, LinkButton, TextField, type FieldErrors } from '../../web/components.tsx';
import { Console } from '../../web/console-layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import { CODES_CSV_HEADER, codesCsvRows } from './codes-csv.ts';
import type { CodeBatchView, GeneratedChunk, PassCodeView } from './codes.service.ts';

const hidden = { hide: true } as const;
const CampaignParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
const BatchParams = Type.Object({ batchId: Type.String({ maxLength: 100 }) });
const CountForm = formBody(['count'], 200);
const CodeForm = formBody(['code', 'confirm'], 200);
const ConfirmForm = formBody([], 200);

/** A batch from the console streams to the browser chunk by chunk; more than this is a job for the CLI. */
export const MAX_CONSOLE_BATCH = 100_000;

const campaignPath = (id: string) => `/admin/campaigns/${encodeURIComponent(id)}`;

export async function codePages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { codes, campaigns, accounts, sessions } = context.services;
  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, request.pageEnv.i18n.t('console.forbidden'));

  // ---- generating a batch -------------------------------------------------------------------

  pages.get('/admin/campaigns/:id/codes', { schema: { ...hidden, params: CampaignParams } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const campaign = await campaigns.get(request.params.id);
    return sendPage(reply, <GeneratePage ctx={ctx} campaign={campaign} count="100" />);
  });

  pages.post('/admin/campaigns/:id/codes', { schema: { ...hidden, params: CampaignParams, body: CountForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const campaign = await campaigns.get(request.params.id);
    const countText = formValue(request.body, 'count').trim();
    const { t } = request.pageEnv.i18n;
    let first: IteratorResult<GeneratedChunk>;
    let chunks: AsyncGenerator<GeneratedChunk>;
    try {
      const count = /^\d{1,7}$/.test(countText.replace(/[\s,._]/g, '')) ? Number(countText.replace(/[\s,._]/g, '')) : Number.NaN;
      if (!(count >= 1 && count <= MAX_CONSOLE_BATCH)) {
        throw new ValidationError([{ path: 'count', message: t('console.codes.errors.count', { max: MAX_CONSOLE_BATCH }) }]);
      }
      chunks = codes.generateCodes(campaign.id, count, actorOf(request));
      // The first chunk is stored before anything is sent: a refusal (a closed campaign) still gets its page.
      first = await chunks.next();
    } catch (error) {
      const refusal = refusalOf(error, reply);
      const errors: FieldErrors = refusal.fields.count ? { count: refusal.fields.count } : { form: refusal.message };
      return sendPage(reply, <GeneratePage ctx={ctx} campaign={campaign} count={countText} errors={errors} />, refusal.status);
    }
    const batch = first.done ? undefined : first.value;
    async function* csv() {
      if (!batch) return;
      yield CODES_CSV_HEADER + codesCsvRows(batch);
      for await (const chunk of chunks) yield codesCsvRows(chunk);
    }
    return reply.code(200)
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="codes-${safeName(campaign.name)}-${batch?.batchId.slice(0, 8) ?? 'empty'}.csv"`)
      .type('text/csv; charset=utf-8')
      .send(Readable.from(csv()));
  });

  // ---- revoking a batch ---------------------------------------------------------------------

  pages.get('/admin/codes/batches/:batchId/revoke', { schema: { ...hidden, params: BatchParams } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const batch = await codes.getBatch(request.params.batchId);
    const campaign = await campaigns.get(batch.campaignId);
    return sendPage(reply, <RevokeBatchPage ctx={ctx} batch={batch} campaignName={campaign.name} />);
  });

  pages.post('/admin/codes/batches/:batchId/revoke', { schema: { ...hidden, params: BatchParams, body: ConfirmForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const batch = await codes.getBatch(request.params.batchId);
    const { revoked } = await codes.revokeBatch(batch.id, actorOf(request));
    const notice = request.pageEnv.i18n.t('console.codes.batchRevoked', { count: revoked, batch: batch.id.slice(0, 8) });
    await sessions.saveData(ctx.session, { ...ctx.session.data, consoleNotice: notice });
    return reply.redirect(`${campaignPath(batch.campaignId)}#codes`, 303);
  });

  // ---- looking a code up, revoking one --------------------------------------------------------

  async function describe(code: PassCodeView): Promise<CodeFacts> {
    const [campaign, holder] = await Promise.all([
      campaigns.get(code.campaignId),
      code.accountId ? accounts.findAccount(code.accountId) : Promise.resolve(undefined),
    ]);
    return { code, campaign: { id: campaign.id, name: campaign.name }, holderEmail: holder?.email ?? null };
  }

  pages.get('/admin/codes', { schema: hidden }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    return sendPage(reply, <LookupPage ctx={ctx} code="" />);
  });

  pages.post('/admin/codes', { schema: { ...hidden, body: CodeForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const typed = formValue(request.body, 'code');
    const { t } = request.pageEnv.i18n;
    reply.header('cache-control', 'no-store');
    try {
      const facts = await describe(await codes.lookup(typed));
      return sendPage(reply, <LookupPage ctx={ctx} code={typed} facts={facts} />);
    } catch (error) {
      const refusal = refusalOf(error, reply, {
        codes: { code_mistyped: { message: t('console.codes.errors.mistyped') }, invalid_code: { message: t('console.codes.errors.neverIssued') } },
      });
      return sendPage(reply, <LookupPage ctx={ctx} code={typed} errors={{ code: refusal.fields.code ?? refusal.message }} />, refusal.status);
    }
  });

  pages.post('/admin/codes/revoke', { schema: { ...hidden, body: CodeForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const typed = formValue(request.body, 'code');
    const { t } = request.pageEnv.i18n;
    reply.header('cache-control', 'no-store');
    try {
      const facts = await describe(await codes.lookup(typed));
      if (formValue(request.body, 'confirm') !== 'yes') return sendPage(reply, <RevokeCodePage ctx={ctx} code={typed} facts={facts} />);
      const { revoked } = await codes.revoke([typed], actorOf(request));
      const after = await describe(await codes.lookup(typed));
      const notice = revoked === 1 ? t('console.codes.codeRevoked', { last4: after.code.last4 }) : t('console.codes.codeNotRevoked', { last4: after.code.last4 });
      return sendPage(reply, <LookupPage ctx={ctx} code={typed} facts={after} notice={notice} />);
    } catch (error) {
      const refusal = refusalOf(error, reply, {
        codes: { code_mistyped: { message: t('console.codes.errors.mistyped') }, invalid_code: { message: t('console.codes.errors.neverIssued') } },
      });
      return sendPage(reply, <LookupPage ctx={ctx} code={typed} errors={{ code: refusal.fields.code ?? refusal.message }} />, refusal.status);
    }
  });
}

/** A campaign name as a file name: letters, digits and hyphens. */
const safeName = (name: string) => name.normalize('NFKD').replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 40).toLowerCase() || 'campaign';

const shortDateTime = (at: string) => `${at.replace('T', ' ').slice(0, 16)} UTC`;

interface CodeFacts {
  code: PassCodeView;
  campaign: { id: string; name: string };
  holderEmail: string | null;
}

function GeneratePage(props: { ctx: PageContext; campaign: { id: string; name: string }; count: string; errors?: FieldErrors }) {
  const { t } = useT();
  const { form, ...fields } = props.errors ?? {};
  const c = props.campaign;
  return (
    <Console ctx={props.ctx} current="/admin/campaigns" title={t('console.codes.generateFor', { name: c.name })}>
      <p class="breadcrumb"><a href={campaignPath(c.id)}>← {c.name}</a></p>
      <FormErrorSummary errors={fields} title={t('console.form.problem')} />
      {form ? <Alert kind="error" title={t('console.form.didNotWork')}>{form}</Alert> : null}
      <Card>
        <Form action={`${campaignPath(c.id)}/codes`} csrfToken={props.ctx.csrfToken} aria-label={t('console.codes.generate')}>
          <TextField name="count" label={t('console.codes.count')} inputMode="numeric" required value={props.count} error={fields.count} hint={t('console.codes.countHint')} />
          <Actions><Button>{t('console.codes.generate')}</Button></Actions>
        </Form>
      </Card>
    </Console>
  );
}

function RevokeBatchPage(props: { ctx: PageContext; batch: CodeBatchView; campaignName: string }) {
  const { t, number } = useT();
  const b = props.batch;
  return (
    <Console ctx={props.ctx} current="/admin/campaigns" title={t('console.codes.revokeBatchTitle', { batch: b.id.slice(0, 8) })}>
      <p class="breadcrumb"><a href={`${campaignPath(b.campaignId)}#codes`}>← {props.campaignName}</a></p>
      <Alert kind="error" title={t('console.codes.revokeBatchWarningTitle', { count: b.issued })}>
        <p>{t('console.codes.revokeBatchWarning', { redeemed: number(b.redeemed) })}</p>
      </Alert>
      <dl class="summary-list">
        <div><dt>{t('console.codes.batch')}</dt><dd class="mono">{b.id}</dd></div>
        <div><dt>{t('console.codes.size')}</dt><dd>{number(b.size)}</dd></div>
        <div><dt>{t('console.codes.unredeemed')}</dt><dd>{number(b.issued)}</dd></div>
        <div><dt>{t('console.campaigns.funnel.redeemed')}</dt><dd>{number(b.redeemed)}</dd></div>
        <div><dt>{t('console.codes.generated')}</dt><dd>{t('console.codes.generatedBy', { when: shortDateTime(b.createdAt), who: b.createdBy })}</dd></div>
      </dl>
      <Form action={`/admin/codes/batches/${encodeURIComponent(b.id)}/revoke`} csrfToken={props.ctx.csrfToken} aria-label={t('console.codes.revokeBatch')}>
        <Actions>
          <Button kind="danger">{t('console.codes.revokeBatch')}</Button>
          <LinkButton href={`${campaignPath(b.campaignId)}#codes`} kind="secondary">{t('console.cancel')}</LinkButton>
        </Actions>
      </Form>
    </Console>
  );
}

function CodeState(props: { state: PassCodeView['state'] }) {
  const { t } = useT();
  return <Badge status={props.state} label={t(`console.codes.state.${props.state}`)} />;
}

function CodeFactsList(props: { facts: CodeFacts }) {
  const { t } = useT();
  const { code, campaign, holderEmail } = props.facts;
  return (
    <dl class="summary-list">
      <div><dt>{t('console.codes.stateLabel')}</dt><dd><CodeState state={code.state} /></dd></div>
      <div><dt>{t('console.codes.lastFour')}</dt><dd class="mono">{code.last4}</dd></div>
      <div><dt>{t('console.codes.campaign')}</dt><dd><a href={campaignPath(campaign.id)}>{campaign.name}</a></dd></div>
      <div><dt>{t('console.codes.batch')}</dt><dd class="mono">{code.batchId.slice(0, 8)}</dd></div>
      <div><dt>{t('console.codes.generated')}</dt><dd>{shortDateTime(code.createdAt)}</dd></div>
      {code.state === 'redeemed' ? (
        <>
          <div><dt>{t('console.codes.redeemedBy')}</dt><dd class="break-anywhere">{holderEmail ?? t('console.codes.unknownAccount')}</dd></div>
          <div><dt>{t('console.codes.redeemedAt')}</dt><dd>{code.redeemedAt ? shortDateTime(code.redeemedAt) : '—'}</dd></div>
        </>
      ) : null}
      {code.state === 'revoked' && code.revokedAt ? <div><dt>{t('console.codes.revokedAt')}</dt><dd>{shortDateTime(code.revokedAt)}</dd></div> : null}
    </dl>
  );
}

function LookupPage(props: { ctx: PageContext; code: string; facts?: CodeFacts; errors?: FieldErrors; notice?: string }) {
  const { t } = useT();
  const errors = props.errors ?? {};
  return (
    <Console ctx={props.ctx} current="/admin/codes" title={t('console.codes.lookupTitle')}>
      <FormErrorSummary errors={errors} title={t('console.form.problem')} />
      <Card>
        <Form action="/admin/codes" csrfToken={props.ctx.csrfToken} aria-label={t('console.codes.lookupTitle')}>
          <TextField
            name="code" label={t('console.codes.code')} value={props.code} error={errors.code} required variant="code"
            autoCapitalize="characters" spellcheck={false} autocomplete="off" maxLength={40} hint={t('console.codes.codeHint')}
          />
          <Actions><Button>{t('console.codes.lookUp')}</Button></Actions>
        </Form>
      </Card>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      {props.facts ? (
        <section class="card" aria-labelledby="code-heading">
          <h2 class="card__title" id="code-heading">{t('console.codes.resultHeading', { last4: props.facts.code.last4 })}</h2>
          <CodeFactsList facts={props.facts} />
          {props.facts.code.state === 'issued' ? (
            <Form action="/admin/codes/revoke" csrfToken={props.ctx.csrfToken} aria-label={t('console.codes.revokeCode')}>
              <input type="hidden" name="code" value={props.code} />
              <Actions><Button kind="secondary">{t('console.codes.revokeCodeLink')}</Button></Actions>
            </Form>
          ) : null}
        </section>
      ) : null}
    </Console>
  );
}

function RevokeCodePage(props: { ctx: PageContext; code: string; facts: CodeFacts }) {
  const { t } = useT();
  return (
    <Console ctx={props.ctx} current="/admin/codes" title={t('console.codes.revokeCodeTitle', { last4: props.facts.code.last4 })}>
      <Alert kind="error" title={t('console.codes.revokeCodeWarningTitle')}>
        <p>{t('console.codes.revokeCodeWarning')}</p>
      </Alert>
      <CodeFactsList facts={props.facts} />
      <Form action="/admin/codes/revoke" csrfToken={props.ctx.csrfToken} aria-label={t('console.codes.revokeCode')}>
        <input type="hidden" name="code" value={props.code} />
        <input type="hidden" name="confirm" value="yes" />
        <Actions>
          <Button kind="danger">{t('console.codes.revokeCode')}</Button>
          <LinkButton href="/admin/codes" kind="secondary">{t('console.cancel')}</LinkButton>
        </Actions>
      </Form>
    </Console>
  );
}
