// Organizations in Chromium: create one, manage members and domains, accept an invitation, and sign in
// through the organization's own OpenID provider (a real oidc-provider). Every page is checked with axe
// and photographed at phone size, the organization page at desktop size too (tmp/screenshots/).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import { apiKeyHeader, uniqueEmail } from '../../testing/factories.ts';
import { browserSkipReason, closePage, desktopViewport, expectAccessible, launchBrowser, openPage, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import { linkToken, type SmtpReceiver } from '../mail/smtp-receiver.ts';
import { startTestProvider, type TestProvider } from './oidc-provider.fixture.ts';

const skip = browserSkipReason();
const PASSWORD = 'orchard signal mosaic 5';

async function visit(page: Page, label: string) {
  await expectAccessible(page, label);
  await screenshot(page, `organizations-${label}`);
}

describe('organizations in a real browser', { skip }, () => {
  let server: LiveServer;
  let app: App;
  let base: string;
  let receiver: SmtpReceiver;
  let browser: Browser;
  let provider: TestProvider;

  before(async () => {
    server = await startLiveServer({ smtp: true, env: { OIDC_ALLOW_PRIVATE_PROVIDERS: 'true' } });
    ({ app, base } = server);
    receiver = server.receiver!;
    provider = await startTestProvider({ redirectUri: `${base}/signin/organization/callback` });
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await provider?.close();
  });

  test('create an organization, add a member, register the provider; the member accepts; a newcomer joins through the provider', async () => {
    const domain = `browser${Date.now().toString(36)}.example`;
    const adminEmail = `founder@${domain}`;
    const page = await openPage(browser);
    try {
      await page.goto(`${base}/signup/organization`);
      await visit(page, '01-signup-phone');

      await page.getByLabel('Organization name').fill('Northwind <Academy>');
      await page.getByLabel('Domain (optional)').fill('not a domain');
      await page.getByLabel('Email', { exact: true }).fill(adminEmail);
      await page.getByLabel('Password', { exact: true }).fill('password');
      await page.getByLabel('Display name').fill('Fran Founder');
      await page.getByLabel('Country').selectOption('FI');
      await page.getByRole('button', { name: 'Create organization' }).click();
      await page.getByText('This password is too common').first().waitFor();
      assert.equal(await page.getByLabel('Organization name').inputValue(), 'Northwind <Academy>');
      assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is not sent back');
      await visit(page, '02-signup-errors-phone');

      await page.getByLabel('Domain (optional)').fill(domain);
      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create organization' }).click();
      await page.waitForURL(`${base}/organization`);
      await page.getByRole('heading', { name: 'Northwind <Academy>' }).waitFor();
      await visit(page, '03-organization-phone');

      const memberEmail = uniqueEmail('invitee');
      await page.getByLabel('Email', { exact: true }).fill(memberEmail);
      await page.getByLabel('Display name').fill('Ivy Invitee');
      await page.getByLabel('Country').selectOption('SE');
      await page.getByRole('button', { name: 'Add member' }).click();
      await page.getByText('We sent an invitation').waitFor();

      await page.getByLabel('Issuer URL').fill('http://127.0.0.1:9');
      await page.getByLabel('Client ID').fill(provider.clientId);
      await page.getByLabel('Client secret').fill(provider.clientSecret);
      await page.getByRole('button', { name: 'Save provider' }).click();
      await page.getByText('No working OpenID Connect provider').waitFor();
      assert.equal(await page.getByLabel('Client secret').inputValue(), '', 'the secret is not sent back');
      await visit(page, '04-organization-errors-phone');
      await page.getByLabel('Issuer URL').fill(provider.issuer);
      await page.getByLabel('Client secret').fill(provider.clientSecret);
      await page.getByRole('button', { name: 'Save provider' }).click();
      await page.getByText('Your sign-in provider is saved').waitFor();
      await visit(page, '05-organization-saved-phone');
      await page.setViewportSize(desktopViewport);
      await visit(page, '06-organization-desktop');

      // The member opens the invitation in their own browser.
      const mail = await receiver.waitFor(memberEmail, (m) => m.text.includes('/invitation?token='));
      const invitee = await openPage(browser);
      try {
        await invitee.goto(`${base}/invitation?token=${encodeURIComponent(linkToken(mail, '/invitation'))}`);
        await visit(invitee, '07-invitation-phone');
        await invitee.getByLabel('Password', { exact: true }).fill(PASSWORD);
        await invitee.getByRole('button', { name: 'Set password' }).click();
        await invitee.waitForURL(`${base}/account`);
        await invitee.goto(`${base}/account/type`);
        await invitee.getByText('Northwind <Academy>').first().waitFor();
      } finally {
        await closePage(invitee);
      }

      // An operator vouches for the domain; a newcomer at that domain joins through the provider.
      const orgId = (await app.services.db.selectFrom('organizations').select('id').where('name', '=', 'Northwind <Academy>').executeTakeFirstOrThrow()).id;
      const verified = await app.inject({ method: 'POST', url: `/api/v1/organizations/${orgId}/domains/${domain}/verify`, headers: { authorization: await apiKeyHeader(app, 'operator') } });
      assert.equal(verified.statusCode, 200, verified.body);
      provider.addPerson({ sub: 'browser-newcomer', email: `newcomer@${domain}`, name: 'Nico Newcomer' });
      const newcomer = await openPage(browser);
      try {
        await newcomer.goto(`${base}/signin/organization`);
        await visit(newcomer, '08-signin-organization-phone');
        await newcomer.getByLabel('Work email').fill(`newcomer@${domain}`);
        await newcomer.getByRole('button', { name: 'Continue' }).click();
        await newcomer.waitForURL((url) => url.href.startsWith(provider.issuer));
        await newcomer.locator('input[name="login"]').fill('browser-newcomer');
        await newcomer.locator('input[name="password"]').fill('anything');
        await newcomer.locator('button[type="submit"]').first().click();
        await newcomer.locator('button[autofocus]').click();
        await newcomer.waitForURL(`${base}/account`);
        await newcomer.getByText('Nico Newcomer').first().waitFor();
        await visit(newcomer, '09-joined-account-phone');
      } finally {
        await closePage(newcomer);
      }

      await page.reload();
      await page.getByText('Nico Newcomer').waitFor();
      await page.getByText('Ivy Invitee').waitFor();
    } finally {
      await closePage(page);
    }
  });
});
