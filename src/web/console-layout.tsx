// The operator console's frame: the page layout with the console's navigation. Every module's operator
// pages render inside it, so the console reads as one place.
import type { ComponentChildren } from 'preact';
import type { PageContext } from '../http/pages.tsx';
import type { MessageKey } from '../i18n/catalogue.ts';
import { Layout } from './layout.tsx';
import { useT } from './page-env.ts';

const sections: ReadonlyArray<{ href: string; label: MessageKey }> = [
  { href: '/admin', label: 'console.nav.overview' },
  { href: '/admin/campaigns', label: 'console.nav.campaigns' },
  { href: '/admin/codes', label: 'console.nav.codes' },
  { href: '/admin/recipients', label: 'console.nav.recipients' },
  { href: '/admin/support', label: 'console.nav.support' },
  { href: '/admin/audit', label: 'console.nav.audit' },
  { href: '/admin/outbox', label: 'console.nav.outbox' },
  { href: '/admin/settings', label: 'console.nav.settings' },
  { href: '/admin/apikeys', label: 'console.nav.apiKeys' },
];

export function Console(props: { ctx: PageContext; current: string; title: string; children?: ComponentChildren }) {
  const { t } = useT();
  return (
    // The recipients' help search stays out of the console: its own pages have search boxes of their own
    // (recipients by email), and two "Search" buttons on one page would be ambiguous.
    <Layout title={props.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken} width="wide" search={false}>
      <p class="console-eyebrow">{t('console.eyebrow')}</p>
      <h1>{props.title}</h1>
      <nav class="console-nav" aria-label={t('console.nav.label')}>
        <ul>
          {sections.map((s) => (
            <li><a href={s.href} aria-current={s.href === props.current ? 'page' : undefined}>{t(s.label)}</a></li>
          ))}
        </ul>
      </nav>
      {props.children}
    </Layout>
  );
}
