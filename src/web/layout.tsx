import type { ComponentChildren, JSX } from 'preact';
import { CsrfField } from './components.tsx';

export interface LayoutAccount {
  email: string;
  displayName: string;
  kind: 'personal' | 'organizational';
  organizationName?: string | null;
  operatorAdmin?: boolean;
  /** Admins of their organization get a link to manage it. */
  organizationAdmin?: boolean;
}

export interface LayoutProps {
  title: string;
  account?: LayoutAccount | null;
  csrfToken?: string;
  /** 'narrow' (default, ~36rem) suits forms; 'wide' (~64rem) suits tables and dashboards. */
  width?: 'narrow' | 'wide';
  children?: ComponentChildren;
}

export function accountKindLabel(account: Pick<LayoutAccount, 'kind' | 'organizationName'>): string {
  if (account.kind === 'personal') return 'Personal account';
  return account.organizationName ? `Organizational account · ${account.organizationName}` : 'Organizational account';
}

export function Layout(props: LayoutProps): JSX.Element {
  const title = props.title === 'cloudpass' ? 'cloudpass' : `${props.title} – cloudpass`;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light" />
        <title>{title}</title>
        <link rel="stylesheet" href="/assets/app.css" />
        {/* An empty icon spares every page a favicon request that would 404. */}
        <link rel="icon" href="data:," />
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <SiteHeader account={props.account ?? null} csrfToken={props.csrfToken} />
        <main id="main" tabindex={-1} class={`main container container--${props.width ?? 'narrow'}`}>
          {props.children}
        </main>
        <SiteFooter />
      </body>
    </html>
  );
}

function SiteHeader(props: { account: LayoutAccount | null; csrfToken?: string }) {
  const { account } = props;
  return (
    <header class="site-header">
      <div class={`site-header__inner container container--wide${account ? ' site-header--signed-in' : ''}`}>
        <Brand />
        {account ? <SignedInNav account={account} /> : <SignedOutNav />}
        {account ? <AccountChip account={account} /> : null}
        {account ? <SignOutForm csrfToken={props.csrfToken} /> : null}
      </div>
    </header>
  );
}

function Brand() {
  return (
    <a class="brand" href="/">
      <svg class="brand__mark" viewBox="0 0 32 32" width="28" height="28" aria-hidden="true" focusable="false">
        <rect x="1" y="6" width="30" height="20" rx="5" fill="#1d4ed8" />
        <path d="M9 19.5a3.5 3.5 0 0 1 .6-6.95A5 5 0 0 1 19 11.4a4 4 0 0 1 4.2 4.1 2 2 0 0 1-.2 4z" fill="#fff" />
      </svg>
      <span class="brand__name">cloudpass</span>
    </a>
  );
}

function SignedInNav(props: { account: LayoutAccount }) {
  return (
    <nav class="site-nav" aria-label="Main">
      <ul class="site-nav__list">
        <li><a class="site-nav__link" href="/portal">Portal</a></li>
        <li><a class="site-nav__link" href="/account">Account</a></li>
        {props.account.organizationAdmin ? <li><a class="site-nav__link" href="/organization">Organization</a></li> : null}
        {props.account.operatorAdmin ? <li><a class="site-nav__link" href="/admin">Admin</a></li> : null}
      </ul>
    </nav>
  );
}

function SignedOutNav() {
  return (
    <nav class="site-nav site-nav--signed-out" aria-label="Main">
      <ul class="site-nav__list">
        <li><a class="site-nav__link" href="/signin">Sign in</a></li>
        <li><a class="site-nav__link site-nav__link--cta" href="/signup">Create account</a></li>
      </ul>
    </nav>
  );
}

function AccountChip(props: { account: LayoutAccount }) {
  const { account } = props;
  const initial = account.displayName.trim().charAt(0).toUpperCase() || '?';
  return (
    <a class="account-chip" href="/account/type">
      <span class="account-chip__avatar" aria-hidden="true">{initial}</span>
      <span class="account-chip__text">
        <span class="visually-hidden">Signed in as </span>
        <span class="account-chip__name">{account.displayName}</span>
        <span class="account-chip__email">
          <span class="visually-hidden">, </span>
          {account.email}
        </span>
        <span class="account-chip__kind">
          <span class="visually-hidden">, </span>
          {accountKindLabel(account)}
        </span>
      </span>
    </a>
  );
}

function SignOutForm(props: { csrfToken?: string }) {
  return (
    <form class="signout" method="post" action="/signout">
      {props.csrfToken ? <CsrfField token={props.csrfToken} /> : null}
      <button class="button button--secondary button--small" type="submit">Sign out</button>
    </form>
  );
}

function SiteFooter() {
  return (
    <footer class="site-footer">
      <div class="container container--wide site-footer__inner">
        <nav aria-label="Footer">
          <ul class="site-footer__list">
            <li><a href="/support/new">Support</a></li>
            <li><a href="/redeem">Redeem a pass</a></li>
          </ul>
        </nav>
        <p class="site-footer__note">cloudpass · cloud passes, redeemed in a few steps</p>
      </div>
    </footer>
  );
}
