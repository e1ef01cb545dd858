// The emails provisioning sends. Links are absolute, built from PUBLIC_URL.
import { htmlMail, mailLink } from '../mail/mail-layout.ts';
import type { MailMessage } from '../mail/mail.service.ts';

export interface SubscriptionForMail {
  id: string;
  offerName: string;
  credit: { amount: number; currency: string };
  endsAt: string | null;
  failureReason: string | null;
}

export function formatMoney(money: { amount: number; currency: string }): string {
  return `${(money.amount / 100).toFixed(2)} ${money.currency}`;
}

const formatDay = (at: string | null) => (at ? at.slice(0, 10) : 'its end date');

export const ACTIVE_SUBJECT = 'Your subscription is active';

export function subscriptionActive(publicUrl: URL, to: { email: string; name: string }, subscription: SubscriptionForMail): MailMessage {
  const href = mailLink(publicUrl, `/subscriptions/${subscription.id}`);
  const portal = mailLink(publicUrl, '/portal');
  const hello = `Hello ${to.name},`;
  const body = `Your ${subscription.offerName} subscription is ready to use, with ${formatMoney(subscription.credit)} of credit until ${formatDay(subscription.endsAt)}.`;
  const outro = `All your subscriptions are in the portal: ${portal}`;
  return {
    to: to.email,
    subject: ACTIVE_SUBJECT,
    text: `${hello}\n\n${body}\n\nSee it in the portal:\n${href}\n\n${outro}\n`,
    html: htmlMail([hello, body], { href, label: 'Go to portal' }, [outro]),
  };
}

export const FAILED_SUBJECT = 'We could not activate your subscription';

export function subscriptionFailed(publicUrl: URL, to: { email: string; name: string }, subscription: SubscriptionForMail, caseId: string): MailMessage {
  const href = mailLink(publicUrl, `/subscriptions/${subscription.id}`);
  const support = mailLink(publicUrl, '/support');
  const hello = `Hello ${to.name},`;
  const body = `We tried for a day to activate your ${subscription.offerName} subscription, and it did not work. Nothing was charged, and your pass is not lost.`;
  const help = `We opened support case ${caseId} for you and will write to you there. You can follow it and reply at ${support}.`;
  return {
    to: to.email,
    subject: FAILED_SUBJECT,
    text: `${hello}\n\n${body}\n\n${help}\n\nYour subscription:\n${href}\n`,
    html: htmlMail([hello, body, help], { href, label: 'See your subscription' }, []),
  };
}

export function operatorAlert(publicUrl: URL, to: string, subscription: SubscriptionForMail & { accountEmail: string }, caseId: string): MailMessage {
  const subject = `Provisioning failed for subscription ${subscription.id}`;
  const lines = [
    `Provisioning of subscription ${subscription.id} (${subscription.offerName}, account ${subscription.accountEmail}) failed for good after a day of retries.`,
    `Last error: ${subscription.failureReason ?? 'unknown'}`,
    `Support case ${caseId} is open for the recipient.`,
  ];
  const href = mailLink(publicUrl, '/admin');
  return {
    to,
    subject,
    text: `${lines.join('\n\n')}\n\nOperator console: ${href}\n`,
    html: htmlMail(lines, { href, label: 'Open the operator console' }, []),
  };
}
