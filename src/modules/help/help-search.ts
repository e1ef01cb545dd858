// The help centre's full-text index: MiniSearch (BM25 scoring, prefix and fuzzy matching), one index per
// language, built from the articles when the service starts (18 short articles: a few milliseconds).
//
// People type on phones, misspell, and split or join words: "promocode", "promo kode", "tarjous koodi",
// "koodia". Besides MiniSearch's own fuzzy matching (edit distance up to a fifth of a word), the index
// keeps, in a low-weighted `variants` field, for every word:
//   - the word with common endings taken off (Finnish cases, English plurals), so "koodilla" meets "koodi";
//   - each pair of neighbouring words joined ("promo code" → "promocode"), so a joined query matches;
//   - the tails of long words ("tukipyyntö" → "pyyntö"), so one part of a Finnish compound finds it.
// A query gets the same treatment (stems and joined pairs, no tails), and letters are folded (ä → a,
// ö → o) on both sides so that a keyboard without them still finds the words.
import MiniSearch, { type SearchOptions } from 'minisearch';
import { plainText, type HelpArticle } from './help-articles.ts';

export interface HelpHit {
  slug: string;
  score: number;
}

/** A query is cut to this many characters and words: fuzzy matching costs grow with both. */
const MAX_QUERY_LENGTH = 200;
const MAX_QUERY_WORDS = 12;
const MIN_TAIL = 4;
const TAIL_FROM = 8;

const STOP_WORDS = new Set([
  // English
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'can', 'do', 'for', 'from', 'how', 'i', 'if', 'in', 'is', 'it', 'its', 'me',
  'my', 'of', 'on', 'or', 'the', 'to', 'was', 'what', 'when', 'where', 'why', 'with', 'you', 'your',
  // Finnish (folded: ä → a, ö → o)
  'ja', 'on', 'ei', 'se', 'sen', 'etta', 'tai', 'kun', 'jos', 'mita', 'miten', 'mika', 'mina', 'sina', 'han', 'me', 'te', 'he',
  'olen', 'ole', 'oli', 'ovat', 'voi', 'kuin', 'myos', 'niin', 'nyt', 'tama', 'taman', 'siita', 'sita', 'en', 'et', 'mun', 'mulla',
]);

// Longest first, so "-ssa" is tried before "-a". A stem keeps at least four letters.
const FINNISH_ENDINGS = [
  'minen', 'misen', 'mista', 'massa', 'malla', 'maan', 'illa', 'issa', 'ista', 'ille', 'ilta', 'iksi', 'ineen', 'ihin', 'iden', 'itten', 'jen', 'ssa', 'sta', 'lla', 'lta', 'lle',
  'ksi', 'tta', 'han', 'hin', 'hen', 'seen', 'iin', 'een', 'ja', 'na', 'ia', 'in', 'en', 'an', 'on', 'un', 'yn',
  'a', 'n', 't', 'i',
].sort((a, b) => b.length - a.length);
const ENGLISH_ENDINGS = ['ing', 'ed', 'es', 's'];

/** Lower case, accents and Nordic letters folded to their base letter. */
export function fold(text: string): string {
  return text.toLowerCase().replace(/ß/g, 'ss').normalize('NFKD').replace(/[\u0300-\u036f]/g, '');
}

function words(text: string): string[] {
  return fold(text).split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0);
}

export function stem(word: string, locale: string): string {
  const endings = locale === 'fi' ? FINNISH_ENDINGS : ENGLISH_ENDINGS;
  for (const ending of endings) {
    if (word.endsWith(ending) && word.length - ending.length >= 4) return word.slice(0, -ending.length);
  }
  return word;
}

function tails(word: string): string[] {
  const found: string[] = [];
  for (let start = 3; word.length >= TAIL_FROM && word.length - start >= MIN_TAIL; start++) found.push(word.slice(start));
  return found;
}

/** What the `variants` field indexes for a text: stems, joined neighbours and tails of long words. */
export function variantsOf(text: string, locale: string): string[] {
  const all = words(text);
  const out = new Set<string>();
  all.forEach((word, i) => {
    out.add(stem(word, locale));
    if (i + 1 < all.length) {
      out.add(all[i]! + all[i + 1]!);
      out.add(stem(all[i]! + all[i + 1]!, locale));
    }
    for (const tail of tails(word)) out.add(tail);
  });
  return [...out];
}

/** The terms searched for a query: each word, its stem and each pair of neighbouring words joined. */
export function queryTerms(query: string, locale: string): string[] {
  const all = words(query.slice(0, MAX_QUERY_LENGTH)).filter((w) => !STOP_WORDS.has(w)).slice(0, MAX_QUERY_WORDS);
  const out = new Set<string>();
  all.forEach((word, i) => {
    out.add(word);
    out.add(stem(word, locale));
    if (i + 1 < all.length) out.add(word + all[i + 1]!);
  });
  return [...out];
}

interface IndexedArticle {
  id: string;
  title: string;
  keywords: string;
  summary: string;
  body: string;
  variants: string;
}

const SEARCH_OPTIONS: SearchOptions = {
  boost: { title: 4, keywords: 3, summary: 2, body: 1, variants: 0.6 },
  // A fifth of a word's letters may be wrong (one in "kode", two in "promocode"); short words must be exact.
  fuzzy: (term) => (term.length >= 4 ? 0.22 : false),
  prefix: (term) => term.length >= 3,
  combineWith: 'OR',
};

export function createHelpIndex(articles: readonly HelpArticle[], locale: string) {
  const index = new MiniSearch<IndexedArticle>({
    fields: ['title', 'keywords', 'summary', 'body', 'variants'],
    // Text is already folded and split by `words`; variants are one term each.
    tokenize: (text, field) => (field === 'variants' ? text.split(' ') : words(text)),
    processTerm: (term, field) => (field === 'variants' || !STOP_WORDS.has(term) ? term : null),
    searchOptions: SEARCH_OPTIONS,
  });
  index.addAll(articles.map((article) => {
    const body = plainText(article);
    return {
      id: article.slug, title: article.title, keywords: article.keywords.join(', '), summary: article.summary, body,
      variants: variantsOf([article.title, article.keywords.join(' '), article.summary, body].join('\n'), locale).join(' '),
    };
  }));

  /** The articles that match, best first. */
  function search(query: string): HelpHit[] {
    const terms = queryTerms(query, locale);
    if (terms.length === 0) return [];
    // Terms are given as one string MiniSearch splits on spaces; each term is already what the index holds.
    return index.search(terms.join(' '), { tokenize: (text) => text.split(' '), processTerm: (term) => term })
      .map((hit) => ({ slug: String(hit.id), score: hit.score }));
  }

  return { search };
}

export type HelpIndex = ReturnType<typeof createHelpIndex>;
