// The page layout for a page handler's context: the signed-in account in the header, the CSRF token for
// its sign-out form. Operator pages use console-layout.tsx instead.
import type { ComponentChildren } from 'preact';
import type { PageContext } from '../http/pages.tsx';
import { Layout } from './layout.tsx';

export function Page(props: { ctx: PageContext; title: string; width?: 'narrow' | 'wide'; children?: ComponentChildren }) {
  return <Layout title={props.title} account={props.ctx.account} csrfToken={props.ctx.csrfToken} width={props.width}>{props.children}</Layout>;
}
