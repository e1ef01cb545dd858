// The message catalogues: one JSON file per language in ./messages/, English the source and the fallback.
// Messages are ICU MessageFormat (plurals, selects, numbers) formatted by intl-messageformat; dates, money
// and country names go through Intl in the same language. Adding a language is adding one file here: the
// language switch, Accept-Language, and the default language of emails by country all follow the files.
import { readdirSync, readFileSync } from 'node:fs';
import { IntlMessageFormat } from 'intl-messageformat';
import { countryListIn, countryNameIn, type Country } from '../lib/countries.ts';

type EnglishCatalogue = typeof import('./messages/en.json', { with: { type: 'json' } });

/** Every message's key: the keys of the English catalogue, checked when the code is compiled. */
export type MessageKey = keyof EnglishCatalogue;
export type MessageValues = Record<string, string | number | Date | boolean | null | undefined>;

export const SOURCE_LOCALE = 'en';
const MESSAGES_DIR = new URL('./messages/', import.meta.url);

export type Catalogues = ReadonlyMap<string, Readonly<Record<string, string>>>;

/** Every `<language>.json` in the folder (`fi.json`, `pt-BR.json`), by language. */
export function loadCatalogues(folder: URL = MESSAGES_DIR): Catalogues {
  const catalogues = new Map<string, Record<string, string>>();
  for (const file of readdirSync(folder).filter((name) => /^[a-z]{2,3}(-[A-Z]{2})?\.json$/.test(name)).sort()) {
    catalogues.set(file.slice(0, -'.json'.length), JSON.parse(readFileSync(new URL(file, folder), 'utf8')) as Record<string, string>);
  }
  if (!catalogues.has(SOURCE_LOCALE)) throw new Error(`no ${SOURCE_LOCALE}.json in ${folder.pathname}`);
  return catalogues;
}

const catalogues = loadCatalogues();

/** The languages cloudpass speaks, the source language first. */
export const LOCALES: readonly string[] = [SOURCE_LOCALE, ...[...catalogues.keys()].filter((l) => l !== SOURCE_LOCALE)];

export function isLocale(value: unknown): value is string {
  return typeof value === 'string' && catalogues.has(value);
}

/** The raw catalogue of a language (for the completeness check and the help centre's index). */
export function catalogueOf(locale: string): Readonly<Record<string, string>> {
  return catalogues.get(locale) ?? {};
}

export interface Translator {
  readonly locale: string;
  /** The message in this language (English when this language lacks it), with its values filled in. */
  t: (key: MessageKey, values?: MessageValues) => string;
  /** Integer minor units of a currency, e.g. 10000 USD → "$100.00" (en), "100,00 $" (fi). */
  money: (value: { amount: number; currency: string }) => string;
  /** A calendar day (YYYY-MM-DD) or an instant, as a date in UTC: "2 December 2026" / "2. joulukuuta 2026". */
  date: (value: string | Date) => string;
  /** An instant with its time, in UTC. */
  dateTime: (value: string | Date) => string;
  number: (value: number) => string;
  country: (code: string) => string;
  /** Every country, named and sorted in this language. */
  countries: () => readonly Country[];
}

const translators = new Map<string, Translator>();

export function translator(locale: string): Translator {
  const known = isLocale(locale) ? locale : SOURCE_LOCALE;
  let made = translators.get(known);
  if (!made) translators.set(known, (made = translatorFrom(catalogues, known)));
  return made;
}

/**
 * The language people in a country most likely read (CLDR's likely subtags: FI → fi, SE → sv, AX → sv, BR → pt-BR or
 * pt), when there is a catalogue for it; else English. For emails to people who have not chosen a language.
 */
export function localeOfCountry(country: string, spoken: Catalogues = catalogues): string {
  let likely: Intl.Locale;
  try {
    likely = new Intl.Locale('und', { region: country.toUpperCase() }).maximize();
  } catch {
    return SOURCE_LOCALE;
  }
  // The country's own variant first (pt-BR in Brazil), then the language (pt).
  return [`${likely.language}-${likely.region ?? ''}`, likely.language].find((code) => spoken.has(code)) ?? SOURCE_LOCALE;
}

/** A translator over the given catalogues (the app's own unless a test loads others). */
export function translatorFrom(loaded: Catalogues, locale: string): Translator {
  const own = loaded.get(locale) ?? {};
  const source = loaded.get(SOURCE_LOCALE) ?? {};
  const formats = new Map<string, IntlMessageFormat>();
  // English dates read day-month-year (2 December 2026), as most of the world writes them.
  const dateLocale = locale === 'en' ? 'en-GB' : locale;
  const dateFormat = new Intl.DateTimeFormat(dateLocale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
  const dateTimeFormat = new Intl.DateTimeFormat(dateLocale, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' });
  const numberFormat = new Intl.NumberFormat(locale);
  const asDate = (value: string | Date) => (value instanceof Date ? value : new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value));
  return {
    locale,
    t: (key, values) => {
      const text = own[key] ?? source[key];
      if (text === undefined) return key;
      let format = formats.get(key);
      if (!format) formats.set(key, (format = new IntlMessageFormat(text, locale)));
      return String(format.format(values));
    },
    money: ({ amount, currency }) => {
      const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
      return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(amount / 10 ** digits);
    },
    date: (value) => dateFormat.format(asDate(value)),
    dateTime: (value) => `${dateTimeFormat.format(asDate(value))} UTC`,
    number: (value) => numberFormat.format(value),
    country: (code) => countryNameIn(locale, code),
    countries: () => countryListIn(locale),
  };
}
