// The help centre's articles and search, without a server: every step of the journey has an article in
// each language, an article's Markdown cannot inject markup, and misspelt, split and joined queries find
// the right article first.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LOCALES } from '../../i18n/catalogue.ts';
import { parseArticle } from './help-articles.ts';
import { createHelpService } from './help.service.ts';
import { fold, queryTerms, stem } from './help-search.ts';

const help = createHelpService();

/** The steps of the journey (issue 13): redeem, which account, activate, status, portal, credit and expiry, accounts, support. */
const JOURNEY = ['redeem', 'promo-code', 'which-account', 'activate', 'status', 'portal', 'credit-and-expiry', 'accounts', 'support'];

const MISSPELT: Record<string, Array<[query: string, slug: string]>> = {
  en: [
    ['promocode', 'promo-code'],
    ['promo kode', 'promo-code'],
    ['allready used', 'promo-code'],
    ['wich acount', 'which-account'],
    ['activaton', 'activate'],
    ['setup faild', 'status'],
    ['portall', 'portal'],
    ['credt expird', 'credit-and-expiry'],
    ['pasword', 'accounts'],
    ['suport case', 'support'],
    ['redeam pass', 'redeem'],
    ['verfication email', 'accounts'],
  ],
  fi: [
    ['promokodi', 'promo-code'],
    ['promo koodi', 'promo-code'],
    ['tarjous koodi', 'promo-code'],
    ['kirjoitus virhe', 'promo-code'],
    ['jo kaytetty koodi', 'promo-code'],
    ['organisatio tili', 'which-account'],
    ['aktivonti', 'activate'],
    ['kayttoonotto epaonnistu', 'status'],
    ['portali', 'portal'],
    ['saldo loppu', 'credit-and-expiry'],
    ['salasan unohtui', 'accounts'],
    ['tukipynto', 'support'],
    ['lunastaminen', 'redeem'],
  ],
};

describe('help articles', () => {
  for (const locale of LOCALES) {
    test(`every step of the journey has an article in ${locale}, with a title, a summary and text`, () => {
      for (const slug of JOURNEY) {
        const article = help.get(slug, locale);
        assert.equal(article.locale, locale, `${slug} has no ${locale} version`);
        assert.ok(article.title && article.summary && article.blocks.length > 2, `${slug}.${locale} is incomplete`);
      }
      assert.deepEqual(help.list(locale).map((a) => a.slug), JOURNEY);
    });
  }

  test('links inside articles go to paths of cloudpass that exist as help articles, or to pages', () => {
    for (const locale of LOCALES) {
      for (const article of help.list(locale)) {
        for (const block of article.blocks) {
          const parts = block.type === 'list' ? block.items.flat() : block.content;
          for (const part of parts) {
            if (!('href' in part)) continue;
            assert.match(part.href, /^\/[a-z]/, `${article.slug}.${locale}: ${part.href}`);
            const help = /^\/help\/([a-z-]+)/.exec(part.href);
            if (help) assert.ok(JOURNEY.includes(help[1]!), `${article.slug}.${locale} links to a missing article ${part.href}`);
          }
        }
      }
    }
  });

  test('Markdown is parsed into text, never markup; only paths and https links are links', () => {
    const article = parseArticle('x', 'en', [
      '---', 'title: T', '---',
      '<script>alert(1)</script> **bold** [bad](javascript:alert`1`) [good](/redeem)',
      '## Heading {#here}', '- one', '- two',
    ].join('\n'));
    const [paragraph, heading, list] = article.blocks;
    assert.deepEqual(paragraph, { type: 'paragraph', content: [
      { text: '<script>alert(1)</script> ' }, { strong: 'bold' }, { text: ' ' }, { link: 'bad', href: '#' }, { text: ' ' }, { link: 'good', href: '/redeem' },
    ] });
    assert.deepEqual(heading, { type: 'heading', level: 2, id: 'here', content: [{ text: 'Heading' }] });
    assert.deepEqual(list, { type: 'list', ordered: false, items: [[{ text: 'one' }], [{ text: 'two' }]] });
  });
});

describe('help search', () => {
  for (const [locale, queries] of Object.entries(MISSPELT)) {
    test(`${queries.length} misspelt, split or joined queries in ${locale} find the right article first`, () => {
      const wrong = queries
        .map(([query, slug]) => ({ query, slug, found: help.search(query, locale).articles.map((a) => a.slug) }))
        .filter((r) => r.found[0] !== r.slug)
        .map((r) => `"${r.query}" → ${r.found.slice(0, 3).join(', ') || 'nothing'} (wanted ${r.slug})`);
      assert.deepEqual(wrong, []);
    });
  }

  test('"promocode" and "promo kode" find the promo code article in English', () => {
    for (const query of ['promocode', 'promo kode', 'PROMO-CODE', 'promo code']) {
      assert.equal(help.search(query, 'en').articles[0]?.slug, 'promo-code', query);
    }
  });

  test('an empty or stop-word-only query finds nothing; nonsense finds nothing', () => {
    assert.deepEqual(help.search('', 'en').articles, []);
    assert.deepEqual(help.search('   ', 'fi').articles, []);
    assert.deepEqual(help.search('the and of', 'en').articles, []);
    assert.deepEqual(help.search('zzqxv', 'en').articles, []);
  });

  test('a language without articles searches the English ones', () => {
    assert.equal(help.search('promocode', 'sv').articles[0]?.slug, 'promo-code');
  });

  test('queries are cut: a very long query is answered, from its first words', () => {
    const long = `promocode ${'lorem ipsum '.repeat(500)}`;
    assert.ok(queryTerms(long, 'en').length <= 24);
    assert.equal(help.search(long, 'en').articles[0]?.slug, 'promo-code');
  });

  test('words are folded and stemmed the same way on both sides', () => {
    assert.equal(fold('Käyttöönotto'), 'kayttoonotto');
    assert.equal(stem('koodilla', 'fi'), 'kood');
    assert.equal(stem('koodi', 'fi'), 'kood');
    assert.equal(stem('codes', 'en'), 'code');
    assert.deepEqual(queryTerms('promo kode', 'en').sort(), ['kode', 'promo', 'promokode']);
  });
});
