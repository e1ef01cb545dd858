// Views and words more than one of the accounts module's pages files show.
import type { ComponentChildren } from 'preact';
import type { FormRefusal } from '../../http/form-errors.ts';
import type { PageContext } from '../../http/pages.tsx';
import type { MessageKey, MessageValues, Translator } from '../../i18n/catalogue.ts';
import { Alert } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';
import { useT } from '../../web/page-env.ts';

/** Too many wrong passwords: when to try again, in minutes. */
export function tooManyMessage(refusal: FormRefusal, i18n: Translator): string {
  const seconds = typeof refusal.extra.retryAfterSeconds === 'number' ? refusal.extra.retryAfterSeconds : 60;
  return i18n.t('accounts.tooManyAttempts', { minutes: Math.max(1, Math.ceil(seconds / 60)) });
}

/** The words for an account's kind ("Organizational account · Contoso"), in the page's language. */
export function kindLabel(i18n: Translator, account: { kind: 'personal' | 'organizational'; organizationName?: string | null }): string {
  if (account.kind === 'personal') return i18n.t('account.kind.personal');
  return account.organizationName ? i18n.t('account.kind.organizationalOf', { organization: account.organizationName }) : i18n.t('account.kind.organizational');
}

const SLOT = '\u0000';

/**
 * A message with markup around one of its values (`<strong>{email}</strong>`, a link): the value sits where
 * each language puts it, so the words around it are never cut into pieces the translator cannot reorder.
 */
export function Rich(props: { k: MessageKey; values?: MessageValues; slot: string; children: ComponentChildren }) {
  const { t } = useT();
  const [before = '', after = ''] = t(props.k, { ...props.values, [props.slot]: SLOT }).split(SLOT);
  return <>{before}{props.children}{after}</>;
}

/** An emailed link (verification, password reset) that is used up, expired or unknown. */
export function InvalidLinkPage(props: { ctx: PageContext; message: string; retry: { href: string; label: string } }) {
  const { t } = useT();
  return (
    <Page ctx={props.ctx} title={t('accounts.invalidLink.title')}>
      <div class="auth">
        <h1>{t('accounts.invalidLink.heading')}</h1>
        <Alert kind="error">{props.message}</Alert>
        <p><a href={props.retry.href}>{props.retry.label}</a></p>
      </div>
    </Page>
  );
}
