// The emails accounts send. Links are absolute, built from PUBLIC_URL.
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';
import type { AccountView } from './account-view.ts';

export function verifyEmail(publicUrl: URL, account: AccountView, token: string, programName = 'cloudpass'): MailMessage {
  const href = mailLink(publicUrl, '/verify-email', { token });
  const hello = `Hello ${account.displayName},`;
  const intro = `Confirm your email address to finish creating your ${programName} account.`;
  const outro = 'The link works once and for 48 hours. If you did not create an account, ignore this email.';
  return {
    to: account.email,
    subject: 'Confirm your email address',
    text: `${hello}\n\n${intro}\n\n${href}\n\n${outro}\n`,
    // The token opens the account: the outbox keeps it only sealed, until delivered.
    secrets: [token],
    html: htmlMail([hello, intro], { href, label: 'Confirm email address' }, [outro]),
  };
}

export function resetPassword(publicUrl: URL, account: AccountView, token: string, programName = 'cloudpass'): MailMessage {
  const href = mailLink(publicUrl, '/reset-password', { token });
  const which = account.kind === 'personal'
    ? 'your personal account'
    : `your work or school account at ${account.organization?.name ?? 'your organization'}`;
  const hello = `Hello ${account.displayName},`;
  const intro = `Someone asked to reset the password of ${which} (${account.email}). Choose a new password here:`;
  const outro = 'The link works once and for one hour. If you did not ask for this, ignore this email: your password stays as it is.';
  return {
    to: account.email,
    subject: `Reset your ${programName} password`,
    text: `${hello}\n\n${intro}\n\n${href}\n\n${outro}\n`,
    // The token opens the account: the outbox keeps it only sealed, until delivered.
    secrets: [token],
    html: htmlMail([hello, intro], { href, label: 'Choose a new password' }, [outro]),
  };
}
