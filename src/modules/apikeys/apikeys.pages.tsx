// Console pages for API keys: the list (name, scope, created, last used), a form that creates a key and
// shows it once, and revoking one.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf } from '../../http/form-errors.ts';
import { createNotices } from '../../http/notice.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { Alert, Button, Card, Form, FormErrorSummary, SelectField, TableWrap, TextField, type FieldErrors } from '../../web/components.tsx';
import { Console } from '../../web/console-layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { ApiKeyView } from './apikeys.service.ts';

const hidden = { hide: true } as const;
const CreateForm = formBody(['name', 'scope'], 200);

interface CreateState {
  values: { name: string; scope: string };
  errors: FieldErrors;
  /** The key just made: shown on this answer only. */
  created?: { key: string; apiKey: ApiKeyView };
}

export async function apiKeyPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { apiKeys, sessions } = context.services;
  const notices = createNotices(sessions);

  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, request.pageEnv.i18n.t('people.forbidden'));

  async function render(request: FastifyRequest, reply: FastifyReply, ctx: PageContext, state: CreateState, status = 200) {
    const keys = await apiKeys.list();
    const notice = status === 200 && !state.created ? await notices.takeNotice(ctx.session) : undefined;
    return sendPage(reply, <ApiKeysPage ctx={ctx} keys={keys} state={state} notice={notice} />, status);
  }

  pages.get('/admin/apikeys', { schema: hidden }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    return render(request, reply, ctx, { values: { name: '', scope: 'operator' }, errors: {} });
  });

  pages.post('/admin/apikeys', { schema: { ...hidden, body: CreateForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const values = { name: formValue(request.body, 'name'), scope: formValue(request.body, 'scope') };
    try {
      const created = await apiKeys.create(values, actorOf(request));
      // No redirect: the key exists only in this answer.
      reply.header('cache-control', 'no-store');
      return await render(request, reply, ctx, { values: { name: '', scope: values.scope }, errors: {}, created }, 201);
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return render(request, reply, ctx, { values, errors: refusal.fields }, refusal.status);
    }
  });

  pages.post('/admin/apikeys/:id/revoke', { schema: { ...hidden, params: Type.Object({ id: Type.String({ maxLength: 100 }) }), body: formBody() } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { t } = request.pageEnv.i18n;
    try {
      const key = await apiKeys.revoke(request.params.id, actorOf(request));
      return await notices.redirectWithNotice(reply, ctx.session, '/admin/apikeys', t('people.apikeys.revoked', { name: key.name }));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return render(request, reply, ctx, { values: { name: '', scope: 'operator' }, errors: { general: refusal.message } }, refusal.status);
    }
  });
}

function ApiKeysPage(props: { ctx: PageContext; keys: ApiKeyView[]; state: CreateState; notice?: string }) {
  const { t, dateTime } = useT();
  const { state } = props;
  return (
    <Console ctx={props.ctx} current="/admin/apikeys" title={t('console.nav.apiKeys')}>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      {state.errors.general ? <Alert kind="error">{state.errors.general}</Alert> : null}
      {state.created ? (
        <Alert kind="success" title={t('people.apikeys.createdTitle', { name: state.created.apiKey.name })}>
          <p>{t('people.apikeys.createdOnce')}</p>
          <p><code class="mono api-key" id="new-api-key">{state.created.key}</code></p>
          <p class="small">{t('people.apikeys.howToUse')} <code class="mono">Authorization: Bearer {state.created.apiKey.prefix}…</code></p>
        </Alert>
      ) : null}
      <p class="muted">{t('people.apikeys.intro')}</p>
      {props.keys.length === 0 ? <p>{t('people.apikeys.none')}</p> : (
        <TableWrap label={t('console.nav.apiKeys')}>
          <table>
            <thead><tr>
              <th scope="col">{t('people.apikeys.name')}</th><th scope="col">{t('people.apikeys.scope')}</th>
              <th scope="col">{t('people.apikeys.created')}</th><th scope="col">{t('people.apikeys.lastUsed')}</th>
              <th scope="col"><span class="visually-hidden">{t('people.apikeys.actions')}</span></th>
            </tr></thead>
            <tbody>
              {props.keys.map((k) => (
                <tr>
                  <td>{k.name} <span class="mono small muted">{k.prefix}…</span></td>
                  <td>{t(k.scope === 'operator' ? 'people.apikeys.scopeOperator' : 'people.apikeys.scopePlatform')}</td>
                  <td class="nowrap"><time dateTime={k.createdAt}>{dateTime(k.createdAt)}</time></td>
                  <td class="nowrap">{k.lastUsedAt ? <time dateTime={k.lastUsedAt}>{dateTime(k.lastUsedAt)}</time> : t('people.apikeys.never')}</td>
                  <td>
                    {k.revokedAt ? <span class="muted">{t('people.apikeys.revokedAt', { at: dateTime(k.revokedAt) })}</span> : (
                      <Form action={`/admin/apikeys/${encodeURIComponent(k.id)}/revoke`} csrfToken={props.ctx.csrfToken} class="form--inline" aria-label={t('people.apikeys.revokeNamed', { name: k.name })}>
                        <Button kind="danger">{t('people.apikeys.revoke')}<span class="visually-hidden"> {k.name}</span></Button>
                      </Form>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Card title={t('people.apikeys.createTitle')}>
        <FormErrorSummary errors={state.errors.general ? {} : state.errors} title={t('people.formProblem')} />
        <Form action="/admin/apikeys" csrfToken={props.ctx.csrfToken}>
          <TextField name="name" label={t('people.apikeys.name')} value={state.values.name} error={state.errors.name} hint={t('people.apikeys.nameHint')} required maxLength={100} />
          <SelectField name="scope" label={t('people.apikeys.scope')} value={state.values.scope} error={state.errors.scope} options={[
            { value: 'operator', label: t('people.apikeys.scopeOperator') },
            { value: 'platform', label: t('people.apikeys.scopePlatform') },
          ]} />
          <Button>{t('people.apikeys.create')}</Button>
        </Form>
      </Card>
    </Console>
  );
}
