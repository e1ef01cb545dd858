// The emails organizations send, in the language of the admin who sent them (the invited person has used
// none yet). Links are absolute, built from PUBLIC_URL.
import { translator } from '../../i18n/catalogue.ts';
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

export function invitation(publicUrl: URL, invite: {
  to: string; displayName: string; organizationName: string; invitedBy: string | null; token: string; oidcConfigured: boolean; programName?: string;
  locale?: string | null;
}): MailMessage {
  const { t, locale } = translator(invite.locale ?? 'en');
  const organization = invite.organizationName;
  const href = mailLink(publicUrl, '/invitation', { token: invite.token });
  const program = invite.programName ?? 'cloudpass';
  const hello = t('mail.hello', { name: invite.displayName });
  const intro = invite.invitedBy
    ? t('mail.invite.introBy', { inviter: invite.invitedBy, organization, email: invite.to, program })
    : t('mail.invite.intro', { organization, email: invite.to, program });
  const outro = [
    t('mail.invite.validity'),
    invite.oidcConfigured ? t('mail.invite.oidc', { organization }) : '',
    t('mail.invite.ignore'),
  ].filter(Boolean).join(' ');
  return {
    to: invite.to,
    subject: t('mail.invite.subject', { organization, program }),
    text: `${hello}\n\n${intro}\n\n${href}\n\n${outro}\n`,
    // The token opens the account: the outbox keeps it only sealed, until delivered.
    secrets: [invite.token],
    html: htmlMail([hello, intro], { href, label: t('mail.invite.button') }, [outro], locale),
  };
}
