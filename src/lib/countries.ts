import countries from 'i18n-iso-countries';
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
