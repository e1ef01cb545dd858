// The operator console's campaigns and codes in Chromium, at 390 px and at 1280 px: an operator signs in,
// creates a campaign (after fixing a refused form), generates 100 codes and downloads them, a recipient
// redeems one, the funnel moves, the operator pauses the campaign (the next redemption is refused as
// paused), revokes the batch, looks a code up and reads the audit trail. Every console page is checked with
// axe (no serious or critical violations), for sideways scrolling, and photographed
// (tmp/screenshots/console-*.png).
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import {
  browserSkipReason, contextAs, desktopViewport, expectAccessible, expectNoSidewaysScroll, launchBrowser, phoneViewport, screenshot,
} from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import { parsePassCode } from '../codes/pass-code.ts';

const skip = browserSkipReason();
const PASSWORD = 'operator pass phrase 1';

describe('the operator console in a real browser', { skip }, () => {
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

  /** Checks the page at phone width and at desktop width, and leaves it at phone width. */
  async function look(page: Page, name: string) {
    for (const [size, viewport] of [['390', phoneViewport], ['1280', desktopViewport]] as const) {
      await page.setViewportSize(viewport);
      await expectAccessible(page, `${name} at ${size} px`);
      await expectNoSidewaysScroll(page, `${name} at ${size} px`);
      await screenshot(page, `console-${name}-${size}`);
    }
    await page.setViewportSize(phoneViewport);
  }

  async function redeemAs(page: Page, code: string) {
    await page.goto(`${base}/redeem`);
    await page.getByLabel('Country').selectOption('FI');
    await page.getByRole('textbox', { name: 'Promo code' }).fill(code);
    await page.getByRole('button', { name: 'Submit' }).click();
  }

  test('an operator runs a campaign from the console, from creating it to revoking its codes', async () => {
    const email = uniqueEmail('operator');
    await app.services.accounts.createOperatorAdmin({ email, password: PASSWORD });
    const recipientAccount = await createAccount(app, config, { displayName: 'Rita Recipient' });

    const operator = await contextAs(browser, server, null, { viewport: phoneViewport });
    const page = await operator.newPage();
    const recipientContext = await contextAs(browser, server, recipientAccount);
    const recipient = await recipientContext.newPage();
    try {
      // Signing in on the way to the campaigns.
      await page.goto(`${base}/admin/campaigns`);
      await page.waitForURL(`${base}/signin`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/admin/campaigns`);
      await page.getByRole('heading', { name: 'Campaigns', exact: true }).waitFor();
      await look(page, '01-campaigns-empty');

      // A new campaign: a refused form first, then a good one.
      await page.getByRole('link', { name: 'New campaign' }).click();
      await page.getByRole('heading', { name: 'New campaign' }).waitFor();
      await page.getByLabel('Name').fill('Nordic Cloud Summit 2027');
      await page.getByLabel('Credit').fill('two hundred');
      await page.getByLabel('Currency').fill('EUR');
      await page.getByLabel('Valid for (days)').fill('90');
      await page.getByLabel('Redeem by').fill('2099-06-30');
      await page.getByLabel('Countries').fill('FI, SE, XX');
      await page.getByRole('button', { name: 'Create campaign' }).click();
      await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
      await page.locator('#field-credit-error').waitFor();
      await page.locator('#field-countries-error').waitFor();
      assert.equal(await page.getByLabel('Name').inputValue(), 'Nordic Cloud Summit 2027', 'what was typed is kept');
      await look(page, '02-new-campaign-errors');
      await page.getByLabel('Credit').fill('200.00');
      await page.getByLabel('Countries').fill('FI, SE');
      await page.getByRole('button', { name: 'Create campaign' }).click();
      await page.waitForURL(/\/admin\/campaigns\/[0-9a-f-]{36}$/);
      const campaignUrl = page.url();
      const campaignId = campaignUrl.split('/').pop()!;
      await page.getByText('Campaign “Nordic Cloud Summit 2027” is created.').waitFor();
      await look(page, '03-campaign-new');

      // 100 codes, downloaded as CSV: the only place they exist.
      await page.getByLabel('Number of codes').fill('100');
      const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Generate codes' }).click()]);
      assert.match(download.suggestedFilename(), /^codes-nordic-cloud-summit-2027-[0-9a-f]{8}\.csv$/);
      const csv = (await readFile(await download.path())).toString('utf8').trim().split('\n');
      assert.equal(csv[0], 'code,campaign_id,batch_id');
      assert.equal(csv.length, 101);
      const codes = csv.slice(1).map((line) => line.split(',')[0]!);
      assert.ok(codes.every((code) => parsePassCode(code).ok));
      await page.reload();
      await page.locator('#funnel-table').getByRole('row', { name: 'Issued 100' }).waitFor();
      assert.ok(!(await page.content()).includes(codes[0]!), 'the page never shows a plain code');

      // A recipient redeems one; the funnel moves.
      await redeemAs(recipient, codes[0]!);
      await recipient.getByRole('heading', { name: 'Confirm your information' }).waitFor();
      await recipient.getByRole('button', { name: 'Activate' }).click();
      await recipient.waitForURL(/\/activate\//);
      await page.reload();
      await page.locator('#funnel-table').getByRole('row', { name: 'Redeemed 1' }).waitFor();
      await page.locator('#countries-table').getByRole('row', { name: 'Finland 1 0' }).waitFor();
      await look(page, '04-campaign-redeemed');
      await page.getByRole('link', { name: 'By hour' }).click();
      await page.waitForURL(/by=hour/);
      await look(page, '05-campaign-by-hour');

      // Paused: the next redemption is refused as paused.
      await page.getByRole('button', { name: 'Pause campaign' }).click();
      await page.getByText('is paused: its codes cannot be redeemed until you resume it.').first().waitFor();
      await page.getByRole('button', { name: 'Resume campaign' }).waitFor();
      await redeemAs(recipient, codes[1]!);
      await recipient.getByText('Redeeming this pass is paused for now.').first().waitFor();
      assert.equal((await app.services.codes.lookup(codes[1]!)).state, 'issued');

      // The campaign list shows the numbers; editing keeps its form's errors beside the fields.
      await page.getByRole('link', { name: '← Campaigns' }).click();
      await page.getByRole('link', { name: 'Nordic Cloud Summit 2027' }).waitFor();
      await look(page, '06-campaigns-list');
      await page.goto(`${campaignUrl}/edit`);
      await page.getByLabel('Name').fill('Nordic Cloud Summit 2027 (Helsinki)');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText('Campaign “Nordic Cloud Summit 2027 (Helsinki)” is saved.').waitFor();

      // The batch is revoked after a confirmation; the redeemed code stays with its holder.
      await page.getByRole('link', { name: /^Revoke batch…/ }).click();
      await page.getByText('99 unredeemed codes will stop working').waitFor();
      await look(page, '07-revoke-batch');
      await page.getByRole('button', { name: 'Revoke batch' }).click();
      await page.waitForURL(`${campaignUrl}#codes`);
      await page.getByText(/99 codes of batch [0-9a-f]{8} revoked\./).waitFor();
      await page.locator('#funnel-table').getByRole('row', { name: 'Revoked 99' }).waitFor();
      await look(page, '08-campaign-revoked');

      // Looking the redeemed code up names its holder by email.
      await page.getByRole('navigation', { name: 'Operator console' }).getByRole('link', { name: 'Codes' }).click();
      await page.getByRole('textbox', { name: 'Code' }).fill(codes[0]!.toLowerCase());
      await page.getByRole('button', { name: 'Look up' }).click();
      await page.locator('main').getByText(recipientAccount.email).waitFor();
      await look(page, '09-code-lookup');

      // Closing asks first.
      await page.goto(`${campaignUrl}/close`);
      await page.getByText('Closing is final').waitFor();
      await look(page, '10-close-confirm');

      // The audit trail: every step is there, and it filters by action.
      await page.getByRole('navigation', { name: 'Operator console' }).getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('link', { name: 'codes.batch_revoked' }).first().waitFor();
      await look(page, '11-audit');
      await page.getByText('Filter the trail').click();
      await page.getByLabel('What').selectOption('campaign.status_changed');
      await page.getByRole('button', { name: 'Filter' }).click();
      await page.waitForURL(/action=campaign.status_changed/);
      assert.equal(await page.locator('tbody tr').count(), 1);
      await look(page, '12-audit-filtered');
      const events = await app.services.audit.list({ subjectId: campaignId });
      assert.deepEqual(events.map((e) => e.action).reverse(), [
        'campaign.created', 'codes.generated', 'campaign.status_changed', 'campaign.updated', 'codes.batch_revoked',
      ]);
      assert.ok(events.every((e) => e.actor.label === email), 'the operator is named on every step');
    } finally {
      await operator.close();
      await recipientContext.close();
    }
  });
});
