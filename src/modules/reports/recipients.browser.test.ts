// In Chromium at 390 px and 1280 px: an operator finds a recipient, is told off for a negative amount, adds
// credit and extends the end date of their subscription, and sees the new balance and date on the page;
// then saves the retention and warning thresholds on the settings page and sees them shown back (a value out
// of range is refused first). Every page is checked with axe, for sideways scrolling, and photographed
// (tmp/screenshots/recipient-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { createAccount } from '../../testing/factories.ts';
import { browserSkipReason, contextAs, desktopViewport, expectAccessible, expectNoSidewaysScroll, launchBrowser, phoneViewport, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import { activate, createPass, moveSubscription, profileOf } from '../subscriptions/subscriptions.testing.ts';

const skip = browserSkipReason();
const DAY = 86_400_000;

describe('a recipient\'s subscription and the lifecycle settings in a real browser', { skip }, () => {
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
    await screenshot(page, `recipient-${name}-${page.viewportSize()?.width}`);
  }

  for (const viewport of [phoneViewport, desktopViewport]) {
    test(`at ${viewport.width} px: add credit and extend the end date from the recipient's page; save retention and warnings`, async () => {
      const admin = await createAccount(app, config, { displayName: 'Olivia Operator', operatorAdmin: true });
      const anna = await createAccount(app, config, { email: `anna.${viewport.width}.${Date.now()}@example.test`, displayName: 'Anna Andersson' });
      const pass = await createPass(app, anna, { name: `Spring workshop ${viewport.width}`, credit: 10000 });
      const created = await activate(app, anna, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(anna) });
      assert.equal(created.statusCode, 202, created.body);
      const subscriptionId = created.json<{ id: string }>().id;
      await moveSubscription(app, subscriptionId, { to: 'active', endsAt: iso(addMs(new Date(), 30 * DAY)) });
      const newEnd = iso(addMs(new Date(), 90 * DAY)).slice(0, 10);
      const newEndShown = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${newEnd}T12:00:00Z`));

      const context = await contextAs(browser, server, admin, { viewport });
      const page = await context.newPage();
      try {
        await page.goto(`${base}/admin/recipients`);
        await page.getByRole('searchbox', { name: 'Email' }).fill(anna.email);
        await page.getByRole('button', { name: 'Search' }).click();
        await page.getByRole('link', { name: anna.email }).click();
        await page.getByRole('heading', { name: anna.email }).waitFor();
        const card = page.locator(`#subscription-${subscriptionId}`);
        assert.equal(await card.getByText('$100.00').first().isVisible(), true);
        await look(page, '01-page');

        const credit = page.getByRole('form', { name: `Add credit to ${pass.campaignName}` });
        await credit.getByLabel('Amount (USD)').fill('-5');
        await credit.getByLabel('Reason').fill('Workshop ran over');
        await credit.getByRole('button', { name: 'Add credit' }).click();
        await page.getByText('There is a problem').waitFor();
        assert.equal(await page.getByRole('link', { name: 'Enter an amount greater than zero: this form only adds credit.' }).isVisible(), true);
        await look(page, '02-credit-refused');

        await credit.getByLabel('Amount (USD)').fill('25.50');
        await credit.getByRole('button', { name: 'Add credit' }).click();
        await page.getByText(`$25.50 of credit was added to ${pass.campaignName}. Credit remaining: $125.50.`).waitFor();
        assert.equal(await card.locator('.money').first().textContent(), '$125.50', 'the card shows the new balance');

        const end = page.getByRole('form', { name: `Extend the end date of ${pass.campaignName}` });
        await end.getByLabel('New end date').fill(newEnd);
        await end.getByRole('button', { name: 'Extend end date' }).click();
        await page.getByText(`${pass.campaignName} now ends on ${newEndShown}.`).waitFor();
        assert.equal(await card.locator('time').textContent(), newEndShown, 'the card shows the new date');
        assert.equal(await card.locator('.money').first().textContent(), '$125.50');
        await look(page, '03-credit-added-end-moved');
        const saved = await app.services.subscriptions.getAny(subscriptionId);
        assert.equal(saved.endsAt, `${newEnd}T23:59:59.000Z`);
        assert.equal(saved.credit.remaining.amount, 12550);

        await page.goto(`${base}/admin/settings`);
        const retention = page.getByRole('form', { name: 'Retention and warnings' });
        await retention.getByLabel('Keep ended subscriptions (days)').fill('5000');
        await retention.getByRole('button', { name: 'Save retention and warnings' }).click();
        await page.getByText('There is a problem').first().waitFor();
        await look(page, '04-settings-refused');
        assert.deepEqual(await app.services.settings.lifecycle(), { retentionDays: 90, creditWarningsPercent: [50, 80, 95], endWarningsDays: [7, 1] }, 'nothing saved');

        await retention.getByLabel('Keep ended subscriptions (days)').fill('30');
        await retention.getByLabel('Credit warnings (% used)').fill('60, 90');
        await retention.getByLabel('End warnings (days before)').fill('14 3 1');
        await retention.getByRole('button', { name: 'Save retention and warnings' }).click();
        await page.getByText('Retention and warnings were saved.').waitFor();
        assert.equal(await retention.getByLabel('Keep ended subscriptions (days)').inputValue(), '30');
        assert.equal(await retention.getByLabel('Credit warnings (% used)').inputValue(), '60, 90');
        assert.equal(await retention.getByLabel('End warnings (days before)').inputValue(), '14, 3, 1');
        await look(page, '05-settings-saved');
        assert.deepEqual(await app.services.settings.lifecycle(), { retentionDays: 30, creditWarningsPercent: [60, 90], endWarningsDays: [14, 3, 1] });
      } finally {
        await context.close();
        await app.services.settings.updateLifecycle({ retentionDays: 90, creditWarningsPercent: [50, 80, 95], endWarningsDays: [7, 1] }, { type: 'system', id: null, label: 'test' });
      }
    });
  }
});
