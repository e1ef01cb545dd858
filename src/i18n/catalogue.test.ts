import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntlMessageFormat } from 'intl-messageformat';
import { LOCALES, SOURCE_LOCALE, catalogueOf, translator } from './catalogue.ts';

test('every language has every message of the English catalogue, and no message English lacks', () => {
  const keys = Object.keys(catalogueOf(SOURCE_LOCALE)).sort();
  assert.ok(LOCALES.includes('fi'), 'Finnish is spoken');
  for (const locale of LOCALES) {
    const own = Object.keys(catalogueOf(locale)).sort();
    assert.deepEqual(keys.filter((k) => !own.includes(k)), [], `${locale} lacks these messages`);
    assert.deepEqual(own.filter((k) => !keys.includes(k)), [], `${locale} has messages English does not`);
  }
});

test('every message is valid ICU MessageFormat, with the same placeholders in every language', () => {
  // The arguments a message takes, read from its syntax tree (so the words of a plural's branches are not taken for them).
  type Element = { value?: unknown; options?: Record<string, { value: Element[] }>; children?: Element[]; type: number };
  const argumentsOf = (elements: Element[]): string[] => elements.flatMap((e) => [
    ...(e.type >= 1 && e.type <= 6 && typeof e.value === 'string' ? [e.value] : []),
    ...Object.values(e.options ?? {}).flatMap((o) => argumentsOf(o.value)),
    ...argumentsOf(e.children ?? []),
  ]);
  const placeholders = (text: string) => argumentsOf(new IntlMessageFormat(text, 'en').getAst()).sort((a, b) => a.localeCompare(b));
  for (const locale of LOCALES) {
    for (const [key, text] of Object.entries(catalogueOf(locale))) {
      assert.doesNotThrow(() => new IntlMessageFormat(text, locale), `${locale} ${key}`);
      assert.deepEqual([...new Set(placeholders(text))], [...new Set(placeholders(catalogueOf(SOURCE_LOCALE)[key] ?? ''))], `${locale} ${key}: placeholders`);
    }
  }
});

test('dates, money and country names follow the language', () => {
  const en = translator('en');
  const fi = translator('fi');
  assert.equal(en.date('2027-02-03'), '3 February 2027');
  assert.equal(fi.date('2027-02-03'), '3. helmikuuta 2027');
  assert.equal(en.money({ amount: 10_050, currency: 'EUR' }), '€100.50');
  assert.equal(fi.money({ amount: 10_050, currency: 'EUR' }).replace(/\s/g, ' '), '100,50 €');
  assert.equal(en.money({ amount: 500, currency: 'JPY' }), '¥500');
  assert.equal(fi.country('SE'), 'Ruotsi');
  assert.equal(en.country('SE'), 'Sweden');
  // Sorted the way each language sorts: in Finnish, Ruotsi comes before Saksa, and every name is Finnish.
  const names = fi.countries().map((c) => c.name);
  assert.ok(names.indexOf('Ruotsi') < names.indexOf('Saksa'));
  assert.ok(!names.includes('Sweden'));
  // An unknown language is English, never an error.
  assert.equal(translator('xx').locale, 'en');
});
