// Issue 4's whole journey, as a new user lives it, in Chromium at phone size against the real server:
// an operator makes a campaign and a code through the API; the recipient opens /redeem, picks Finland,
// types the code in lower case from the slip, creates an account on the way, opens the emailed link,
// confirms, activates, fills in the profile, signs up (twice, fast), reloads the status page until the
// built-in provisioner has finished, reaches the portal and gets the "active" email. Every page is
// checked with axe, must not scroll sideways at 390px, and is photographed (tmp/screenshots/journey-*).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from './app.ts';
import type { Config } from './config.ts';
import { databaseTargets } from './testing/harness.ts';
import { apiKeyHeader, createAccount, uniqueEmail } from './testing/factories.ts';
import { browserSkipReason, closePage, expectAccessible, expectNoSidewaysScroll, launchBrowser, navigateAllowingSelfReload, openPage, phoneViewport, screenshot } from './testing/browser.ts';
import { startLiveServer, type LiveServer } from './testing/server.ts';
import { hashPassword } from './modules/accounts/passwords.ts';
import type { JobWorker } from './modules/jobs/job-worker.ts';
import type { SmtpReceiver } from './modules/mail/smtp-receiver.ts';

const skip = browserSkipReason();
const PASSWORD = 'copper kettle meadow 7';
const quiet = { info() {}, warn() {}, error() {} };
/** How long the status page may take to say "active" (the provisioner waits 1.5 s). */
const ACTIVE_WITHIN_MS = 30_000;

/** How someone reads a code off a slip: lower case, groups split by spaces or hyphens as it comes. */
function asTypedFromSlip(code: string): string {
  const [a, b, c, d] = code.toLowerCase().split('-');
  return `${a} ${b}-${c} ${d}`;
}

for (const target of databaseTargets()) {
  describe(`the issue 4 journey in a real browser [${target.name}]`, { skip: skip ?? target.skip }, () => {
    let server: LiveServer;
    let app: App;
    let config: Config;
    let base: string;
    let receiver: SmtpReceiver;
    let worker: JobWorker;
    let browser: Browser;
    let step = 0;

    before(async () => {
      // Long enough for the status page to be looked at (axe, screenshot) while setup still runs: once it
      // is active the page reloads itself.
      server = await startLiveServer({ target: target.name, smtp: true, env: { PROVISION_DELAY_MS: '6000' } });
      ({ app, config, base } = server);
      receiver = server.receiver!;
      // The worker `serve` runs beside the web server.
      worker = app.services.jobs.createWorker({ log: quiet, pollMs: 200 });
      worker.start();
      browser = await launchBrowser();
    });

    after(async () => {
      await browser?.close();
      await worker?.stop();
      await server?.close();
    });

    /** axe, no sideways scrolling at phone width, and a numbered screenshot to look at. */
    async function look(page: Page, name: string) {
      await expectAccessible(page, name);
      await expectNoSidewaysScroll(page, name);
      step += 1;
      const prefix = target.name === 'sqlite' ? 'journey' : `journey-${target.name}`;
      await screenshot(page, `${prefix}-${String(step).padStart(2, '0')}-${name}`);
    }

    /** The operator's part, through the API with an operator key: a campaign and its codes. */
    async function operatorCreatesCodes(name: string, count: number): Promise<{ campaignId: string; codes: string[] }> {
      const authorization = await apiKeyHeader(app, 'operator');
      const headers = { authorization, 'content-type': 'application/json' };
      const campaign = await fetch(`${base}/api/v1/campaigns`, {
        method: 'POST', headers,
        body: JSON.stringify({ name, credit: { amount: 10_000, currency: 'USD' }, validityDays: 30, redeemBy: '2099-06-30', countries: ['FI', 'SE'] }),
      });
      assert.equal(campaign.status, 201, await campaign.clone().text());
      const { id } = await campaign.json() as { id: string };
      const batch = await fetch(`${base}/api/v1/campaigns/${id}/codes`, { method: 'POST', headers, body: JSON.stringify({ count }) });
      assert.equal(batch.status, 201, await batch.clone().text());
      const { codes } = await batch.json() as { codes: string[] };
      return { campaignId: id, codes };
    }

    async function enterCode(page: Page, code: string) {
      await page.goto(`${base}/redeem`);
      const main = page.locator('main');
      await main.getByLabel('Country').selectOption({ label: 'Finland' });
      await main.getByRole('textbox', { name: 'Promo code' }).pressSequentially(asTypedFromSlip(code));
    }

    test('from a code on a slip to an active subscription in the portal, with an account made on the way', async (t) => {
      const { campaignId, codes } = await operatorCreatesCodes('Cloud Skills Workshop', 1);
      const code = codes[0]!;
      const email = uniqueEmail('aino');
      const page = await openPage(browser, phoneViewport);
      const main = page.locator('main');
      try {
        // Step 1: the code, checked before any sign-in.
        await page.goto(`${base}/redeem`);
        await look(page, 'redeem');
        await enterCode(page, code);
        await look(page, 'redeem-filled');
        await main.getByRole('button', { name: 'Submit' }).click();
        await page.getByRole('heading', { name: 'Sign in to receive your pass' }).waitFor();
        assert.ok(!page.url().toLowerCase().includes(code.slice(0, 4).toLowerCase()), 'the code is not in the URL');
        assert.ok(await main.getByText('$100.00').isVisible(), 'the pass shows its credit');
        assert.ok(await main.getByText('Cloud Skills Workshop').isVisible());
        await look(page, 'pass-shown');

        // No account yet: create one on the way.
        await main.getByRole('link', { name: 'Create account' }).click();
        await page.waitForURL(`${base}/signup`);
        assert.ok(await main.getByText('Your promo code stays pending').isVisible(), 'sign-up says the code waits');
        await look(page, 'signup');
        await main.getByLabel('Email').fill(email);
        await main.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await main.getByLabel('Display name').fill('Aino Virtanen');
        assert.equal(await main.getByLabel('Country').inputValue(), 'FI', 'the country picked for the pass is suggested');
        await main.getByLabel('Country').selectOption({ label: 'Finland' });
        await main.getByRole('button', { name: 'Create account' }).click();
        await page.getByRole('heading', { name: 'Check your email' }).waitFor();
        assert.ok(await main.getByText(email).isVisible());
        await look(page, 'check-email');
        // Impatient: Continue before opening the email. The pass waits, with the same advice.
        await main.getByRole('link', { name: 'Continue' }).click();
        await page.getByRole('heading', { name: 'Confirm your email address' }).waitFor();
        assert.ok(await main.getByText('$100.00').isVisible());
        await look(page, 'still-to-confirm');

        // The emailed link, opened in the same browser.
        const verification = await receiver.waitFor(email, (m) => m.subject === 'Confirm your email address');
        const link = /https?:\/\/\S+\/verify-email\?token=[A-Za-z0-9_-]+/.exec(verification.text)?.[0];
        assert.ok(link, `a verification link in:\n${verification.text}`);
        assert.ok(link.startsWith(`${base}/`), 'the link points at PUBLIC_URL');
        await page.goto(link);
        await look(page, 'verify-email');
        await main.getByRole('button', { name: 'Verify email' }).click();
        if (page.url().startsWith(`${base}/signin`) || await page.getByRole('heading', { name: /sign in/i }).first().isVisible()) {
          await main.getByLabel('Email').fill(email);
          await main.getByLabel('Password', { exact: true }).fill(PASSWORD);
          await main.getByRole('button', { name: 'Sign in' }).click();
        }

        // Confirm: which account gets the pass, and the pass.
        await page.getByRole('heading', { name: 'Confirm your information' }).waitFor();
        assert.ok(await main.getByText('Your email address is verified.').isVisible(), 'the link says it worked, where it lands');
        assert.ok(await main.getByText(email).isVisible(), 'the confirm step shows the email');
        assert.ok(await main.getByText('Personal account').isVisible(), 'the confirm step shows the kind of account');
        assert.ok(await main.getByText('$100.00').isVisible(), 'the confirm step shows the credit');
        assert.ok(await main.getByRole('link', { name: 'Use another account' }).isVisible());
        await look(page, 'confirm');
        const before = await app.services.db.selectFrom('pass_codes').select('state').where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
        assert.equal(before.state, 'issued', 'nothing is bound before Activate');

        await main.getByRole('button', { name: 'Activate' }).click();
        await page.waitForURL(/\/activate\/[^/]+$/);
        const account = await app.services.db.selectFrom('accounts').select('id').where('email', '=', email).executeTakeFirstOrThrow();

        // Step 2: the profile form, prefilled from the account.
        await page.getByRole('heading', { name: 'Activate your subscription' }).waitFor();
        assert.equal(await main.getByLabel('First name').inputValue(), 'Aino');
        assert.equal(await main.getByLabel('Last name').inputValue(), 'Virtanen');
        assert.equal(await main.getByLabel('Email').inputValue(), email);
        assert.equal(await main.getByLabel('Country').inputValue(), 'FI');
        await look(page, 'activate');
        await main.getByLabel('Phone').fill('+358 40 123 4567');
        await look(page, 'activate-filled');

        // An impatient double click on Sign up.
        const signUps: { url: string; body: string }[] = [];
        page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/activate/')) signUps.push({ url: r.url(), body: r.postData() ?? '' }); });
        await main.getByRole('button', { name: 'Sign up' }).dblclick();
        // The status page reloads itself once setup finishes, which can be before it ever fired "load".
        await page.waitForURL(/\/subscriptions\/[0-9a-f-]{36}$/, { waitUntil: 'commit' });
        const subscriptionId = page.url().split('/').pop()!;
        await page.locator('h1').waitFor();
        t.diagnostic(`Sign up double click sent ${signUps.length} POST(s)`);
        assert.ok(signUps.length >= 1);
        await look(page, 'status');

        // Back: the form is not shown again (the pass is activated), the same subscription is.
        await navigateAllowingSelfReload(page, () => page.goBack());
        await page.waitForURL(`${base}/subscriptions/${subscriptionId}`, { waitUntil: 'commit' });
        // A browser that kept the form and sends it again ("Confirm form resubmission") sends the same body.
        // Twice at once, too, as a browser that does not hold back a double click would.
        const resend = () => page.request.post(signUps[0]!.url, {
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: base }, data: signUps[0]!.body, maxRedirects: 0,
        });
        for (const resent of [await resend(), ...await Promise.all([resend(), resend()])]) {
          assert.equal(resent.status(), 303);
          assert.equal(resent.headers().location, `/subscriptions/${subscriptionId}`);
        }

        // Reloading is safe: refresh until it says active.
        const deadline = Date.now() + ACTIVE_WITHIN_MS;
        const activeHeading = page.getByRole('heading', { name: 'Your subscription is active' });
        for (;;) {
          await navigateAllowingSelfReload(page, () => page.reload());
          await page.locator('h1').waitFor();
          if (await activeHeading.isVisible()) break;
          assert.ok(Date.now() < deadline, `the subscription was not active within ${ACTIVE_WITHIN_MS / 1000} s`);
          await page.waitForTimeout(1000);
        }
        await look(page, 'status-active');

        const subscriptions = await app.services.db.selectFrom('subscriptions').selectAll().where('account_id', '=', account.id).execute();
        assert.equal(subscriptions.length, 1, 'one subscription, however often Sign up was pressed');
        assert.equal(subscriptions[0]!.id, subscriptionId);
        assert.equal(subscriptions[0]!.status, 'active');
        const redemptions = await app.services.db.selectFrom('redemptions').selectAll().where('account_id', '=', account.id).execute();
        assert.equal(redemptions.length, 1);
        assert.equal(redemptions[0]!.state, 'activated');
        assert.equal(redemptions[0]!.country, 'FI');

        // The portal.
        await main.getByRole('link', { name: 'Go to portal' }).click();
        await page.waitForURL(`${base}/portal`);
        await main.getByRole('heading', { name: 'Cloud Skills Workshop' }).waitFor();
        assert.ok(await main.getByText('Active', { exact: true }).first().isVisible(), 'the portal says active');
        assert.ok(await main.getByText('$100.00').first().isVisible(), 'the portal shows the credit');
        assert.ok(await main.getByRole('link', { name: 'Add subscription' }).isVisible());
        await look(page, 'portal');

        await page.goto(`${base}/account`);
        assert.equal(await main.getByText('Your email address is verified.').count(), 0, 'no stale notice later');

        // The "active" email, with a link to the portal.
        const activeMail = await receiver.waitFor(email, (m) => m.subject === 'Your subscription is active');
        assert.ok(activeMail.text.includes(`${base}/portal`), `a portal link in:\n${activeMail.text}`);
        assert.match(activeMail.text, /\$100\.00 of credit until/);

        // Method 2: the same code again resumes where it is now, the active subscription, saying when it was redeemed.
        await enterCode(page, code);
        await main.getByRole('button', { name: 'Submit' }).click();
        await page.waitForURL(`${base}/subscriptions/${subscriptionId}?again=1`);
        await activeHeading.waitFor();
        await main.getByText(/^You redeemed this code on \d{1,2} \w+ \d{4}\.$/).waitFor();
      } finally {
        await closePage(page);
      }
    });

    test('"Use another account" on the confirm step keeps the code pending', async () => {
      const { campaignId, codes } = await operatorCreatesCodes('Hackathon Pass', 1);
      const passwordHash = await hashPassword(PASSWORD);
      const first = await createAccount(app, config, { email: uniqueEmail('first'), displayName: 'Eero First', passwordHash });
      const second = await createAccount(app, config, { email: uniqueEmail('second'), displayName: 'Sofia Second', passwordHash });
      const page = await openPage(browser, phoneViewport);
      const main = page.locator('main');
      async function signIn(email: string) {
        await main.getByLabel('Email').fill(email);
        await main.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await main.getByRole('button', { name: 'Sign in' }).click();
      }
      try {
        await enterCode(page, codes[0]!);
        await main.getByRole('button', { name: 'Submit' }).click();
        await main.getByRole('link', { name: 'Sign in' }).click();
        await look(page, 'signin');
        await signIn(first.email);
        await page.getByRole('heading', { name: 'Confirm your information' }).waitFor();
        assert.ok(await main.getByText(first.email).isVisible());

        await main.getByRole('link', { name: 'Use another account' }).click();
        await look(page, 'use-another-account');
        await main.getByRole('button', { name: 'Sign out and use another account' }).click();
        await page.waitForURL(`${base}/signin`);
        await signIn(second.email);
        await page.getByRole('heading', { name: 'Confirm your information' }).waitFor();
        assert.ok(await main.getByText(second.email).isVisible(), 'the other account now');
        assert.ok(await main.getByText('$100.00').isVisible(), 'and the same pass, still pending');
        await look(page, 'confirm-other-account');
        const code = await app.services.db.selectFrom('pass_codes').selectAll().where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
        assert.equal(code.state, 'issued', 'switching accounts bound nothing');

        await main.getByRole('button', { name: 'Activate' }).click();
        await page.waitForURL(/\/activate\/[^/]+$/);
        const redeemed = await app.services.db.selectFrom('pass_codes').selectAll().where('campaign_id', '=', campaignId).executeTakeFirstOrThrow();
        assert.equal(redeemed.state, 'redeemed');
        assert.equal(redeemed.account_id, second.id);
      } finally {
        await closePage(page);
      }
    });
  });
}
