// The emails provisioning sends, in the recipient's language (the one they last used; English for
// operators). Links are absolute, built from PUBLIC_URL.
import { SOURCE_LOCALE, translator } from '../../i18n/catalogue.ts';
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

export interface SubscriptionForMail {
  id: string;
  offer: 'pass' | 'free-trial';
  offerName: string;
  credit: { amount: number; currency: string };
  endsAt: string | null;
  failureReason: string | null;
}

export interface MailRecipient {
  email: string;
  name: string;
  /** The language the mail is written in; English when unknown. */
  locale?: string | null;
}

const english = translator(SOURCE_LOCALE);

/** The subjects in English, as tests and the outbox look for them. */
export const ACTIVE_SUBJECT = english.t('subs.mail.active.subject');
export const FAILED_SUBJECT = english.t('subs.mail.failed.subject');

const nameIn = (i18n: ReturnType<typeof translator>, s: SubscriptionForMail) => (s.offer === 'free-trial' ? i18n.t('subs.offer.trial') : s.offerName);

export function subscriptionActive(publicUrl: URL, to: MailRecipient, subscription: SubscriptionForMail): MailMessage {
  const i18n = translator(to.locale ?? SOURCE_LOCALE);
  const { t } = i18n;
  const href = mailLink(publicUrl, `/subscriptions/${subscription.id}`);
  const portal = mailLink(publicUrl, '/portal');
  const hello = t('mail.hello', { name: to.name });
  const values = { name: nameIn(i18n, subscription), credit: i18n.money(subscription.credit) };
  const body = subscription.endsAt
    ? t('subs.mail.active.body', { ...values, endsAt: i18n.date(subscription.endsAt) })
    : t('subs.mail.active.bodyNoEnd', values);
  const outro = t('subs.mail.active.outro', { portal });
  return {
    to: to.email,
    subject: t('subs.mail.active.subject'),
    text: `${hello}\n\n${body}\n\n${t('subs.mail.active.seeIt')}\n${href}\n\n${outro}\n`,
    html: htmlMail([hello, body], { href, label: t('subs.status.goToPortal') }, [outro], i18n.locale),
  };
}

export function subscriptionFailed(publicUrl: URL, to: MailRecipient, subscription: SubscriptionForMail, caseId: string): MailMessage {
  const i18n = translator(to.locale ?? SOURCE_LOCALE);
  const { t } = i18n;
  const href = mailLink(publicUrl, `/subscriptions/${subscription.id}`);
  const support = mailLink(publicUrl, '/support');
  const hello = t('mail.hello', { name: to.name });
  const body = t('subs.mail.failed.body', { name: nameIn(i18n, subscription) });
  const help = t('subs.mail.failed.help', { caseId, support });
  return {
    to: to.email,
    subject: t('subs.mail.failed.subject'),
    text: `${hello}\n\n${body}\n\n${help}\n\n${t('subs.mail.failed.yours')}\n${href}\n`,
    html: htmlMail([hello, body, help], { href, label: t('lifecycle.mail.open') }, [], i18n.locale),
  };
}

/** To the operator, in English: the console and its operators work in the source language. */
export function operatorAlert(publicUrl: URL, to: string, subscription: SubscriptionForMail & { accountEmail: string }, caseId: string): MailMessage {
  const { t } = english;
  const { id } = subscription;
  const lines = [
    t('subs.mail.alert.body', { id, name: nameIn(english, subscription), email: subscription.accountEmail }),
    t('subs.mail.alert.lastError', { reason: subscription.failureReason ?? t('subs.mail.alert.unknown') }),
    t('subs.mail.alert.case', { caseId }),
  ];
  const href = mailLink(publicUrl, '/admin');
  return {
    to,
    subject: t('subs.mail.alert.subject', { id }),
    text: `${lines.join('\n\n')}\n\n${t('subs.mail.alert.console', { href })}\n`,
    html: htmlMail(lines, { href, label: t('subs.mail.alert.button') }, []),
  };
}
