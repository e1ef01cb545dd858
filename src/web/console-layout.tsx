// The operator console's frame: the page layout with the console's navigation. Every module's operator
// pages render inside it, so the console reads as one place.
import type { ComponentChildren } from 'preact';
import type { PageContext } from '../http/pages.tsx';
import { Layout } from './layout.tsx';

const sections = [
  { href: '/admin', label: 'Overview' },
  { href: '/admin/support', label: 'Support' },
  { href: '/admin/audit', label: 'Audit trail' },
  { href: '/admin/outbox', label: 'Mail outbox' },
] as const;

export function Console(props: { ctx: PageContext; current: string; title: string; children?: ComponentChildren }) {
  return (
    // The recipients' help search stays out of the console: its own pages have search boxes of their own
    // (recipients by email), and two "Search" buttons on one page would be ambiguous.
    <Layout title={props.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken} width="wide" search={false}>
      <p class="console-eyebrow">Operator console</p>
      <h1>{props.title}</h1>
      <nav class="console-nav" aria-label="Operator console">
        <ul>
          {sections.map((s) => (
            <li><a href={s.href} aria-current={s.href === props.current ? 'page' : undefined}>{s.label}</a></li>
          ))}
        </ul>
      </nav>
      {props.children}
    </Layout>
  );
}
