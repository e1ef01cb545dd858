// The emails organizations send. Links are absolute, built from PUBLIC_URL.
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

export function invitation(publicUrl: URL, invite: {
  to: string; displayName: string; organizationName: string; invitedBy: string | null; token: string; oidcConfigured: boolean; programName?: string;
}): MailMessage {
  const href = mailLink(publicUrl, '/invitation', { token: invite.token });
  const hello = `Hello ${invite.displayName},`;
  const who = invite.invitedBy ? `${invite.invitedBy} added you` : 'You were added';
  const intro = `${who} to ${invite.organizationName} on ${invite.programName ?? 'cloudpass'}. Choose a password for your work or school account (${invite.to}):`;
  const outro = [
    'The link works once and for 7 days.',
    invite.oidcConfigured ? `You can also sign in with your ${invite.organizationName} sign-in: choose "Sign in with your organization" on the sign-in page.` : '',
    'If you did not expect this, ignore this email.',
  ].filter(Boolean).join(' ');
  return {
    to: invite.to,
    subject: `You are invited to ${invite.organizationName} on ${invite.programName ?? 'cloudpass'}`,
    text: `${hello}\n\n${intro}\n\n${href}\n\n${outro}\n`,
    // The token opens the account: the outbox keeps it only sealed, until delivered.
    secrets: [invite.token],
    html: htmlMail([hello, intro], { href, label: 'Set your password' }, [outro]),
  };
}
