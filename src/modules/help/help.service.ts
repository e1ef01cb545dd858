// The help centre: articles for each step of a recipient's journey, in every language that has them
// (English when a language lacks one), and a search over them. Read from files once, at start.
import { NotFoundError } from '../../lib/errors.ts';
import { loadArticles, type HelpArticle } from './help-articles.ts';
import { createHelpIndex, type HelpIndex } from './help-search.ts';

export type { HelpArticle } from './help-articles.ts';

const SOURCE_LOCALE = 'en';
const ARTICLES_DIR = new URL('./articles/', import.meta.url);
/**
 * Results scoring below this share of the best one are left out: with fuzzy and prefix matching, a query
 * like "promo koodi" touches most articles through a word or two; the ones that answer it score far higher.
 */
const RELEVANT_SHARE = 0.2;

export interface HelpSearchResult {
  query: string;
  articles: HelpArticle[];
}

export function createHelpService(options: { folder?: URL } = {}) {
  const all = loadArticles(options.folder ?? ARTICLES_DIR);
  const byLocale = new Map<string, HelpArticle[]>();
  for (const article of all) byLocale.set(article.locale, [...(byLocale.get(article.locale) ?? []), article]);
  for (const articles of byLocale.values()) articles.sort((a, b) => a.order - b.order || a.slug.localeCompare(b.slug));
  const indexes = new Map<string, HelpIndex>([...byLocale].map(([locale, articles]) => [locale, createHelpIndex(articles, locale)]));

  const localeOf = (locale: string) => (byLocale.has(locale) ? locale : SOURCE_LOCALE);

  /** Every article, in the order of the journey. */
  function list(locale: string): HelpArticle[] {
    const own = byLocale.get(localeOf(locale)) ?? [];
    const missing = (byLocale.get(SOURCE_LOCALE) ?? []).filter((a) => !own.some((o) => o.slug === a.slug));
    return [...own, ...missing].sort((a, b) => a.order - b.order);
  }

  function get(slug: string, locale: string): HelpArticle {
    const found = byLocale.get(localeOf(locale))?.find((a) => a.slug === slug)
      ?? byLocale.get(SOURCE_LOCALE)?.find((a) => a.slug === slug);
    if (!found) throw new NotFoundError('This help article');
    return found;
  }

  /** The articles matching a query, best first; an empty query finds nothing. */
  function search(query: string, locale: string): HelpSearchResult {
    const trimmed = query.trim();
    const index = indexes.get(localeOf(locale));
    const hits = index && trimmed ? index.search(trimmed) : [];
    const best = hits[0]?.score ?? 0;
    return { query: trimmed, articles: hits.filter((hit) => hit.score >= best * RELEVANT_SHARE).map((hit) => get(hit.slug, locale)) };
  }

  return { list, get, search };
}

export type HelpService = ReturnType<typeof createHelpService>;
