// Adding a language is adding one file (README, "Adding a language"): a new catalogue in a messages folder
// is picked up with nothing else changed, speaks its own words, dates and country names, falls back to
// English for what it lacks, and becomes the default language of emails to its countries. A help article
// next to the English one is picked up the same way.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, test } from 'node:test';
import { catalogueOf, loadCatalogues, localeOfCountry, translatorFrom } from './catalogue.ts';
import { createHelpService } from '../modules/help/help.service.ts';

const folder = mkdtempSync(join(tmpdir(), 'cloudpass-language-'));
after(() => rmSync(folder, { recursive: true, force: true }));
const folderUrl = pathToFileURL(`${folder}/`);

test('a new catalogue file is a new language, with English for the messages it lacks', () => {
  copyFileSync(new URL('./messages/en.json', import.meta.url), join(folder, 'en.json'));
  writeFileSync(join(folder, 'sv.json'), JSON.stringify({ 'language.name': 'Svenska', 'language.switchTo': 'På svenska', 'redeem.submit': 'Skicka' }));
  writeFileSync(join(folder, 'pt-BR.json'), JSON.stringify({ 'redeem.submit': 'Enviar' }));

  const loaded = loadCatalogues(folderUrl);
  assert.deepEqual([...loaded.keys()].sort(), ['en', 'pt-BR', 'sv']);
  assert.equal(translatorFrom(loaded, 'pt-BR').t('redeem.submit'), 'Enviar');
  const sv = translatorFrom(loaded, 'sv');
  assert.equal(sv.t('redeem.submit'), 'Skicka');
  assert.equal(sv.t('language.switchTo'), 'På svenska');
  assert.equal(sv.t('redeem.title'), catalogueOf('en')['redeem.title'], 'a message it lacks is English');
  assert.equal(sv.date('2027-02-03'), '3 februari 2027');
  assert.equal(sv.country('DE'), 'Tyskland');

  // Emails to people in Sweden default to Swedish once there is a Swedish catalogue, and not before.
  assert.equal(localeOfCountry('SE', loaded), 'sv');
  assert.equal(localeOfCountry('SE'), 'en');
  assert.equal(localeOfCountry('FI'), 'fi');
  assert.equal(localeOfCountry('US', loaded), 'en');
  assert.equal(localeOfCountry('BR', loaded), 'pt-BR');
});

test('a help article in the new language is picked up; the others stay English', () => {
  const articles = join(folder, 'articles');
  mkdirSync(articles);
  for (const slug of ['redeem', 'status']) copyFileSync(new URL(`../modules/help/articles/${slug}.en.md`, import.meta.url), join(articles, `${slug}.en.md`));
  writeFileSync(join(articles, 'redeem.sv.md'), '---\ntitle: Lös in ditt pass\nsummary: Ange kampanjkoden.\norder: 1\n---\n\nAnge koden som den är tryckt.\n');

  const help = createHelpService({ folder: pathToFileURL(`${articles}/`) });
  assert.equal(help.get('redeem', 'sv').title, 'Lös in ditt pass');
  assert.equal(help.get('status', 'sv').locale, 'en', 'an article it lacks is English');
  assert.deepEqual(help.list('sv').map((a) => `${a.slug}.${a.locale}`), ['redeem.sv', 'status.en']);
  assert.deepEqual(help.search('kampanjkoden', 'sv').articles.map((a) => a.slug), ['redeem']);
});
