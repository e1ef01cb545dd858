// Finds English left in a page rendered in another language: every text node (and the attributes a person
// reads or hears: aria-label, title, placeholder, alt, content of <meta name="description">) that is an
// English catalogue message the other language words differently, or that holds common English words.
// Text that is the same in both languages (the program's name, emails, codes, numbers, what the test
// typed in) passes; a test names its own data in `allowed`.
import { catalogueOf, SOURCE_LOCALE } from '../i18n/catalogue.ts';

/** Words that are English and not Finnish (nor names or codes): one of them in a Finnish text is a leftover. */
const ENGLISH_WORDS = new Set([
  'the', 'your', 'you', 'and', 'to', 'of', 'is', 'are', 'this', 'that', 'with', 'for', 'from', 'be', 'it', 'an', 'or',
  'not', 'was', 'will', 'can', 'has', 'have', 'we', 'our', 'by', 'at', 'as', 'if', 'in', 'into', 'when', 'what', 'which',
  'how', 'who', 'here', 'there', 'more', 'new', 'use', 'add', 'remove', 'send', 'open', 'sign', 'signed', 'enter', 'email',
  'account', 'accounts', 'pass', 'passes', 'code', 'codes', 'select', 'create', 'continue', 'back', 'cancel', 'save', 'submit',
  'password', 'name', 'country', 'members', 'member', 'domain', 'domains', 'organization', 'change', 'confirm', 'verify',
  'redeem', 'activate', 'days', 'day', 'credit', 'valid', 'error', 'problem', 'again', 'please', 'try', 'only', 'all', 'no',
  'yes', 'out', 'up', 'link', 'reset', 'invite', 'admin', 'role', 'settings', 'about', 'after', 'before', 'then', 'than',
]);

export interface LeftoverOptions {
  /** Text the test itself put on the page (names, campaign names): never a leftover. */
  allowed?: readonly string[];
  /** The language the page should be in (default fi). */
  locale?: string;
}

const decode = (text: string) => text
  .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'")
  .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n))).replace(/&amp;/g, '&');

/** The texts a person reads on the page: text nodes and the labelling attributes, whitespace collapsed. */
export function readableTexts(html: string, locale = 'fi'): string[] {
  // What is marked as another language (the language switch's "In English") is meant to be in it.
  const otherLanguage = new RegExp(`<(\\w+)[^>]*\\slang="(?!${locale}")[^"]*"[^>]*>[\\s\\S]*?</\\1>`, 'g');
  const body = html.replace(otherLanguage, ' ').replace(/<script[\s\S]*?<\/script>/gi, ' ').replace(/<style[\s\S]*?<\/style>/gi, ' ').replace(/<!--[\s\S]*?-->/g, ' ');
  const texts: string[] = [];
  for (const match of body.matchAll(/\s(?:aria-label|title|placeholder|alt)="([^"]*)"/g)) texts.push(match[1] ?? '');
  for (const match of body.matchAll(/<option[^>]*>([^<]*)</g)) texts.push(match[1] ?? '');
  for (const match of body.replace(/<[^>]*>/g, '\u0000').split('\u0000')) texts.push(match);
  return texts.map((t) => decode(t).replace(/\s+/g, ' ').trim()).filter((t) => /\p{L}/u.test(t));
}

/** The English leftovers of a page rendered in `locale`: empty when the page speaks only that language. */
export function englishLeftovers(html: string, options: LeftoverOptions = {}): string[] {
  const locale = options.locale ?? 'fi';
  const english = catalogueOf(SOURCE_LOCALE);
  const own = catalogueOf(locale);
  // English messages the language words differently, without their placeholders (which hold data).
  const englishOnly = new Set(Object.keys(english).filter((k) => own[k] !== english[k]).map((k) => english[k] ?? '')
    .filter((text) => !text.includes('{')).map((text) => text.trim()));
  const allowed = options.allowed ?? [];
  const leftovers: string[] = [];
  for (const text of readableTexts(html, locale)) {
    let rest = text;
    for (const a of allowed) rest = rest.split(a).join(' ');
    // Emails, URLs, codes and hyphenated identifiers are the same in every language.
    rest = rest.replace(/\S+@\S+/g, ' ').replace(/\bhttps?:\/\/\S+/g, ' ').replace(/\b[\dA-Z]{4}(-[\dA-Z]{4}){3}\b/g, ' ').replace(/cloudpass/gi, ' ');
    const words = rest.toLowerCase().match(/[\p{L}']+/gu) ?? [];
    if (englishOnly.has(text) || words.some((w) => ENGLISH_WORDS.has(w))) leftovers.push(text);
  }
  return [...new Set(leftovers)];
}
