import { createRequire } from 'node:module';
// The package's Node entry registers all of its ~80 languages at once; its index registers none: English
// is registered here, another language when it is first asked for.
import countries from 'i18n-iso-countries/index.js';
import en from 'i18n-iso-countries/langs/en.json' with { type: 'json' };

countries.registerLocale(en);

export interface Country {
  code: string;
  name: string;
}

const englishNames: Readonly<Record<string, string>> = countries.getNames('en', { select: 'official' });
const collator = new Intl.Collator('en', { sensitivity: 'base' });

/** Every ISO 3166-1 alpha-2 code with its English name, sorted by name (Åland with the As). */
export const countryList: readonly Country[] = Object.freeze(
  Object.entries(englishNames)
    .map(([code, name]) => Object.freeze({ code, name }))
    .sort((a, b) => collator.compare(a.name, b.name)),
);

/** Strict: two upper-case letters that name a country. Normalise input (trim, upper-case) before. */
export function isCountryCode(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{2}$/.test(code) && Object.hasOwn(englishNames, code);
}

/** The English name, or the code itself when it is not a country (so a page never shows a blank). */
export function countryName(code: string): string {
  return isCountryCode(code) ? (englishNames[code] as string) : code;
}

// ---- in other languages ------------------------------------------------------------------------

const require = createRequire(import.meta.url);
const namesByLocale = new Map<string, Readonly<Record<string, string>>>([['en', englishNames]]);
const listsByLocale = new Map<string, readonly Country[]>([['en', countryList]]);

/** Country names in a language, loaded the first time that language is asked for; English when it has none. */
function namesIn(locale: string): Readonly<Record<string, string>> {
  let names = namesByLocale.get(locale);
  if (!names) {
    try {
      countries.registerLocale(require(`i18n-iso-countries/langs/${locale}.json`) as Parameters<typeof countries.registerLocale>[0]);
      names = countries.getNames(locale, { select: 'official' });
    } catch {
      names = englishNames;
    }
    namesByLocale.set(locale, names);
  }
  return names;
}

export function countryNameIn(locale: string, code: string): string {
  return isCountryCode(code) ? (namesIn(locale)[code] ?? englishNames[code] ?? code) : code;
}

/** Every country with its name in the language, sorted the way that language sorts (Å, Ä and Ö last in Finnish). */
export function countryListIn(locale: string): readonly Country[] {
  let list = listsByLocale.get(locale);
  if (!list) {
    const names = namesIn(locale);
    const order = new Intl.Collator(locale, { sensitivity: 'base' });
    list = Object.freeze(Object.keys(englishNames)
      .map((code) => Object.freeze({ code, name: names[code] ?? englishNames[code]! }))
      .sort((a, b) => order.compare(a.name, b.name)));
    listsByLocale.set(locale, list);
  }
  return list;
}
