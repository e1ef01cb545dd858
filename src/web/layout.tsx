import type { ComponentChildren, JSX } from 'preact';
import { translator } from '../i18n/catalogue.ts';
import { CsrfField } from './components.tsx';
import { HelpSearchForm } from './help-links.tsx';
import { usePageEnv, useT } from './page-env.ts';

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
  /** The "Search help" box in the header; the help pages, which have their own, leave it out. */
  search?: boolean;
  children?: ComponentChildren;
}

export function Layout(props: LayoutProps): JSX.Element {
  const { i18n, branding } = usePageEnv();
  const { programName } = branding;
  const title = props.title === 'cloudpass' || props.title === programName ? programName : i18n.t('layout.titleSuffix', { title: props.title, programName });
  return (
    <html lang={i18n.locale}>
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
        <a class="skip-link" href="#main">{i18n.t('layout.skipLink')}</a>
        <SiteHeader account={props.account ?? null} csrfToken={props.csrfToken} search={props.search ?? true} />
        <main id="main" tabindex={-1} class={`main container container--${props.width ?? 'narrow'}`}>
          {props.children}
        </main>
        <SiteFooter />
      </body>
    </html>
  );
}

function SiteHeader(props: { account: LayoutAccount | null; csrfToken?: string; search: boolean }) {
  const { account } = props;
  return (
    <header class="site-header">
      <div class={`site-header__inner container container--wide${account ? ' site-header--signed-in' : ''}`}>
        <Brand />
        {account ? <SignedInNav account={account} /> : <SignedOutNav />}
        {account ? <AccountChip account={account} /> : null}
        {account ? <SignOutForm csrfToken={props.csrfToken} /> : null}
        {props.search ? <HelpSearchForm variant="header" /> : null}
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
      <span class="brand__name">{usePageEnv().branding.programName}</span>
    </a>
  );
}

function SignedInNav(props: { account: LayoutAccount }) {
  const { t } = useT();
  return (
    <nav class="site-nav" aria-label={t('layout.nav.label')}>
      <ul class="site-nav__list">
        <li><a class="site-nav__link" href="/portal">{t('layout.nav.portal')}</a></li>
        <li><a class="site-nav__link" href="/account">{t('layout.nav.account')}</a></li>
        {props.account.organizationAdmin ? <li><a class="site-nav__link" href="/organization">{t('layout.nav.organization')}</a></li> : null}
        {props.account.operatorAdmin ? <li><a class="site-nav__link" href="/admin">{t('layout.nav.admin')}</a></li> : null}
      </ul>
    </nav>
  );
}

function SignedOutNav() {
  const { t } = useT();
  return (
    <nav class="site-nav site-nav--signed-out" aria-label={t('layout.nav.label')}>
      <ul class="site-nav__list">
        <li><a class="site-nav__link" href="/signin">{t('layout.nav.signIn')}</a></li>
        <li><a class="site-nav__link site-nav__link--cta" href="/signup">{t('layout.nav.createAccount')}</a></li>
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
        <span class="visually-hidden">{useT().t('layout.signedInAs')} </span>
        <span class="account-chip__name">{account.displayName}</span>
        <span class="account-chip__email">
          <span class="visually-hidden">, </span>
          {account.email}
        </span>
        <span class="account-chip__kind">
          <span class="visually-hidden">, </span>
          {accountKindText(account)}
        </span>
      </span>
    </a>
  );
}

function SignOutForm(props: { csrfToken?: string }) {
  return (
    <form class="signout" method="post" action="/signout">
      {props.csrfToken ? <CsrfField token={props.csrfToken} /> : null}
      <button class="button button--secondary button--small" type="submit">{useT().t('layout.signOut')}</button>
    </form>
  );
}

function SiteFooter() {
  const { i18n, branding, locales, path } = usePageEnv();
  const { t } = i18n;
  return (
    <footer class="site-footer">
      <div class="container container--wide site-footer__inner">
        <nav aria-label={t('layout.footer.label')}>
          <ul class="site-footer__list">
            <li><a href="/support/new">{t('layout.footer.support')}</a></li>
            <li><a href="/help">{t('layout.footer.help')}</a></li>
            <li><a href="/redeem">{t('layout.footer.redeem')}</a></li>
            {branding.privacyUrl ? <li><a href={branding.privacyUrl}>{t('layout.footer.privacy')}</a></li> : null}
            {branding.termsUrl ? <li><a href={branding.termsUrl}>{t('layout.footer.terms')}</a></li> : null}
            {branding.supportEmail ? <li><a href={`mailto:${branding.supportEmail}`}>{t('people.footer.supportEmail', { email: branding.supportEmail })}</a></li> : null}
          </ul>
        </nav>
        <nav class="language-switch" aria-label={t('layout.footer.language')}>
          <ul class="site-footer__list">
            {locales.filter((locale) => locale !== i18n.locale).map((locale) => (
              <li>
                <a href={`/language/${locale}?returnTo=${encodeURIComponent(path)}`} lang={locale} hreflang={locale}>
                  {translator(locale).t('language.switchTo')}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <p class="site-footer__note">{t('layout.footer.note', { programName: branding.programName })}</p>
      </div>
    </footer>
  );
}

/** The kind of account in the page's language, with its organization when it has one. */
function accountKindText(account: Pick<LayoutAccount, 'kind' | 'organizationName'>): string {
  const { t } = useT();
  if (account.kind === 'personal') return t('account.kind.personal');
  return account.organizationName ? t('account.kind.organizationalOf', { organization: account.organizationName }) : t('account.kind.organizational');
}
