// The emails accounts send, in the language the person last used on the pages. Links are absolute, built
// from PUBLIC_URL.
import { translator } from '../../i18n/catalogue.ts';
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';
import type { AccountView } from './account-view.ts';

export function verifyEmail(publicUrl: URL, account: AccountView, token: string, programName = 'cloudpass'): MailMessage {
  const { t, locale } = translator(account.locale ?? 'en');
  const href = mailLink(publicUrl, '/verify-email', { token });
  const hello = t('mail.hello', { name: account.displayName });
  const intro = t('mail.verify.intro', { program: programName });
  const outro = t('mail.verify.outro');
  return {
    to: account.email,
    subject: t('mail.verify.subject'),
    text: `${hello}\n\n${intro}\n\n${href}\n\n${outro}\n`,
    // The token opens the account: the outbox keeps it only sealed, until delivered.
    secrets: [token],
    html: htmlMail([hello, intro], { href, label: t('mail.verify.button') }, [outro], locale),
  };
}

export function resetPassword(publicUrl: URL, account: AccountView, token: string, programName = 'cloudpass'): MailMessage {
  const { t, locale } = translator(account.locale ?? 'en');
  const href = mailLink(publicUrl, '/reset-password', { token });
  const hello = t('mail.hello', { name: account.displayName });
  const intro = account.kind === 'personal'
    ? t('mail.reset.introPersonal', { email: account.email })
    : account.organization
      ? t('mail.reset.introOrganizational', { email: account.email, organization: account.organization.name })
      : t('mail.reset.introOrganizationalUnnamed', { email: account.email });
  const outro = t('mail.reset.outro');
  return {
    to: account.email,
    subject: t('mail.reset.subject', { program: programName }),
    text: `${hello}\n\n${intro}\n\n${href}\n\n${outro}\n`,
    // The token opens the account: the outbox keeps it only sealed, until delivered.
    secrets: [token],
    html: htmlMail([hello, intro], { href, label: t('mail.reset.button') }, [outro], locale),
  };
}
