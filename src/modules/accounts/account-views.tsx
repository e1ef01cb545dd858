// Views and words more than one of the accounts module's pages files show.
import type { FormRefusal } from '../../http/form-errors.ts';
import type { PageContext } from '../../http/pages.tsx';
import { Alert } from '../../web/components.tsx';
import { Page } from '../../web/page.tsx';

/** Too many wrong passwords: when to try again, in minutes. */
export function tooManyMessage(refusal: FormRefusal): string {
  const seconds = typeof refusal.extra.retryAfterSeconds === 'number' ? refusal.extra.retryAfterSeconds : 60;
  const minutes = Math.ceil(seconds / 60);
  return `Too many attempts. Try again in ${minutes === 1 ? 'a minute' : `${minutes} minutes`}, or reset your password.`;
}

/** An emailed link (verification, password reset) that is used up, expired or unknown. */
export function InvalidLinkPage(props: { ctx: PageContext; message: string; retry: { href: string; label: string } }) {
  return (
    <Page ctx={props.ctx} title="Link not valid">
      <div class="auth">
        <h1>This link does not work</h1>
        <Alert kind="error">{props.message}</Alert>
        <p><a href={props.retry.href}>{props.retry.label}</a></p>
      </div>
    </Page>
  );
}
