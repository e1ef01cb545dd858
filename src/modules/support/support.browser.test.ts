// Support in Chromium at phone size: a recipient opens a case from /support/new, lands on the case page and
// replies; the operator answers from the queue and closes it; the recipient reads the answer. Every page is
// checked with axe, for sideways scrolling, and photographed (tmp/screenshots/support-*.png).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { createAccount } from '../../testing/factories.ts';
import { browserSkipReason, contextAs, desktopViewport, expectAccessible, expectNoSidewaysScroll, launchBrowser, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import { createSubscription, mailTo } from './support.testing.ts';

const skip = browserSkipReason();

describe('support in a real browser', { skip }, () => {
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
    await screenshot(page, `support-${name}`);
  }

  test('a recipient opens a case and replies; the operator answers and closes it; the recipient reads the answer', async () => {
    const ada = await createAccount(app, config, { displayName: 'Ada Lovelace' });
    const admin = await createAccount(app, config, { displayName: 'Olivia Operator', operatorAdmin: true });
    const subscriptionId = await createSubscription(app, ada.id, 'failed');

    const signedOut = await contextAs(browser, server, null);
    const visitor = await signedOut.newPage();
    await visitor.goto(`${base}/support`);
    await visitor.getByRole('heading', { name: 'Support', exact: true }).waitFor();
    await look(visitor, '01-signed-out');
    await signedOut.close();

    const recipient = await contextAs(browser, server, ada);
    const page = await recipient.newPage();
    try {
      await page.goto(`${base}/support`);
      await page.getByRole('heading', { name: 'No support cases' }).waitFor();
      await look(page, '02-no-cases');

      await page.goto(`${base}/support/new?subscription=${subscriptionId}`);
      await page.getByRole('heading', { name: 'Create support case' }).waitFor();
      assert.equal(await page.getByLabel('Category').inputValue(), 'activation');
      assert.equal(await page.getByLabel('Subscription (optional)').inputValue(), subscriptionId);
      await look(page, '03-new');

      // Only spaces pass the browser's own check for a required field and reach the server.
      await page.getByLabel('Subject').fill('   ');
      await page.getByLabel('Description').fill('My free trial says "Setup failed" <since yesterday>.');
      await page.getByRole('button', { name: 'Create support case' }).click();
      await page.getByText('Enter a subject.').first().waitFor();
      assert.equal(await page.getByLabel('Description').inputValue(), 'My free trial says "Setup failed" <since yesterday>.');
      await look(page, '04-new-errors');

      await page.getByLabel('Subject').fill('Free trial setup failed — what now?');
      await page.getByRole('button', { name: 'Create support case' }).click();
      await page.waitForURL(/\/support\/[0-9a-f-]{36}$/);
      const caseId = page.url().split('/').pop()!;
      await page.getByRole('heading', { name: 'Free trial setup failed — what now?' }).waitFor();
      await page.getByText('Your support case is open.').waitFor();
      await page.getByText('<since yesterday>').waitFor();
      await look(page, '05-case');

      await page.getByLabel('Message').fill('Also: I tried twice.\nSame result both times.');
      await page.getByRole('button', { name: 'Send' }).click();
      await page.waitForURL(new RegExp(`/support/${caseId}#latest$`));
      await page.getByText('Your message is sent.').waitFor();
      await page.getByText('Same result both times.').waitFor();
      await look(page, '06-case-replied');

      // The operator, on a phone too: the queue, the case, a reply and closing it.
      const operator = await contextAs(browser, server, admin);
      const console = await operator.newPage();
      await console.goto(`${base}/admin`);
      await console.getByRole('navigation', { name: 'Operator console' }).getByRole('link', { name: 'Support' }).click();
      await console.waitForURL(`${base}/admin/support`);
      await console.getByRole('link', { name: 'Free trial setup failed — what now?' }).waitFor();
      await look(console, '07-queue');
      await console.getByRole('link', { name: 'Free trial setup failed — what now?' }).click();
      await console.waitForURL(`${base}/admin/support/${caseId}`);
      await console.getByText('Same result both times.').waitFor();
      await look(console, '08-operator-case');
      await console.getByLabel('Message').fill('Hello Ada, we fixed the platform. Please try again.');
      await console.getByRole('button', { name: 'Send' }).click();
      await console.getByText(`Your reply is sent and emailed to ${ada.email}.`).waitFor();
      await console.getByLabel('Status').selectOption('closed');
      await console.getByRole('button', { name: 'Change status' }).click();
      await console.getByText('The case is closed.').waitFor();
      await look(console, '09-operator-closed');
      await console.setViewportSize(desktopViewport);
      await look(console, '10-operator-case-desktop');
      await operator.close();

      const [mail] = await mailTo(app, ada.email);
      assert.ok(mail?.text_body.includes(`${base}/support/${caseId}`));

      // The link in the email brings the recipient back to the conversation.
      await page.goto(`${base}/support/${caseId}`);
      await page.getByText('Hello Ada, we fixed the platform. Please try again.').waitFor();
      await page.getByText('Sending a message opens it again.').waitFor();
      await look(page, '11-case-answered');

      await page.getByRole('link', { name: '← Your support cases' }).click();
      await page.waitForURL(`${base}/support`);
      await page.getByRole('link', { name: 'Free trial setup failed — what now?' }).waitFor();
      await look(page, '12-my-cases');
    } finally {
      await recipient.close();
    }
  });
});
