// The help centre's pages through app.inject on SQLite and PostgreSQL: the contract's search box, every
// article in the visitor's language, results that work as a plain GET form, and the header's search box
// on every other page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { App } from '../../app.ts';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';

function get(app: App, url: string, options: { language?: string; cookie?: string } = {}) {
  return app.inject({
    method: 'GET', url,
    headers: { accept: 'text/html', ...(options.language ? { 'accept-language': options.language } : {}), ...(options.cookie ? { cookie: options.cookie } : {}) },
  });
}

const searchForms = (page: string) => [...page.matchAll(/<form class="help-search[^"]*" role="search" method="get" action="\/help\/search">/g)].length;
const articleLinks = (page: string) => [...page.matchAll(/class="help-articles__link" href="\/help\/([a-z-]+)"/g)].map((m) => m[1]);

describeEachDatabase('help pages', (ctx) => {
  test('/help has the search box "Search help", the button "Search" and every article, in the order of the journey', async () => {
    const { app } = ctx();
    const page = await get(app, '/help');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<html lang="en">/);
    assert.match(page.body, /<label class="field__label" for="help-search-q">Search help<\/label>/);
    assert.match(page.body, /<input class="input help-search__input" type="search" id="help-search-q" name="q"/);
    assert.match(page.body, /<button class="button button--primary" type="submit">Search<\/button>/);
    // One search box: the header's gives way to the page's own.
    assert.equal(searchForms(page.body), 1);
    assert.deepEqual(articleLinks(page.body), ['redeem', 'promo-code', 'which-account', 'activate', 'status', 'portal', 'credit-and-expiry', 'accounts', 'support']);
    assert.match(page.body, /href="\/support\/new">Create a support case<\/a>/);
  });

  test('in Finnish, /help and its articles are in Finnish', async () => {
    const { app } = ctx();
    const index = await get(app, '/help', { language: 'fi-FI,fi;q=0.9,en;q=0.5' });
    assert.match(index.body, /<html lang="fi">/);
    assert.match(index.body, /<h1>Ohjeet<\/h1>/);
    assert.match(index.body, />Hae ohjeista<\/label>/);
    assert.match(index.body, />Ongelmia promokoodin kanssa<\/a>/);

    const article = await get(app, '/help/promo-code', { language: 'fi' });
    assert.equal(article.statusCode, 200);
    assert.match(article.body, /<h1>Ongelmia promokoodin kanssa<\/h1>/);
    assert.match(article.body, /<h2 id="already-used">/);
  });

  test('an article page: title, sections with anchors, links, the header search and links to the others', async () => {
    const { app } = ctx();
    const page = await get(app, '/help/promo-code');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Problems with your promo code – cloudpass<\/title>/);
    assert.match(page.body, /<h2 id="typo">“This code has a typo”<\/h2>/);
    assert.match(page.body, /<a href="\/support\/new">Create a support case<\/a>/);
    assert.equal(searchForms(page.body), 1, 'the header has the search box');
    assert.match(page.body, /<a href="\/help\/redeem">Redeem your pass<\/a>/);
  });

  test('an unknown article is a 404 page', async () => {
    const { app } = ctx();
    const page = await get(app, '/help/no-such-article');
    assert.equal(page.statusCode, 404);
    assert.match(page.headers['content-type'] as string, /text\/html/);
  });

  test('results: a plain GET finds the promo code article first for "promocode" and "promo kode", in each language', async () => {
    const { app } = ctx();
    for (const [q, language] of [['promocode', 'en'], ['promo kode', 'en'], ['promo koodi', 'fi'], ['tarjous koodi', 'fi']] as const) {
      const page = await get(app, `/help/search?q=${encodeURIComponent(q)}`, { language });
      assert.equal(page.statusCode, 200);
      assert.equal(articleLinks(page.body)[0], 'promo-code', `${q} (${language})`);
      assert.match(page.body, new RegExp(`value="${q}"`), 'the query stays in the box');
      assert.match(page.body, /role="status"/);
    }
  });

  test('results: nothing found says so and offers every article; an empty query asks for words', async () => {
    const { app } = ctx();
    const none = await get(app, '/help/search?q=zzqxv');
    assert.match(none.body, /“zzqxv”: no articles match\./);
    assert.match(none.body, /<a href="\/help">see all help articles\.<\/a>/);
    const empty = await get(app, '/help/search?q=');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /Type a few words/);
    const fi = await get(app, '/help/search?q=zzqxv', { language: 'fi' });
    assert.match(fi.body, /”zzqxv”: ei yhtään ohjetta\./);
  });

  test('what was searched for is escaped wherever it is shown', async () => {
    const { app } = ctx();
    const page = await get(app, `/help/search?q=${encodeURIComponent('<script>alert(1)</script>"promo')}`);
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes('<script>alert(1)</script>'));
    assert.match(page.body, /&lt;script>alert\(1\)&lt;\/script>&quot;promo|&lt;script&gt;alert\(1\)&lt;\/script&gt;&quot;promo/);
  });

  test('/search leads to the results, keeping the query; without one, to /help', async () => {
    const { app } = ctx();
    const search = await get(app, '/search?q=promo%20kode');
    assert.equal(search.statusCode, 302);
    assert.equal(search.headers.location, '/help/search?q=promo%20kode');
    const bare = await get(app, '/search');
    assert.equal(bare.headers.location, '/help');
  });

  test('every page has the "Search help" box in its header, signed in or out, and a footer link to help', async () => {
    const { app, config } = ctx();
    const account = await createAccount(app, config);
    for (const [url, cookie] of [['/', undefined], ['/redeem', undefined], ['/signin', undefined], ['/portal', account.cookie]] as const) {
      const page = await get(app, url, { cookie });
      assert.equal(page.statusCode, 200, url);
      assert.equal(searchForms(page.body), 1, url);
      assert.match(page.body, /<label class="visually-hidden" for="site-search-q">Search help<\/label>/, url);
      assert.match(page.body, /<li><a href="\/help">Help<\/a><\/li>/, url);
    }
  });
});
