// Step 2 and the portal in Chromium at phone size: the activation form, the status page following
// setup live (and without JavaScript), the portal, Add subscription, the free trial and cancelling.
// Every page is checked with axe and photographed (tmp/screenshots/subscriptions-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { createAccount } from '../../testing/factories.ts';
import { browserSkipReason, contextAs, desktopViewport, expectAccessible, expectNoSidewaysScroll, launchBrowser, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import type { JobWorker } from '../jobs/job-worker.ts';
import { activate, createPass, enableFreeTrial, moveSubscription, profileOf } from './subscriptions.testing.ts';

const skip = browserSkipReason();
const quiet = { info() {}, warn() {}, error() {} };

describe('activation, status and portal in a real browser', { skip }, () => {
  let server: LiveServer;
  let app: App;
  let config: Config;
  let base: string;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer({ env: { PROVISION_DELAY_MS: '1500' } });
    ({ app, config, base } = server);
    // The free trial is off until an operator turns it on; this walk-through adds one.
    await enableFreeTrial(app);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function look(page: Page, name: string) {
    await expectAccessible(page, name);
    await expectNoSidewaysScroll(page, name);
    await screenshot(page, `subscriptions-${name}`);
  }

  test('activate a pass, watch it being set up live, go to the portal, add a free trial and cancel it', async () => {
    const account = await createAccount(app, config, { displayName: 'Ada Lovelace', country: 'FI' });
    const pass = await createPass(app, account, { name: 'Azure Pass – Spring Workshop', credit: 10000, days: 30, country: 'FI' });
    const context = await contextAs(browser, server, account);
    const page = await context.newPage();
    try {
      await page.goto(`${base}/activate/${pass.redemptionId}`);
      await page.getByRole('heading', { name: 'Activate your subscription' }).waitFor();
      assert.equal(await page.getByLabel('First name').inputValue(), 'Ada');
      assert.equal(await page.getByLabel('Last name').inputValue(), 'Lovelace');
      assert.equal(await page.getByLabel('Email').inputValue(), account.email);
      assert.equal(await page.getByLabel('Country').inputValue(), 'FI');
      await look(page, '01-activate');

      // The browser's own check stops an empty required field; a malformed phone number reaches the server.
      await page.getByLabel('Phone').fill('call me maybe');
      await page.getByLabel('Company (optional)').fill('Analytical <Engines>');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.getByText('Enter a phone number with 6 to 15 digits').first().waitFor();
      assert.equal(await page.getByLabel('Company (optional)').inputValue(), 'Analytical <Engines>');
      await look(page, '02-activate-errors');

      await page.getByLabel('Phone').fill('+358 40 123 4567');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      await page.getByRole('heading', { name: 'Setting up your subscription…' }).waitFor();
      await look(page, '03-status-pending');

      // Live over server-sent events: the words change without a reload, then the page shows the result.
      while (app.services.subscriptionEvents.listenerCount(id) === 0) await page.waitForTimeout(20);
      await moveSubscription(app, id, { to: 'provisioning' });
      await page.getByText('being created on the cloud platform').waitFor();
      const starts = new Date();
      await moveSubscription(app, id, { to: 'active', startsAt: starts.toISOString(), endsAt: new Date(starts.getTime() + 30 * 86_400_000).toISOString(), externalId: 'sub-7f3a' });
      await page.getByRole('heading', { name: 'Your subscription is active' }).waitFor();
      await look(page, '04-status-active');

      await page.getByRole('link', { name: 'Go to portal' }).click();
      await page.waitForURL(`${base}/portal`);
      await page.getByRole('heading', { name: 'Azure Pass – Spring Workshop' }).waitFor();
      assert.ok(await page.getByText('$100.00').first().isVisible());
      await look(page, '05-portal');

      await page.getByRole('link', { name: 'Add subscription' }).click();
      await page.waitForURL(`${base}/portal/add`);
      await page.getByText('None of them asks for a payment method').waitFor();
      await look(page, '06-add-subscription');

      await page.getByRole('link', { name: 'Start free trial' }).click();
      await page.waitForURL(`${base}/portal/trial`);
      await page.getByLabel('Phone').fill('+358 40 765 4321');
      await look(page, '07-free-trial');
      await page.getByRole('button', { name: 'Sign up' }).click();
      await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
      await page.getByRole('heading', { name: 'Setting up your subscription…' }).waitFor();

      await page.getByRole('link', { name: 'Cancel subscription' }).click();
      await page.getByRole('heading', { name: 'Cancel subscription?' }).waitFor();
      await look(page, '08-cancel-confirm');
      await page.getByRole('button', { name: 'Cancel subscription' }).click();
      await page.getByRole('heading', { name: 'This subscription is cancelled' }).waitFor();
      await look(page, '09-status-cancelled');

      await page.goto(`${base}/portal`);
      await page.getByText('Cancelled').first().waitFor();
      await look(page, '10-portal-two');
      await page.setViewportSize(desktopViewport);
      await screenshot(page, 'subscriptions-11-portal-desktop');
    } finally {
      await context.close();
    }
  });

  test('in Finnish: every problem of the form at once, the live status in Finnish, the portal', async () => {
    const account = await createAccount(app, config, { displayName: 'Aino Virtanen', country: 'FI' });
    const pass = await createPass(app, account, { name: 'Pilvityöpaja', credit: 15000, currency: 'EUR', days: 30, country: 'FI' });
    const context = await contextAs(browser, server, account);
    await context.setExtraHTTPHeaders({ 'accept-language': 'fi' });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/activate/${pass.redemptionId}`);
      await page.getByRole('heading', { name: 'Ota tilauksesi käyttöön' }).waitFor();
      assert.equal(await page.locator('[aria-current="step"] .steps__label').innerText(), 'Rekisteröidy');
      assert.ok(await page.getByText('30 päivää aktivoinnista').isVisible());
      await look(page, 'fi-01-activate');

      await page.getByLabel('Sähköposti').fill('toinen@example.test');
      await page.getByLabel('Maa').selectOption('SE');
      await page.getByLabel('Puhelin').fill('soita');
      await page.getByRole('button', { name: 'Rekisteröidy' }).click();
      await page.locator('#field-phone-error').waitFor();
      assert.match(await page.locator('#field-phone-error').innerText(), /Kirjoita puhelinnumero, jossa on 6–15 numeroa/);
      assert.match(await page.locator('#field-email-error').innerText(), /Käytä sen tilin sähköpostiosoitetta/);
      assert.match(await page.locator('#field-country-error').innerText(), /Valitse maa, johon tämä passi lunastettiin: Suomi\./);
      await look(page, 'fi-02-activate-errors');
      await page.setViewportSize(desktopViewport);
      await look(page, 'fi-02-activate-errors-desktop');
      await page.setViewportSize({ width: 390, height: 844 });

      await page.getByLabel('Sähköposti').fill(account.email);
      await page.getByLabel('Maa').selectOption('FI');
      await page.getByLabel('Puhelin').fill('+358 40 123 4567');
      await page.getByRole('button', { name: 'Rekisteröidy' }).click();
      await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/);
      const id = page.url().split('/').pop()!;
      await page.getByRole('heading', { name: 'Tilaustasi otetaan käyttöön…' }).waitFor();
      while (app.services.subscriptionEvents.listenerCount(id) === 0) await page.waitForTimeout(20);
      await moveSubscription(app, id, { to: 'provisioning' });
      await page.getByText('Tilaustasi luodaan pilvialustalla').waitFor();
      await look(page, 'fi-03-status-provisioning');
      await moveSubscription(app, id, { to: 'active', externalId: 'pilvi-7f3a' });
      await page.getByRole('heading', { name: 'Tilauksesi on käytössä' }).waitFor();
      await look(page, 'fi-04-status-active');
      await page.getByRole('link', { name: 'Siirry portaaliin' }).click();
      await page.getByRole('heading', { name: 'Pilvityöpaja' }).waitFor();
      await look(page, 'fi-05-portal');
      await page.setViewportSize(desktopViewport);
      await screenshot(page, 'subscriptions-fi-06-portal-desktop');
    } finally {
      await context.close();
    }
  });

  test('with the real worker: Sign up, and the status page turns active on its own', async () => {
    const account = await createAccount(app, config, { displayName: 'Grace Hopper', country: 'FI' });
    const pass = await createPass(app, account, { name: 'Hackathon Pass', credit: 5000 });
    const worker: JobWorker = app.services.jobs.createWorker({ log: quiet, pollMs: 200 });
    worker.start();
    const context = await contextAs(browser, server, account);
    const page = await context.newPage();
    try {
      await page.goto(`${base}/activate/${pass.redemptionId}`);
      await page.getByLabel('Phone').fill('+1 555 0100');
      await page.getByRole('button', { name: 'Sign up' }).click();
      // With a worker running, the status page may reload itself before it ever fired "load".
      await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/, { waitUntil: 'commit' });
      await page.getByRole('heading', { name: 'Your subscription is active' }).waitFor({ timeout: 30_000 });
      await page.getByRole('link', { name: 'Go to portal' }).waitFor();
      const id = page.url().split('/').pop()!;
      const row = await app.services.db.selectFrom('subscriptions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(row.status, 'active');
      assert.ok(row.ends_at);
    } finally {
      await context.close();
      await worker.stop();
    }
  });

  test('without JavaScript the status page refreshes itself until setup is done', async () => {
    const account = await createAccount(app, config, { displayName: 'Hedy Lamarr', country: 'FI' });
    const pass = await createPass(app, account);
    const created = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) });
    const id = created.json().id as string;
    const context = await contextAs(browser, server, account, { javaScriptEnabled: false });
    const page = await context.newPage();
    try {
      await page.goto(`${base}/subscriptions/${id}`);
      await page.getByRole('heading', { name: 'Setting up your subscription…' }).waitFor();
      await moveSubscription(app, id, { to: 'active' });
      await page.getByRole('heading', { name: 'Your subscription is active' }).waitFor({ timeout: 15_000 });
    } finally {
      await context.close();
    }
  });

  test('an empty portal explains how to get a subscription', async () => {
    const account = await createAccount(app, config, { displayName: 'Alan Turing' });
    const context = await contextAs(browser, server, account);
    const page = await context.newPage();
    try {
      await page.goto(`${base}/portal`);
      await page.getByRole('heading', { name: 'No subscriptions yet' }).waitFor();
      await look(page, '12-portal-empty');
    } finally {
      await context.close();
    }
  });
});
