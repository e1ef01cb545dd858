// The ways into the help centre from any page: the "Search help" box (a plain GET form, so it works
// without JavaScript) and a link to the article about where someone is stuck.
import type { ComponentChildren } from 'preact';
import type { MessageKey } from '../i18n/catalogue.ts';
import { useT } from './page-env.ts';

export const HELP_SEARCH_PATH = '/help/search';

export const helpPath = (slug: string, anchor?: string) => `/help/${encodeURIComponent(slug)}${anchor ? `#${anchor}` : ''}`;

/** The search box: in the header of every page (`header`), and larger on the help pages (`page`). */
export function HelpSearchForm(props: { variant: 'header' | 'page'; query?: string }) {
  const { t } = useT();
  const id = props.variant === 'header' ? 'site-search-q' : 'help-search-q';
  return (
    <form class={`help-search help-search--${props.variant}`} role="search" method="get" action={HELP_SEARCH_PATH}>
      <label class={props.variant === 'header' ? 'visually-hidden' : 'field__label'} for={id}>{t('help.search.label')}</label>
      <div class="help-search__row">
        <input
          class="input help-search__input" type="search" id={id} name="q" value={props.query ?? ''} maxLength={200}
          autocomplete="off" enterkeyhint="search" placeholder={props.variant === 'header' ? t('help.search.label') : undefined}
        />
        <button class={`button ${props.variant === 'header' ? 'button--secondary button--small' : 'button--primary'}`} type="submit">
          {t('help.search.button')}
        </button>
      </div>
    </form>
  );
}

/**
 * A link to the help article about a problem, shown next to the message about it:
 * `<HelpLink slug="promo-code" anchor="typo" label="help.link.promoCode" />`.
 */
export function HelpLink(props: { slug: string; anchor?: string; label: MessageKey; children?: ComponentChildren }) {
  const { t } = useT();
  return (
    <p class="help-link">
      <a href={helpPath(props.slug, props.anchor)}>
        <span class="help-link__icon" aria-hidden="true">?</span>
        {t(props.label)}
      </a>
    </p>
  );
}
