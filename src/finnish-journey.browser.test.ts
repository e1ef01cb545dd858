// The whole journey in Finnish, as someone in Helsinki lives it on a phone (390 px, browser language
// fi-FI): the code from a slip, an account made on the way, the emailed link, confirm, activate, the
// status page until active, the portal. With the keyboard alone (Tab to each control, Enter on links,
// Space on buttons, typing into fields and type-ahead in the country list), once with JavaScript and once
// without. On every page: <html lang="fi">, no English left (src/testing/english-leftovers.ts), axe with
// no serious or critical violations, no sideways scrolling, and focus visible on every control;
// photographed as tmp/screenshots/fi-journey-*.png.
// Controls are found by their names and links by their targets, so the test does not repeat the wording.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import type { App } from './app.ts';
import { apiKeyHeader, uniqueEmail } from './testing/factories.ts';
import { browserSkipReason, expectAccessible, expectNoSidewaysScroll, launchBrowser, navigateAllowingSelfReload, phoneViewport, screenshot } from './testing/browser.ts';
import { englishLeftovers } from './testing/english-leftovers.ts';
import { expectFocusVisibleOnEveryControl, fromTop, tabTo } from './testing/keyboard.ts';
import { startLiveServer, type LiveServer } from './testing/server.ts';
import type { JobWorker } from './modules/jobs/job-worker.ts';
import type { SmtpReceiver } from './modules/mail/smtp-receiver.ts';

const skip = browserSkipReason();
const PASSWORD = 'kupari kattila niitty 7';
const NAME = 'Aino Virtanen';
const CAMPAIGN = 'Pilvityöpaja';
const quiet = { info() {}, warn() {}, error() {} };
const ACTIVE_WITHIN_MS = 30_000;

describe('the journey in Finnish, keyboard only, at 390 px', { skip }, () => {
  let server: LiveServer;
  let app: App;
  let base: string;
  let receiver: SmtpReceiver;
  let worker: JobWorker;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer({ smtp: true, env: { PROVISION_DELAY_MS: '1500' } });
    ({ app, base } = server);
    receiver = server.receiver!;
    worker = app.services.jobs.createWorker({ log: quiet, pollMs: 200 });
    worker.start();
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await worker?.stop();
    await server?.close();
  });

  async function codeFromOperator(): Promise<string> {
    const authorization = await apiKeyHeader(app, 'operator');
    const headers = { authorization, 'content-type': 'application/json' };
    const campaign = await fetch(`${base}/api/v1/campaigns`, {
      method: 'POST', headers,
      body: JSON.stringify({ name: CAMPAIGN, credit: { amount: 10_000, currency: 'EUR' }, validityDays: 30, redeemBy: '2099-06-30', countries: ['FI', 'SE', 'EE'] }),
    });
    assert.equal(campaign.status, 201, await campaign.clone().text());
    const { id } = await campaign.json() as { id: string };
    const batch = await fetch(`${base}/api/v1/campaigns/${id}/codes`, { method: 'POST', headers, body: JSON.stringify({ count: 1 }) });
    assert.equal(batch.status, 201, await batch.clone().text());
    return (await batch.json() as { codes: string[] }).codes[0]!;
  }

  for (const javaScript of [true, false]) {
    const mode = javaScript ? 'js' : 'nojs';
    test(`from the slip to the portal, ${javaScript ? 'with' : 'without'} JavaScript`, async () => {
      const code = await codeFromOperator();
      const email = uniqueEmail(`aino-${mode}`);
      const context = await browser.newContext({ viewport: phoneViewport, locale: 'fi-FI', javaScriptEnabled: javaScript });
      const page = await context.newPage();
      const main = page.locator('main');
      // Without JavaScript the page is read as the server sent it (its response), which needs no script in the
      // page; a response whose page was navigated away from before its body was read is simply replaced.
      let html: Promise<string> = Promise.resolve('');
      page.on('response', (response) => {
        if (response.request().resourceType() !== 'document' || response.status() >= 300) return;
        const read = response.text();
        read.catch(() => {});
        html = read;
      });
      /** The page's HTML now; with JavaScript the page may reload itself (the status page), so once more after it. */
      const currentHtml = async (): Promise<string> => {
        if (!javaScript) return html;
        try {
          return await page.content();
        } catch {
          await page.waitForLoadState('load');
          return page.content();
        }
      };
      let step = 0;
      /**
       * The checks every page gets, then a numbered screenshot. axe, the width and the focus styles are read
       * by scripts in the page, so only the run with JavaScript can check them (the markup and CSS are the same).
       */
      const look = async (name: string) => {
        await page.waitForLoadState('load');
        const body = await currentHtml();
        assert.match(body, /<html lang="fi"/, `${name}: the page is marked Finnish`);
        assert.deepEqual(englishLeftovers(body, { allowed: [NAME, CAMPAIGN, email] }), [], `${name}: English left on the page`);
        if (javaScript) {
          await expectAccessible(page, `${mode} ${name}`);
          await expectNoSidewaysScroll(page, `${mode} ${name}`);
          await expectFocusVisibleOnEveryControl(page, `${mode} ${name}`);
          await fromTop(page);
        }
        step += 1;
        await screenshot(page, `fi-journey-${mode}-${String(step).padStart(2, '0')}-${name}`);
      };
      /** Tab to the control (on from where focus is, around the page if need be) and press the key. */
      const press = async (selector: string, key: 'Enter' | 'Space') => {
        await tabTo(page, selector);
        await page.keyboard.press(key);
      };
      const type = async (selector: string, text: string) => {
        await tabTo(page, selector);
        await page.keyboard.press('ControlOrMeta+A');
        await page.keyboard.type(text);
      };
      try {
        await page.goto(`${base}/`);
        await look('home');
        await press('main a[href="/redeem"]', 'Enter');
        await page.waitForURL(`${base}/redeem`);
        await look('redeem');

        // Type-ahead in the country list, the code as it is on the slip, Enter to send.
        await tabTo(page, 'main select[name="country"]');
        await page.keyboard.type('Suomi');
        assert.equal(await main.locator('select[name="country"]').inputValue(), 'FI');
        await page.keyboard.press('Tab');
        await page.keyboard.type(code.toLowerCase().replace(/-/g, ' '));
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/redeem\/confirm/);
        await look('sign-in-to-receive');

        await press('main a[href^="/signup"]', 'Enter');
        await page.waitForURL(/\/signup/);
        await look('sign-up');
        await type('main input[name="email"]', email);
        await type('main input[name="password"]', PASSWORD);
        await type('main input[name="displayName"]', NAME);
        assert.equal(await main.locator('select[name="country"]').inputValue(), 'FI', 'the pass\'s country is suggested');
        await press('main form button[type="submit"]', 'Space');
        await page.waitForURL(`${base}/signup/check-email`);
        await look('check-email');

        // The emailed link, in Finnish too, opened in the same browser.
        const mail = await receiver.waitFor(email);
        const link = /https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_-]+/.exec(mail.text)?.[0];
        assert.ok(link, `a verification link in:\n${mail.text}`);
        assert.deepEqual(englishLeftovers(`<p>${mail.subject}</p><p>${mail.text.replace(/https?:\/\/\S+/g, '')}</p>`, { allowed: [NAME, CAMPAIGN, email] }), [], 'the email is in Finnish');
        await page.goto(link);
        await look('verify-email');
        await press('main form button[type="submit"]', 'Space');
        await page.waitForURL(/\/redeem\/confirm/);
        await look('confirm');

        await press('main form[action^="/redeem/confirm"] button[type="submit"], main form[method="post"] button[type="submit"]', 'Space');
        await page.waitForURL(/\/activate\/[^/]+$/);
        await look('activate');
        assert.equal(await main.locator('input[name="firstName"]').inputValue(), 'Aino');
        await type('main input[name="phone"]', '+358 40 123 4567');
        await press('main form button[type="submit"]', 'Space');
        await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/, { waitUntil: 'commit' });
        const subscriptionId = page.url().split('/').pop()!;

        // The status page: it reloads itself (with JavaScript live, without it by refresh) until active.
        const deadline = Date.now() + ACTIVE_WITHIN_MS;
        for (;;) {
          const status = await app.services.db.selectFrom('subscriptions').select('status').where('id', '=', subscriptionId).executeTakeFirstOrThrow();
          if (status.status === 'active') break;
          assert.ok(Date.now() < deadline, `still ${status.status} after ${ACTIVE_WITHIN_MS} ms`);
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        await navigateAllowingSelfReload(page, () => page.reload());
        await look('active');
        await press('main a[href="/portal"]', 'Enter');
        await page.waitForURL(`${base}/portal`);
        await look('portal');
      } finally {
        await context.close();
      }
    });
  }
});

