// The recipient's subscription page in Chromium at phone size: credit remaining, used and overage, the
// burn-down chart drawn on the server (no script) with its table, usage by meter, the forecast; and once it
// has stopped, why, the countdown to deletion and "Download your data". Checked with axe, photographed
// (tmp/screenshots/lifecycle-*.png).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { iso } from '../../lib/clock.ts';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { browserSkipReason, contextAs, expectAccessible, expectNoSidewaysScroll, launchBrowser, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import { activate, createPass, moveSubscription, profileOf } from '../subscriptions/subscriptions.testing.ts';

const skip = browserSkipReason();
const DAY = 86_400_000;

describe('the subscription page with its credit and usage, in a real browser', { skip }, () => {
  let server: LiveServer;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('credit, chart, table, meters and forecast; then disabled: why, countdown and download', async () => {
    const { app, config, base } = server;
    const account = await createAccount(app, config, { displayName: 'Ada Lovelace', country: 'FI' });
    const pass = await createPass(app, account, { name: 'Azure Pass – Spring Workshop', credit: 10000, days: 30, country: 'FI' });
    const id = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json().id as string;
    const now = Date.now();
    await moveSubscription(app, id, { to: 'active', startsAt: iso(new Date(now - 9 * DAY)), endsAt: iso(new Date(now + 21 * DAY)), externalId: 'sub-7f3a' });
    const platform = await apiKeyHeader(app, 'platform');
    const events = Array.from({ length: 10 }, (_, d) => [
      { id: randomUUID(), subscriptionId: id, amount: 300 + d * 40, meter: 'compute', occurredAt: iso(new Date(now - (9 - d) * DAY)) },
      { id: randomUUID(), subscriptionId: id, amount: 120, meter: 'storage', occurredAt: iso(new Date(now - (9 - d) * DAY)) },
    ]).flat();
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/usage', headers: { authorization: platform }, payload: { events } })).statusCode, 202);

    const context = await contextAs(browser, server, account);
    const page = await context.newPage();
    try {
      await page.goto(`${base}/subscriptions/${id}`);
      await page.getByRole('heading', { name: 'Credit', exact: true }).waitFor();
      const panel = page.locator('.credit-panel');
      assert.match(await panel.getByText('Credit remaining', { exact: true }).first().textContent() ?? '', /Credit remaining/);
      await page.getByRole('img', { name: 'Credit remaining by day' }).waitFor();
      const table = page.getByRole('table', { name: 'Usage and credit remaining by day' });
      assert.equal(await table.getByRole('row').count(), 11, 'a header and a row a day');
      await page.getByRole('table', { name: 'Usage by meter' }).getByText('storage').waitFor();
      await page.getByText(/At this rate your credit (runs out on|lasts past the end date)/).waitFor();
      await page.getByRole('link', { name: 'Download your data' }).waitFor();
      await screenshot(page, 'lifecycle-01-active');
      await expectAccessible(page, 'lifecycle-active');
      await expectNoSidewaysScroll(page, 'lifecycle-active');

      // Downloading with the session cookie: the export as JSON.
      const download = await page.request.get(`${base}/api/v1/subscriptions/${id}/export`);
      assert.equal(download.status(), 200);
      assert.equal((await download.json() as { usage: unknown[] }).usage.length, 20);

      // Used up: disabled, with why and the countdown.
      const more = [{ id: randomUUID(), subscriptionId: id, amount: 5000, meter: 'compute', occurredAt: iso(new Date()) }];
      await app.inject({ method: 'POST', url: '/api/v1/usage', headers: { authorization: platform }, payload: { events: more } });
      await app.services.lifecycle.checkCredit(id);
      await page.reload();
      await page.getByText('It was disabled because its credit is used up.').waitFor();
      await page.getByText(/It will be deleted on .*, in 90 days\./).waitFor();
      await page.getByText('Overage').first().waitFor();
      await expectAccessible(page, 'lifecycle-disabled');
      await expectNoSidewaysScroll(page, 'lifecycle-disabled');
      await screenshot(page, 'lifecycle-02-disabled');
      const csv = await page.request.get(`${base}/api/v1/subscriptions/${id}/export?format=csv`);
      assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/);

      await page.goto(`${base}/portal`);
      await page.getByText('Overage').first().waitFor();
      await expectAccessible(page, 'lifecycle-portal');
      await screenshot(page, 'lifecycle-03-portal');
    } finally {
      await context.close();
    }
  });
});
