// The email support sends: the operator's reply, with a link to the case. Links are absolute, built from
// PUBLIC_URL; everything the people typed is escaped in the HTML part.
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

export const casePath = (id: string) => `/support/${encodeURIComponent(id)}`;

export function replySubject(caseSubject: string): string {
  const subject = `New reply to your support case: ${caseSubject}`;
  return subject.length > 250 ? `${subject.slice(0, 249)}…` : subject;
}

export function operatorReplied(
  publicUrl: URL, to: { email: string; name: string }, supportCase: { id: string; subject: string }, reply: string,
): MailMessage {
  const href = mailLink(publicUrl, casePath(supportCase.id));
  const hello = to.name ? `Hello ${to.name},` : 'Hello,';
  const intro = `The support team replied to your case "${supportCase.subject}":`;
  const outro = 'To answer, open the case and write your reply there. Replies to this email are not read.';
  return {
    to: to.email,
    subject: replySubject(supportCase.subject),
    text: `${hello}\n\n${intro}\n\n${reply.split('\n').map((line) => `> ${line}`).join('\n')}\n\nOpen the case:\n${href}\n\n${outro}\n`,
    html: htmlMail([hello, intro, { quote: reply }], { href, label: 'Open the case' }, [outro]),
  };
}
