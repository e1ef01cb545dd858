// The console's people pages in Chromium at 390 px and 1280 px: the operator finds a recipient by email and
// opens their page, sees who is stuck, turns the free trial on and off (/offers follows), sets the branding
// and creates and revokes an API key. Every page is checked with axe, for sideways scrolling, and
// photographed (tmp/screenshots/people-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { createAccount } from '../../testing/factories.ts';
import { browserSkipReason, contextAs, desktopViewport, expectAccessible, expectNoSidewaysScroll, launchBrowser, phoneViewport, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';

const skip = browserSkipReason();

describe('the console\'s people pages in a real browser', { skip }, () => {
  let server: LiveServer;
  let app: App;
  let config: Config;
  let base: string;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer();
    ({ app, config, base } = server);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function look(page: Page, name: string) {
    await expectAccessible(page, name);
    await expectNoSidewaysScroll(page, name);
    await screenshot(page, `people-${name}-${page.viewportSize()?.width}`);
  }

  async function offerIds(cookie: string): Promise<string[]> {
    const response = await app.inject({ method: 'GET', url: '/api/v1/offers', headers: { cookie } });
    return (response.json<{ items: Array<{ id: string }> }>()).items.map((o) => o.id);
  }

  for (const viewport of [phoneViewport, desktopViewport]) {
    test(`at ${viewport.width} px: find a recipient, see who is stuck, switch the free trial, branding, API keys`, async () => {
      const admin = await createAccount(app, config, { displayName: 'Olivia Operator', operatorAdmin: true });
      const anna = await createAccount(app, config, { email: `anna.${viewport.width}.${Date.now()}@example.test`, displayName: 'Anna Andersson', country: 'FI' });
      const actor = { type: 'system' as const, id: null, label: 'test' };
      const campaign = await app.services.campaigns.create({ name: `Spring workshop ${viewport.width}`, credit: { amount: 10000, currency: 'USD' }, validityDays: 30, redeemBy: '2099-12-31', countries: null }, actor);
      const { codes } = await app.services.codes.generate(campaign.id, 2, actor);
      const redeemed = await app.inject({ method: 'POST', url: '/api/v1/redemptions', headers: { cookie: anna.cookie }, payload: { code: codes[0], country: 'FI' } });
      assert.equal(redeemed.statusCode, 201, redeemed.body);
      await app.services.db.updateTable('redemptions').set({ redeemed_at: new Date(Date.now() - 2 * 86_400_000).toISOString() })
        .where('id', '=', redeemed.json<{ id: string }>().id).execute();

      const context = await contextAs(browser, server, admin, { viewport });
      const page = await context.newPage();
      try {
        await page.goto(`${base}/admin/recipients`);
        await page.getByRole('heading', { name: 'Recipients' }).waitFor();
        await page.getByRole('searchbox', { name: 'Email' }).fill(anna.email.toUpperCase());
        await page.getByRole('button', { name: 'Search' }).click();
        await page.getByRole('link', { name: anna.email }).waitFor();
        assert.ok(await page.getByRole('link', { name: 'Download CSV' }).isVisible());
        await look(page, '01-recipients-found');

        await page.getByRole('link', { name: anna.email }).click();
        await page.getByRole('heading', { name: anna.email }).waitFor();
        await page.getByText('code.redeemed').first().waitFor();
        await look(page, '02-recipient');

        await page.goto(`${base}/admin/recipients/stuck`);
        await page.getByRole('heading', { name: 'Waiting to activate' }).waitFor();
        await page.getByRole('button', { name: `Email a reminder ${anna.email}` }).click();
        await page.getByText(`A reminder to activate was emailed to ${anna.email}.`).waitFor();
        await look(page, '03-stuck-reminded');

        await page.goto(`${base}/admin/settings`);
        await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
        await look(page, '04-settings');
        const trialOn = page.getByLabel('Offer a free trial');
        await trialOn.check();
        await page.getByRole('button', { name: 'Save free trial' }).click();
        await page.getByText('The free trial is on').waitFor();
        assert.deepEqual(await offerIds(anna.cookie), ['pass', 'free-trial']);
        await page.getByLabel('Offer a free trial').uncheck();
        await page.getByRole('button', { name: 'Save free trial' }).click();
        await page.getByText('The free trial is off').waitFor();
        assert.deepEqual(await offerIds(anna.cookie), ['pass']);
        await page.getByLabel('Privacy page address').fill('ftp://example.org/privacy');
        await page.getByRole('button', { name: 'Save branding' }).click();
        await page.getByText('There is a problem').first().waitFor();
        await look(page, '05-settings-refused');
        await page.getByLabel('Privacy page address').fill('https://example.org/privacy');
        await page.getByLabel('Program name').fill('Nordic Cloud Pass');
        await page.getByRole('button', { name: 'Save branding' }).click();
        await page.getByText('The branding was saved.').waitFor();
        assert.equal(await page.title(), 'Settings – Nordic Cloud Pass');
        await page.getByRole('link', { name: 'Privacy' }).waitFor();
        await app.services.settings.updateBranding({ programName: 'cloudpass', privacyUrl: null }, actor);

        await page.goto(`${base}/admin/apikeys`);
        await page.getByLabel('Name', { exact: true }).fill(`nightly export ${viewport.width}`);
        await page.getByRole('button', { name: 'Create API key' }).click();
        const key = (await page.locator('#new-api-key').textContent()) ?? '';
        assert.match(key, /^cp_op_/);
        await look(page, '06-apikey-created');
        await page.getByRole('button', { name: `Revoke nightly export ${viewport.width}` }).click();
        await page.getByText(`The API key nightly export ${viewport.width} was revoked`).waitFor();
        await look(page, '07-apikeys');
        const refused = await app.inject({ method: 'GET', url: '/api/v1/apikeys', headers: { authorization: `Bearer ${key}` } });
        assert.equal(refused.statusCode, 401);
      } finally {
        await context.close();
      }
    });
  }
});
