// What every page renders with besides its own props: the visitor's language (messages, dates, money,
// country names), the program's branding, and the path being shown (for the language switch). Pages and
// components read it with usePageEnv()/useT(); sendPage provides it from the request.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import { LOCALES, SOURCE_LOCALE, translator, type Translator } from '../i18n/catalogue.ts';

export interface Branding {
  /** Shown in the header, titles and emails. */
  programName: string;
  supportEmail: string | null;
  privacyUrl: string | null;
  termsUrl: string | null;
}

export const DEFAULT_BRANDING: Branding = { programName: 'cloudpass', supportEmail: null, privacyUrl: null, termsUrl: null };

export interface PageEnv {
  i18n: Translator;
  /** Every language the switch offers. */
  locales: readonly string[];
  branding: Branding;
  /** The path and query of the page, so switching language comes back to it. */
  path: string;
}

export function pageEnv(options: { locale?: string; branding?: Branding; path?: string } = {}): PageEnv {
  return {
    i18n: translator(options.locale ?? SOURCE_LOCALE), locales: LOCALES,
    branding: options.branding ?? DEFAULT_BRANDING, path: options.path ?? '/',
  };
}

export const PageEnvContext = createContext<PageEnv>(pageEnv());

export const usePageEnv = (): PageEnv => useContext(PageEnvContext);

/** The translator of the page being rendered: `const { t } = useT()` … `t('layout.signOut')`. */
export const useT = (): Translator => useContext(PageEnvContext).i18n;
