// The emails support sends, in the language of the person they go to: the operator's reply (with a link
// to the case, or, for a case without an account, how to answer), and the link that opens a signed-out
// visitor's case. Links are absolute, built from PUBLIC_URL; everything people typed is escaped in the HTML.
import { translator } from '../../i18n/catalogue.ts';
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

export const casePath = (id: string) => `/support/${encodeURIComponent(id)}`;

/** The short reference people quote on the phone or in an email. */
export const caseNumber = (id: string) => id.slice(0, 8).toUpperCase();

/** The link a signed-out visitor opens to confirm their address and open their case. */
export const CONFIRM_PATH = '/support/confirm';

const oneLine = (subject: string) => (subject.length > 250 ? `${subject.slice(0, 249)}…` : subject);

const quoted = (text: string) => text.split('\n').map((line) => `> ${line}`).join('\n');

export function operatorReplied(
  publicUrl: URL, to: { email: string; name: string; locale?: string }, supportCase: { id: string; subject: string }, reply: string,
): MailMessage {
  const { t, locale } = translator(to.locale ?? 'en');
  const href = mailLink(publicUrl, casePath(supportCase.id));
  const hello = to.name ? t('mail.hello', { name: to.name }) : t('support.mail.hello');
  const intro = t('support.mail.reply.intro', { subject: supportCase.subject });
  const outro = t('support.mail.reply.outro');
  const button = t('support.mail.reply.button');
  return {
    to: to.email,
    subject: oneLine(t('support.mail.reply.subject', { subject: supportCase.subject })),
    text: `${hello}\n\n${intro}\n\n${quoted(reply)}\n\n${button}:\n${href}\n\n${outro}\n`,
    html: htmlMail([hello, intro, { quote: reply }], { href, label: button }, [outro], locale),
  };
}

/** A reply on a case that has no account: nobody can sign in to read it, so the mail says how to answer. */
export function operatorRepliedToContact(
  publicUrl: URL, to: { email: string; locale: string }, supportCase: { id: string; subject: string }, reply: string,
): MailMessage {
  const { t, locale } = translator(to.locale);
  const href = mailLink(publicUrl, '/support/new');
  const hello = t('support.mail.hello');
  const intro = t('support.mail.reply.intro', { subject: supportCase.subject });
  const outro = t('support.mail.contactReply.outro', { number: caseNumber(supportCase.id) });
  const button = t('support.mail.contactReply.button');
  return {
    to: to.email,
    subject: oneLine(t('support.mail.reply.subject', { subject: supportCase.subject })),
    text: `${hello}\n\n${intro}\n\n${quoted(reply)}\n\n${outro}\n\n${button}:\n${href}\n`,
    html: htmlMail([hello, intro, { quote: reply }, outro], { href, label: button }, [], locale),
  };
}

/** The link that opens a signed-out visitor's case; it says nothing about whether the address has an account. */
export function confirmCaseRequest(
  publicUrl: URL, to: { email: string; locale: string }, token: string, about: { subject: string; validHours: number; programName: string },
): MailMessage {
  const { t, locale } = translator(to.locale);
  const href = mailLink(publicUrl, CONFIRM_PATH, { token });
  const hello = t('support.mail.hello');
  const intro = t('support.mail.confirm.intro', { program: about.programName, subject: about.subject });
  const outro = t('support.mail.confirm.outro', { hours: about.validHours });
  const button = t('support.mail.confirm.button');
  return {
    to: to.email,
    subject: oneLine(t('support.mail.confirm.subject', { subject: about.subject })),
    text: `${hello}\n\n${intro}\n\n${href}\n\n${outro}\n`,
    // The token opens a case in this address's name: the outbox keeps it only sealed, until delivered.
    secrets: [token],
    html: htmlMail([hello, intro], { href, label: button }, [outro], locale),
  };
}
