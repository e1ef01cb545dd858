// The console's settings page: the free trial (off until turned on here), the program's branding, and
// retention and warning thresholds when the settings service has them.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { ModuleContext } from '../../http/module-context.ts';
import { actorOf } from '../../http/auth.ts';
import { refusalOf } from '../../http/form-errors.ts';
import { createNotices } from '../../http/notice.ts';
import { formBody, formValue, type PageContext } from '../../http/pages.tsx';
import { ValidationError } from '../../lib/errors.ts';
import { formatMinorUnits, isCurrencyCode, parseDecimalAmount } from '../../lib/money.ts';
import { Alert, Button, Card, Form, FormErrorSummary, TextField, type FieldErrors } from '../../web/components.tsx';
import { Console } from '../../web/console-layout.tsx';
import { useT } from '../../web/page-env.ts';
import { sendPage } from '../../web/render.ts';
import type { BrandingSettings, FreeTrialSettings, SettingsService } from './settings.service.ts';

const hidden = { hide: true } as const;
const TrialForm = formBody(['enabled', 'credit', 'currency', 'days'], 100);
const BRANDING_FIELDS = ['programName', 'supportEmail', 'privacyUrl', 'termsUrl', 'consoleUrlTemplate'] as const;
const BrandingForm = formBody(BRANDING_FIELDS, 2000);
const LifecycleForm = formBody(['retentionDays', 'creditWarningsPercent', 'endWarningsDays'], 200);

/** Retention and warnings, from the lifecycle settings when this build has them. */
interface LifecycleSettings { retentionDays: number; creditWarningsPercent: number[]; endWarningsDays: number[] }
interface LifecycleCapable {
  lifecycle?: () => Promise<LifecycleSettings>;
  updateLifecycle?: (input: unknown, actor: ReturnType<typeof actorOf>) => Promise<LifecycleSettings>;
}
const lifecycleOf = (settings: SettingsService) => settings as SettingsService & LifecycleCapable;

type Values = Record<string, string>;
interface Forms {
  trial?: { values: Values; errors: FieldErrors };
  branding?: { values: Values; errors: FieldErrors };
  lifecycle?: { values: Values; errors: FieldErrors };
}

export async function settingsPages(app: FastifyInstance, context: ModuleContext) {
  const pages = app.withTypeProvider<TypeBoxTypeProvider>();
  const { settings, sessions } = context.services;
  const notices = createNotices(sessions);

  const operatorPage = (request: FastifyRequest, reply: FastifyReply) =>
    context.pages.operatorPage(request, reply, request.pageEnv.i18n.t('people.forbidden'));

  async function render(reply: FastifyReply, ctx: PageContext, forms: Forms = {}, status = 200) {
    const lifecycle = lifecycleOf(settings).lifecycle;
    const [trial, branding, retention] = await Promise.all([settings.freeTrial(), settings.branding(), lifecycle ? lifecycle() : undefined]);
    const notice = status === 200 ? await notices.takeNotice(ctx.session) : undefined;
    return sendPage(reply, <SettingsPage ctx={ctx} notice={notice} forms={{
      trial: forms.trial ?? { values: trialValues(trial), errors: {} },
      branding: forms.branding ?? { values: brandingValues(branding), errors: {} },
      lifecycle: retention ? forms.lifecycle ?? { values: lifecycleValues(retention), errors: {} } : undefined,
    }} />, status);
  }

  pages.get('/admin/settings', { schema: hidden }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    return render(reply, ctx);
  });

  pages.post('/admin/settings/free-trial', { schema: { ...hidden, body: TrialForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const { t } = request.pageEnv.i18n;
    const values = { enabled: formValue(request.body, 'enabled'), credit: formValue(request.body, 'credit'), currency: formValue(request.body, 'currency').trim().toUpperCase(), days: formValue(request.body, 'days') };
    try {
      const saved = await settings.updateFreeTrial(trialInput(values, t), actorOf(request));
      return await notices.redirectWithNotice(reply, ctx.session, '/admin/settings', t(saved.enabled ? 'people.settings.trialOn' : 'people.settings.trialOff'));
    } catch (error) {
      const refusal = refusalOf(error, reply, { paths: { 'credit.amount': 'credit', 'credit.currency': 'currency' } });
      return render(reply, ctx, { trial: { values, errors: refusal.fields } }, refusal.status);
    }
  });

  pages.post('/admin/settings/branding', { schema: { ...hidden, body: BrandingForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const values: Values = Object.fromEntries(BRANDING_FIELDS.map((name) => [name, formValue(request.body, name)]));
    try {
      await settings.updateBranding(values, actorOf(request));
      return await notices.redirectWithNotice(reply, ctx.session, '/admin/settings', request.pageEnv.i18n.t('people.settings.brandingSaved'));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return render(reply, ctx, { branding: { values, errors: refusal.fields } }, refusal.status);
    }
  });

  pages.post('/admin/settings/lifecycle', { schema: { ...hidden, body: LifecycleForm } }, async (request, reply) => {
    const ctx = await operatorPage(request, reply);
    if (!ctx) return reply;
    const update = lifecycleOf(settings).updateLifecycle;
    if (!update) return reply.redirect('/admin/settings', 303);
    const values = { retentionDays: formValue(request.body, 'retentionDays'), creditWarningsPercent: formValue(request.body, 'creditWarningsPercent'), endWarningsDays: formValue(request.body, 'endWarningsDays') };
    try {
      await update({ retentionDays: wholeNumber(values.retentionDays), creditWarningsPercent: numberList(values.creditWarningsPercent), endWarningsDays: numberList(values.endWarningsDays) }, actorOf(request));
      return await notices.redirectWithNotice(reply, ctx.session, '/admin/settings', request.pageEnv.i18n.t('people.settings.lifecycleSaved'));
    } catch (error) {
      const refusal = refusalOf(error, reply);
      return render(reply, ctx, { lifecycle: { values, errors: refusal.fields } }, refusal.status);
    }
  });
}

const trialValues = (trial: FreeTrialSettings): Values => ({
  enabled: trial.enabled ? 'on' : '', credit: formatMinorUnits(trial.credit.amount, trial.credit.currency), currency: trial.credit.currency, days: String(trial.days),
});

const brandingValues = (b: BrandingSettings): Values => ({
  programName: b.programName, supportEmail: b.supportEmail ?? '', privacyUrl: b.privacyUrl ?? '', termsUrl: b.termsUrl ?? '', consoleUrlTemplate: b.consoleUrlTemplate ?? '',
});

const lifecycleValues = (l: LifecycleSettings): Values => ({
  retentionDays: String(l.retentionDays), creditWarningsPercent: l.creditWarningsPercent.join(', '), endWarningsDays: l.endWarningsDays.join(', '),
});

/** The form's text as the service's input; amounts in the currency's decimals ("200.00" USD → 20000). */
function trialInput(values: Values, t: (key: 'people.settings.creditInvalid' | 'people.settings.currencyInvalid') => string): unknown {
  if (!isCurrencyCode(values.currency)) throw new ValidationError([{ path: 'currency', message: t('people.settings.currencyInvalid') }]);
  const amount = parseDecimalAmount(values.credit ?? '', values.currency);
  if (!amount.ok) throw new ValidationError([{ path: 'credit', message: t('people.settings.creditInvalid') }]);
  return { enabled: values.enabled === 'on', credit: { amount: amount.amount, currency: values.currency }, days: wholeNumber(values.days ?? '') };
}

const wholeNumber = (text: string): number | string => (/^\s*\d{1,9}\s*$/.test(text) ? Number(text) : text);
const numberList = (text: string): Array<number | string> => text.split(/[\s,;]+/).filter(Boolean).map(wholeNumber);

function SettingsPage(props: { ctx: PageContext; notice?: string; forms: Forms }) {
  const { t } = useT();
  const { trial, branding, lifecycle } = props.forms;
  return (
    <Console ctx={props.ctx} current="/admin/settings" title={t('console.nav.settings')}>
      {props.notice ? <Alert kind="success">{props.notice}</Alert> : null}
      <Card title={t('people.settings.trialTitle')}>
        <p class="muted">{t('people.settings.trialIntro')}</p>
        <FormErrorSummary errors={trial!.errors} title={t('people.formProblem')} />
        <Form action="/admin/settings/free-trial" csrfToken={props.ctx.csrfToken} aria-label={t('people.settings.trialTitle')}>
          <div class="checkbox">
            <input type="checkbox" id="field-enabled" name="enabled" value="on" checked={trial!.values.enabled === 'on'} />
            <label for="field-enabled">{t('people.settings.trialEnabled')}</label>
          </div>
          <TextField name="credit" label={t('people.settings.trialCredit')} value={trial!.values.credit} error={trial!.errors.credit} inputMode="decimal" hint={t('people.settings.trialCreditHint')} />
          <TextField name="currency" label={t('people.settings.trialCurrency')} value={trial!.values.currency} error={trial!.errors.currency} maxLength={3} autoCapitalize="characters" />
          <TextField name="days" label={t('people.settings.trialDays')} value={trial!.values.days} error={trial!.errors.days} inputMode="numeric" />
          <Button>{t('people.settings.trialSave')}</Button>
        </Form>
      </Card>
      <Card title={t('people.settings.brandingTitle')}>
        <p class="muted">{t('people.settings.brandingIntro')}</p>
        <FormErrorSummary errors={branding!.errors} title={t('people.formProblem')} />
        <Form action="/admin/settings/branding" csrfToken={props.ctx.csrfToken} aria-label={t('people.settings.brandingTitle')}>
          <TextField name="programName" label={t('people.settings.programName')} value={branding!.values.programName} error={branding!.errors.programName} hint={t('people.settings.programNameHint')} maxLength={60} required />
          <TextField name="supportEmail" type="email" label={t('people.settings.supportEmail')} value={branding!.values.supportEmail} error={branding!.errors.supportEmail} autocomplete="off" />
          <TextField name="privacyUrl" type="url" label={t('people.settings.privacyUrl')} value={branding!.values.privacyUrl} error={branding!.errors.privacyUrl} hint={t('people.settings.footerHint')} />
          <TextField name="termsUrl" type="url" label={t('people.settings.termsUrl')} value={branding!.values.termsUrl} error={branding!.errors.termsUrl} hint={t('people.settings.footerHint')} />
          <TextField name="consoleUrlTemplate" label={t('people.settings.consoleUrlTemplate')} value={branding!.values.consoleUrlTemplate} error={branding!.errors.consoleUrlTemplate} hint={t('people.settings.consoleUrlTemplateHint')} inputMode="url" spellcheck={false} />
          <Button>{t('people.settings.brandingSave')}</Button>
        </Form>
      </Card>
      {lifecycle ? (
        <Card title={t('people.settings.lifecycleTitle')}>
          <FormErrorSummary errors={lifecycle.errors} title={t('people.formProblem')} />
          <Form action="/admin/settings/lifecycle" csrfToken={props.ctx.csrfToken} aria-label={t('people.settings.lifecycleTitle')}>
            <TextField name="retentionDays" label={t('people.settings.retentionDays')} value={lifecycle.values.retentionDays} error={lifecycle.errors.retentionDays} inputMode="numeric" hint={t('people.settings.retentionHint')} />
            <TextField name="creditWarningsPercent" label={t('people.settings.creditWarnings')} value={lifecycle.values.creditWarningsPercent} error={lifecycle.errors.creditWarningsPercent} hint={t('people.settings.listHint')} />
            <TextField name="endWarningsDays" label={t('people.settings.endWarnings')} value={lifecycle.values.endWarningsDays} error={lifecycle.errors.endWarningsDays} hint={t('people.settings.listHint')} />
            <Button>{t('people.settings.lifecycleSave')}</Button>
          </Form>
        </Card>
      ) : null}
    </Console>
  );
}
