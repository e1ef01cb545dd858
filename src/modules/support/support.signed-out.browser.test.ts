// Support without signing in, in Chromium: from the footer to the form (phone and desktop), a refused
// subject, "check your email", the link from the real SMTP receiver, the case open; the operator finds it in
// the queue with the address and answers by email. Every page is checked with axe, for sideways scrolling,
// and photographed (tmp/screenshots/support-out-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import { browserSkipReason, contextAs, desktopViewport, expectAccessible, expectNoSidewaysScroll, launchBrowser, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';

const skip = browserSkipReason();

describe('support without signing in, in a real browser', { skip }, () => {
  let server: LiveServer;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer({ smtp: true });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  async function look(page: Page, name: string) {
    await expectAccessible(page, name);
    await expectNoSidewaysScroll(page, name);
    await screenshot(page, `support-out-${name}`);
  }

  test('a visitor who cannot sign in asks for help; the link opens the case; the operator answers by email', async () => {
    const { base, app, config, receiver } = server;
    const email = uniqueEmail('visitor');
    const context = await contextAs(browser, server, null);
    const page = await context.newPage();
    try {
      await page.goto(`${base}/help`);
      await page.getByRole('contentinfo').getByRole('link', { name: 'Create a support case' }).click();
      await page.waitForURL(`${base}/support/new`);
      await page.getByRole('heading', { name: 'Create support case' }).waitFor();
      await look(page, '01-form');

      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Category').selectOption('account');
      await page.getByLabel('Subject').fill('   ');
      await page.getByLabel('Description').fill('I never got the email to confirm my address.');
      await page.getByRole('button', { name: 'Create support case' }).click();
      await page.getByText('Enter a subject.').first().waitFor();
      assert.equal(await page.getByLabel('Email').inputValue(), email);
      await look(page, '02-form-errors');

      await page.getByLabel('Subject').fill('No confirmation email');
      await page.getByRole('button', { name: 'Create support case' }).click();
      await page.waitForURL(`${base}/support/check-email`);
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      await page.getByText(`We sent a link to ${email}.`).waitFor();
      await look(page, '03-check-email');

      const mail = await receiver!.waitFor(email, (m) => m.text.includes('/support/confirm'));
      const link = /https?:\/\/\S+\/support\/confirm\?token=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
      assert.ok(link, mail.text);
      await page.goto(link);
      await look(page, '04-confirm');
      await page.getByRole('button', { name: 'Open my support case' }).click();
      await page.getByRole('heading', { name: 'Your support case is open' }).waitFor();
      await look(page, '05-open');
      await page.setViewportSize(desktopViewport);
      await page.goto(`${base}/support/new`);
      await look(page, '06-form-desktop');
    } finally {
      await context.close();
    }

    const admin = await createAccount(app, config, { displayName: 'Olivia Operator', operatorAdmin: true });
    const operator = await contextAs(browser, server, admin);
    const console = await operator.newPage();
    try {
      await console.goto(`${base}/admin/support`);
      await console.getByText(`No account · ${email}`).waitFor();
      await look(console, '07-queue');
      await console.getByRole('link', { name: 'No confirmation email' }).click();
      await console.getByLabel('Message').fill('We sent you a new link. Look in your spam folder too.');
      await console.getByRole('button', { name: 'Send' }).click();
      await console.getByText(`Your reply is sent and emailed to ${email}.`).waitFor();
      await look(console, '08-operator-case');
    } finally {
      await operator.close();
    }
    const reply = await receiver!.waitFor(email, (m) => m.text.includes('We sent you a new link.'));
    assert.match(reply.subject, /^New reply to your support case: No confirmation email$/);
  });
});
