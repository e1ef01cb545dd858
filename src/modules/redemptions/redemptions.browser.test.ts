// Step 1 of the seed in Chromium at phone size: pick Finland, type the code in lower case (with a typo
// first), sign in on the way, confirm, use another account, Activate. Every page is checked with axe and
// photographed (tmp/screenshots/redeem-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import { browserSkipReason, closePage, desktopViewport, expectAccessible, launchBrowser, openPage, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import { hashPassword } from '../accounts/passwords.ts';
import { createCampaignWithCodes, mistype } from './redemptions.testing.ts';

const skip = browserSkipReason();
const PASSWORD = 'paper lantern river 12';

async function visit(page: Page, label: string) {
  await expectAccessible(page, label);
  await screenshot(page, `redeem-${label}`);
}

describe('redeeming in a real browser', { skip }, () => {
  let server: LiveServer;
  let app: App;
  let base: string;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer();
    ({ app, base } = server);
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function signIn(page: Page, email: string) {
    await page.locator('main').getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  test('phone: code in lower case → sign in → confirm → use another account → Activate', async () => {
    const campaign = await createCampaignWithCodes(app, app.services.config, { name: 'Cloud Skills Workshop', creditAmount: 10_000, validityDays: 30, countries: ['FI', 'SE'] });
    const passwordHash = await hashPassword(PASSWORD);
    const first = await createAccount(app, app.services.config, { email: uniqueEmail('ada'), displayName: 'Ada Lovelace', passwordHash });
    const second = await createAccount(app, app.services.config, { email: uniqueEmail('grace'), displayName: 'Grace Hopper', kind: 'organizational', passwordHash });
    const code = campaign.codes[0]!;
    const page = await openPage(browser);
    try {
      await page.goto(`${base}/redeem`);
      await visit(page, '01-form');

      await page.getByLabel('Country').selectOption('FI');
      await page.getByRole('textbox', { name: 'Promo code' }).fill(mistype(code).toLowerCase());
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.locator('#field-code-error').waitFor();
      assert.match(await page.locator('#field-code-error').innerText(), /typo/);
      assert.equal(await page.getByRole('textbox', { name: 'Promo code' }).inputValue(), mistype(code).toLowerCase());
      await visit(page, '02-typo');

      await page.getByRole('textbox', { name: 'Promo code' }).fill(code.toLowerCase().replace(/-/g, ' '));
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.getByRole('heading', { name: 'Sign in to receive your pass' }).waitFor();
      assert.ok(!page.url().includes(code.slice(0, 4)), 'the code is not in the URL');
      assert.ok(await page.getByText('$100.00').isVisible());
      await visit(page, '03-sign-in-to-receive');

      await signIn(page, first.email);
      await page.getByRole('heading', { name: 'Confirm your information' }).waitFor();
      assert.ok(await page.locator('main').getByText(first.email).isVisible());
      await visit(page, '04-confirm');
      await page.reload();
      await page.getByRole('heading', { name: 'Confirm your information' }).waitFor();

      await page.getByRole('link', { name: 'Use another account' }).click();
      await visit(page, '05-switch-account');
      await page.getByRole('button', { name: 'Sign out and use another account' }).click();
      await page.waitForURL(`${base}/signin`);
      await page.getByLabel('Email').fill(second.email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Confirm your information' }).waitFor();
      assert.ok(await page.locator('main').getByText(second.email).isVisible());
      assert.ok(await page.locator('main').getByText('Organizational account').isVisible());
      await visit(page, '06-confirm-organizational');

      await page.getByRole('button', { name: 'Activate' }).click();
      await page.waitForURL(/\/activate\//);
      const redemption = await app.services.db.selectFrom('redemptions').selectAll().executeTakeFirstOrThrow();
      assert.equal(redemption.account_id, second.id);
      assert.ok(page.url().endsWith(`/activate/${redemption.id}`));

      // Someone else now tries the same code: "already used", in words.
      const other = await openPage(browser);
      try {
        await other.goto(`${base}/redeem`);
        await other.getByLabel('Country').selectOption('FI');
        await other.getByRole('textbox', { name: 'Promo code' }).fill(code);
        await other.getByRole('button', { name: 'Submit' }).click();
        await other.locator('#field-code-error').waitFor();
        assert.match(await other.locator('#field-code-error').innerText(), /This promo code is already used/);
        await visit(other, '07-already-used');
      } finally {
        await closePage(other);
      }
    } finally {
      await closePage(page);
    }
  });

  test('phone: an unverified email waits with the pass; a second pass of a one-pass campaign is refused in words', async () => {
    const campaign = await createCampaignWithCodes(app, app.services.config, { name: 'Student pass', count: 2 });
    const passwordHash = await hashPassword(PASSWORD);
    const unverified = await createAccount(app, app.services.config, { email: uniqueEmail('new'), verified: false, passwordHash });
    const page = await openPage(browser);
    try {
      await page.goto(`${base}/redeem`);
      await page.getByLabel('Country').selectOption('FI');
      await page.getByRole('textbox', { name: 'Promo code' }).fill(campaign.codes[0]!);
      await page.getByRole('button', { name: 'Submit' }).click();
      await signIn(page, unverified.email);
      await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
      await visit(page, '08-verify-email');
      await page.getByRole('button', { name: 'Send the link again' }).click();
      await page.getByText('We sent a new link').waitFor();

      await app.services.db.updateTable('accounts').set({ email_verified_at: new Date().toISOString() }).where('id', '=', unverified.id).execute();
      await page.reload();
      await page.getByRole('button', { name: 'Activate' }).click();
      await page.waitForURL(/\/activate\//);

      await page.goto(`${base}/redeem`);
      await page.getByLabel('Country').selectOption('FI');
      await page.getByRole('textbox', { name: 'Promo code' }).fill(campaign.codes[1]!);
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.locator('#field-code-error').waitFor();
      assert.match(await page.locator('#field-code-error').innerText(), /only one/);
      await visit(page, '09-pass-limit');
    } finally {
      await closePage(page);
    }
  });

  test('phone: Back after Activate shows the waiting pass; entering the code again says when it was redeemed', async () => {
    const campaign = await createCampaignWithCodes(app, app.services.config, { name: 'Data Science Day', count: 2, countries: ['FI', 'SE'] });
    const who = await createAccount(app, app.services.config, { email: uniqueEmail('back'), displayName: 'Katherine Johnson', passwordHash: await hashPassword(PASSWORD) });
    const page = await openPage(browser);
    try {
      await page.goto(`${base}/redeem`);
      await page.getByLabel('Country').selectOption('FI');
      await page.getByRole('textbox', { name: 'Promo code' }).fill(campaign.codes[0]!);
      await page.getByRole('button', { name: 'Submit' }).click();
      await signIn(page, who.email);
      await page.getByRole('button', { name: 'Activate' }).click();
      await page.waitForURL(/\/activate\/[0-9a-f-]{36}$/);
      const form = page.url();
      assert.equal(await page.locator('[aria-current="step"] .steps__label').innerText(), 'Sign up');

      // The browser's Back button: /redeem/confirm has nothing pending any more and sends to /redeem, which says what waits.
      await page.goBack();
      await page.getByText('A pass you redeemed is waiting for you').waitFor();
      await visit(page, '10-back-pass-waiting');
      await page.getByRole('link', { name: 'Continue with Data Science Day' }).click();
      await page.waitForURL(form);

      // Entering the same code again lands on the form, saying when.
      await page.goto(`${base}/redeem`);
      await page.getByLabel('Country').selectOption('FI');
      await page.getByRole('textbox', { name: 'Promo code' }).fill(campaign.codes[0]!);
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.getByText(/^You redeemed this code on \d{1,2} \w+ \d{4}\.$/).waitFor();
      await visit(page, '11-redeemed-again');
    } finally {
      await closePage(page);
    }
  });

  test('phone, in Finnish: a pass for other countries names them, in Finnish', async () => {
    const campaign = await createCampaignWithCodes(app, app.services.config, { name: 'Pohjoismaiden passi', countries: ['SE', 'NO'] });
    const page = await openPage(browser);
    try {
      await page.context().setExtraHTTPHeaders({ 'accept-language': 'fi' });
      await page.goto(`${base}/redeem`);
      await page.getByLabel('Maa').selectOption('FI');
      await page.getByRole('textbox', { name: 'Kampanjakoodi' }).fill(campaign.codes[0]!);
      await page.getByRole('button', { name: 'Jatka' }).click();
      await page.locator('#field-country-error').waitFor();
      assert.match(await page.locator('#field-country-error').innerText(), /Tämän passin voi lunastaa näissä maissa: (Ruotsi ja Norja|Norja ja Ruotsi)\./);
      await visit(page, '12-country-refused-fi');
    } finally {
      await closePage(page);
    }
  });

  test('desktop: the confirm step', async () => {
    const campaign = await createCampaignWithCodes(app, app.services.config, { name: 'Research credits', creditAmount: 25_000, validityDays: 90 });
    const who = await createAccount(app, app.services.config, { email: uniqueEmail('lin'), displayName: 'Lin', passwordHash: await hashPassword(PASSWORD) });
    const page = await openPage(browser, desktopViewport);
    try {
      await page.goto(`${base}/redeem`);
      await visit(page, 'desktop-01-form');
      await page.getByLabel('Country').selectOption('SE');
      await page.getByRole('textbox', { name: 'Promo code' }).fill(campaign.codes[0]!);
      await page.getByRole('button', { name: 'Submit' }).click();
      await page.getByRole('heading', { name: 'Sign in to receive your pass' }).waitFor();
      await visit(page, 'desktop-02-sign-in-to-receive');
      await signIn(page, who.email);
      await page.getByRole('heading', { name: 'Confirm your information' }).waitFor();
      await visit(page, 'desktop-03-confirm');
    } finally {
      await closePage(page);
    }
  });
});
