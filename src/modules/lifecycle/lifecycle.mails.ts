// The emails of a subscription's life after activation, in the recipient's language, with the same
// layout as every other email. Links are absolute, built from PUBLIC_URL.
import { translator, type Translator } from '../../i18n/catalogue.ts';
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

export interface Recipient {
  email: string;
  name: string;
  /** The language the mail is written in. */
  locale: string;
}

export interface SubscriptionForMail {
  id: string;
  name: string;
  endsAt: string | null;
  remaining: { amount: number; currency: string };
  total: { amount: number; currency: string };
}

/** The likely language of the account's country when cloudpass speaks it (Finnish in Finland), else English. */
export { localeOfCountry } from '../../i18n/catalogue.ts';

function compose(publicUrl: URL, to: Recipient, subject: string, paragraphs: string[], action: 'open' | 'download', id: string): MailMessage {
  const t = translator(to.locale);
  const href = mailLink(publicUrl, `/subscriptions/${id}`);
  const label = action === 'download' ? t.t('lifecycle.mail.download') : t.t('lifecycle.mail.open');
  const hello = t.t('lifecycle.mail.greeting', { name: to.name });
  return {
    to: to.email,
    subject,
    text: `${hello}\n\n${paragraphs.join('\n\n')}\n\n${label}:\n${href}\n`,
    html: htmlMail([hello, ...paragraphs], { href, label }),
  };
}

const endDay = (t: Translator, endsAt: string | null) => (endsAt ? t.date(endsAt) : '—');

export function creditWarning(publicUrl: URL, to: Recipient, s: SubscriptionForMail, percent: number): MailMessage {
  const { t, money, date } = translator(to.locale);
  return compose(publicUrl, to, t('lifecycle.mail.creditWarning.subject', { percent }), [
    t('lifecycle.mail.creditWarning.body', {
      name: s.name, percent, remaining: money(s.remaining), total: money(s.total), endsAt: s.endsAt ? date(s.endsAt) : '—',
    }),
  ], 'open', s.id);
}

export function endWarning(publicUrl: URL, to: Recipient, s: SubscriptionForMail, days: number): MailMessage {
  const tr = translator(to.locale);
  return compose(publicUrl, to, tr.t('lifecycle.mail.endWarning.subject', { endsAt: endDay(tr, s.endsAt), days }), [
    tr.t('lifecycle.mail.endWarning.body', { name: s.name, endsAt: endDay(tr, s.endsAt), remaining: tr.money(s.remaining) }),
  ], 'open', s.id);
}

export function stopped(publicUrl: URL, to: Recipient, s: SubscriptionForMail, why: 'disabled' | 'expired', deleteAt: string): MailMessage {
  const tr = translator(to.locale);
  const subject = why === 'disabled' ? tr.t('lifecycle.mail.disabled.subject') : tr.t('lifecycle.mail.expired.subject');
  const body = why === 'disabled'
    ? tr.t('lifecycle.mail.disabled.body', { name: s.name })
    : tr.t('lifecycle.mail.expired.body', { name: s.name, endsAt: endDay(tr, s.endsAt) });
  return compose(publicUrl, to, subject, [body, tr.t('lifecycle.mail.stopped.deletion', { deleteAt: tr.date(deleteAt) })], 'download', s.id);
}

export function deletionWarning(publicUrl: URL, to: Recipient, s: SubscriptionForMail, deleteAt: string): MailMessage {
  const tr = translator(to.locale);
  return compose(publicUrl, to, tr.t('lifecycle.mail.deletionWarning.subject'), [
    tr.t('lifecycle.mail.deletionWarning.body', { name: s.name, deleteAt: tr.date(deleteAt) }),
  ], 'download', s.id);
}
