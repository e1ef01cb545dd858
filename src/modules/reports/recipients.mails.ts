// The reminder to activate a redeemed pass, in the recipient's language (Finnish for accounts in Finland,
// English otherwise: accounts keep no language of their own). Links are absolute, built from PUBLIC_URL.
import { localeOfCountry, translator } from '../../i18n/catalogue.ts';
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

/** The likely language of the account's country when cloudpass speaks it (a new catalogue file is enough), else English. */
export const reminderLocale = (country: string) => localeOfCountry(country);

export function activationReminder(publicUrl: URL, to: { email: string; name: string; country: string }, pass: {
  redemptionId: string; campaignName: string; redeemedAt: string; programName: string;
}): MailMessage {
  const { t, date } = translator(reminderLocale(to.country));
  const href = mailLink(publicUrl, `/activate/${encodeURIComponent(pass.redemptionId)}`);
  const hello = t('people.reminder.hello', { name: to.name });
  const body = t('people.reminder.body', { campaign: pass.campaignName, date: date(pass.redeemedAt), programName: pass.programName });
  const outro = t('people.reminder.outro');
  return {
    to: to.email,
    subject: t('people.reminder.subject', { campaign: pass.campaignName }),
    text: `${hello}\n\n${body}\n\n${href}\n\n${outro}\n`,
    html: htmlMail([hello, body], { href, label: t('people.reminder.action') }, [outro]),
  };
}
