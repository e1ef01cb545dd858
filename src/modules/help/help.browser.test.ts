// The help centre in Chromium at phone size, in English and in Finnish: /help, a search typed with a typo
// and sent with Enter, its results and the article they lead to; and the header's search box on another
// page with JavaScript off. Every page is checked with axe, for sideways scrolling, and photographed
// (tmp/screenshots/help-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { browserSkipReason, expectAccessible, expectNoSidewaysScroll, launchBrowser, phoneViewport, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';

const skip = browserSkipReason();

const WORDS = {
  en: { help: 'Help', search: 'Search help', button: 'Search', query: 'promo kode', article: 'Problems with your promo code', section: '“This promo code is already used”' },
  fi: { help: 'Ohjeet', search: 'Hae ohjeista', button: 'Hae', query: 'promo koodi', article: 'Ongelmia promokoodin kanssa', section: '”Tämä promokoodi on jo käytetty”' },
} as const;

describe('help centre in a real browser', { skip }, () => {
  let server: LiveServer;
  let base: string;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer();
    ({ base } = server);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function look(page: Page, name: string) {
    await expectAccessible(page, name);
    await expectNoSidewaysScroll(page, name);
    await screenshot(page, `help-${name}`);
  }

  for (const locale of ['en', 'fi'] as const) {
    const w = WORDS[locale];
    test(`${locale}: /help, a misspelt search sent with Enter, its results and the article`, { timeout: 180_000 }, async () => {
      const context = await browser.newContext({ viewport: phoneViewport, locale: locale === 'fi' ? 'fi-FI' : 'en-GB' });
      const page = await context.newPage();
      try {
        await page.goto(`${base}/help`);
        await page.getByRole('heading', { level: 1, name: w.help }).waitFor();
        assert.equal(await page.locator('html').getAttribute('lang'), locale);
        await look(page, `${locale}-01-index`);

        const box = page.getByRole('searchbox', { name: w.search });
        await box.fill(w.query);
        await box.press('Enter');
        await page.waitForURL(/\/help\/search\?q=/);
        assert.equal(await page.getByRole('searchbox', { name: w.search }).inputValue(), w.query);
        const first = page.locator('.help-articles__link').first();
        assert.equal(await first.textContent(), w.article);
        await look(page, `${locale}-02-results`);

        await first.click();
        await page.getByRole('heading', { level: 1, name: w.article }).waitFor();
        await page.getByRole('heading', { level: 2, name: w.section }).waitFor();
        await look(page, `${locale}-03-article`);
      } finally {
        await context.close();
      }
    });
  }

  test('the header search box works without JavaScript, from any page', { timeout: 120_000 }, async () => {
    const context = await browser.newContext({ viewport: phoneViewport, javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/redeem`);
      await page.getByRole('searchbox', { name: 'Search help' }).fill('promocode');
      await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
      await page.waitForURL(/\/help\/search\?q=promocode/);
      assert.equal(await page.locator('.help-articles__link').first().textContent(), 'Problems with your promo code');
      // axe runs in the page, so a page without JavaScript is only photographed (the same page is checked above).
      await screenshot(page, 'help-en-04-no-javascript-results');
    } finally {
      await context.close();
    }
  });
});
