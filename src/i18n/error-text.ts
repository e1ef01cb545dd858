// Domain errors and notices speak English in services and the API (their `code` is the contract). Pages
// show them in the visitor's language here, at the page boundary: a message is matched to the English
// catalogue's "error.…" messages by its text (placeholders match any words, which become the values of the
// same message in the visitor's language), else to "errorCode.<code>", the general words for its code.
import { catalogueOf, SOURCE_LOCALE, type MessageKey, type Translator } from './catalogue.ts';

interface Pattern { key: MessageKey; regex: RegExp; names: string[] }

/** "error.…", or a module's own "<prefix>.error.…" (each module adds its messages in its own block). */
const ERROR_KEY = /^(?:[a-z]+\.)?error\./;

let patterns: Pattern[] | undefined;

function compile(): Pattern[] {
  const made: Pattern[] = [];
  for (const [key, text] of Object.entries(catalogueOf(SOURCE_LOCALE))) {
    if (!ERROR_KEY.test(key) || /,\s*(plural|select)/.test(text)) continue;
    const names: string[] = [];
    const source = text.split(/(\{\s*[A-Za-z_]\w*\s*\})/).map((part) => {
      const name = /^\{\s*([A-Za-z_]\w*)\s*\}$/.exec(part)?.[1];
      if (name) { names.push(name); return '(.+?)'; }
      return part.replace(/''/g, "'").replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }).join('');
    made.push({ key: key as MessageKey, regex: new RegExp(`^${source}$`), names });
  }
  return made;
}

/** The key of the English catalogue's "error.…" message that reads exactly `english`, with its values. */
export function errorMessageOf(english: string): { key: MessageKey; values: Record<string, string> } | undefined {
  patterns ??= compile();
  for (const { key, regex, names } of patterns) {
    const match = regex.exec(english);
    if (match) return { key, values: Object.fromEntries(names.map((name, i) => [name, match[i + 1] ?? ''])) };
  }
  return undefined;
}

/** A domain error's message (or a field's) in the translator's language; English as it came when no message fits. */
export function errorText(i18n: Translator, english: string, code?: string): string {
  if (i18n.locale === SOURCE_LOCALE) return english;
  const known = errorMessageOf(english);
  if (known) return i18n.t(known.key, known.values);
  const general = code ? (`errorCode.${code}` as MessageKey) : undefined;
  if (general && catalogueOf(SOURCE_LOCALE)[general] !== undefined) return i18n.t(general);
  return english;
}

/** A notice kept in the session: a catalogue key (written by pages that speak through the catalogue), or older English text. */
export function noticeText(i18n: Translator, notice: string): string {
  return catalogueOf(SOURCE_LOCALE)[notice] !== undefined ? i18n.t(notice as MessageKey) : notice;
}
