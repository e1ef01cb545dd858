// A new user in Chromium: sign up → read the email → open the link → sign in → "which account am I
// using?". The real server listens on a random port; mail goes to a real SMTP receiver. Every page
// visited is checked with axe and photographed at phone size (tmp/screenshots/).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import type { App } from '../../app.ts';
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import { browserSkipReason, closePage, desktopViewport, expectAccessible, expectNoSidewaysScroll, launchBrowser, openPage, phoneViewport, screenshot } from '../../testing/browser.ts';
import { startLiveServer, type LiveServer } from '../../testing/server.ts';
import type { SmtpReceiver } from '../mail/smtp-receiver.ts';
import { hashPassword } from './passwords.ts';

const skip = browserSkipReason();
const PASSWORD = 'paper lantern river 12';

async function visit(page: Page, label: string) {
  await expectAccessible(page, label);
  await screenshot(page, `accounts-${label}`);
}

describe('accounts in a real browser', { skip }, () => {
  let server: LiveServer;
  let app: App;
  let base: string;
  let receiver: SmtpReceiver;
  let browser: Browser;

  before(async () => {
    server = await startLiveServer({ smtp: true });
    ({ app, base } = server);
    receiver = server.receiver!;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await server?.close();
  });

  test('sign up, verify by the emailed link, sign in, see the account type', async () => {
    const email = uniqueEmail('browser');
    const page = await openPage(browser);
    try {
      await page.goto(`${base}/signup`);
      await visit(page, '01-signup');

      // A mistake first: the errors sit next to the fields and what was typed stays.
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill('password');
      await page.getByLabel('Display name').fill('Ada <Lovelace>');
      await page.getByLabel('Country').selectOption('FI');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.getByText('This password is too common').first().waitFor();
      assert.equal(await page.getByLabel('Email').inputValue(), email);
      assert.equal(await page.getByLabel('Display name').inputValue(), 'Ada <Lovelace>');
      assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '', 'the password is not sent back');
      await visit(page, '02-signup-errors');

      await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(`${base}/signup/check-email`);
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
      assert.ok(await page.getByRole('main').getByText(email).isVisible());
      await visit(page, '03-check-email');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.waitForURL(/\/signin/);

      const mail = await receiver.waitFor(email, (m) => /verify-email/.test(m.text));
      const link = /(http:\/\/\S+\/verify-email\?token=[\w-]+)/.exec(mail.text)![1]!;
      assert.ok(link.startsWith(`${base}/verify-email?token=`), 'an absolute link from PUBLIC_URL');

      await page.goto(link);
      await visit(page, '04-verify-email');
      await page.getByRole('button', { name: 'Verify email' }).click();
      await page.getByRole('heading', { name: 'Email verified — sign in' }).waitFor();
      await visit(page, '05-email-verified');
      await page.getByRole('link', { name: 'Go to sign in' }).click();

      await page.waitForURL(`${base}/signin`);
      assert.ok(await page.getByRole('link', { name: 'Create account', exact: true }).isVisible());
      assert.ok(await page.getByRole('link', { name: 'Forgot password?' }).isVisible());
      await visit(page, '06-signin');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('not my password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByText('The email or password is not correct.').waitFor();
      await visit(page, '07-signin-error');
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();

      await page.waitForURL(`${base}/account`);
      await page.getByText('Verified', { exact: true }).waitFor();
      await visit(page, '08-account');

      await page.goto(`${base}/account/type`);
      await page.getByText('Personal account', { exact: true }).waitFor();
      assert.ok(await page.getByText(email).first().isVisible());
      await visit(page, '09-account-type');
    } finally {
      await closePage(page);
    }
  });

  test('one email with a personal and a work account: the chooser, then the organization on the account type page', async () => {
    const email = uniqueEmail('both');
    const passwordHash = await hashPassword(PASSWORD);
    await createAccount(app, app.services.config, { email, passwordHash, displayName: 'Grace' });
    const work = await createAccount(app, app.services.config, { email, passwordHash, kind: 'organizational', displayName: 'Grace at work' });
    const organization = (await app.services.accounts.findAccount(work.id))!.organization!;

    for (const [viewport, label] of [[undefined, 'phone'], [desktopViewport, 'desktop']] as const) {
      const page = await openPage(browser, viewport);
      try {
        await page.goto(`${base}/signin`);
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await page.getByRole('heading', { name: 'Which account?' }).waitFor();
        assert.ok(await page.getByRole('button', { name: 'Personal account' }).isVisible());
        assert.ok(await page.getByText(organization.name).isVisible(), 'the organization is named');
        await visit(page, `10-chooser-${label}`);
        await page.getByRole('button', { name: 'Work or school account' }).click();
        await page.waitForURL(`${base}/account`);
        await page.goto(`${base}/account/type`);
        await page.getByText('Organizational account', { exact: true }).waitFor();
        assert.ok(await page.getByText(organization.name).first().isVisible());
        await visit(page, `11-account-type-organizational-${label}`);
      } finally {
        await closePage(page);
      }
    }
  });

  test('in Finnish: a wrong password, the chooser, the account and its type, on a phone and a desktop', async () => {
    const email = uniqueEmail('suomi');
    const passwordHash = await hashPassword(PASSWORD);
    await createAccount(app, app.services.config, { email, passwordHash, displayName: 'Aino' });
    const work = await createAccount(app, app.services.config, { email, passwordHash, kind: 'organizational', displayName: 'Aino töissä' });
    const organization = (await app.services.accounts.findAccount(work.id))!.organization!;

    for (const [viewport, label] of [[phoneViewport, 'phone'], [desktopViewport, 'desktop']] as const) {
      const context = await browser.newContext({ viewport, locale: 'fi-FI' });
      const page = await context.newPage();
      const look = async (name: string) => {
        await expectNoSidewaysScroll(page, name);
        await visit(page, `fi-${name}-${label}`);
      };
      try {
        await page.goto(`${base}/signin`);
        await page.getByRole('heading', { name: 'Kirjaudu sisään' }).waitFor();
        await page.getByLabel('Sähköposti').fill(email);
        await page.getByLabel('Salasana').fill('väärä salasana');
        await page.getByRole('button', { name: 'Kirjaudu sisään' }).click();
        await page.getByText('Sähköpostiosoite tai salasana on väärin.').waitFor();
        await look('18-signin-error');
        await page.getByLabel('Salasana').fill(PASSWORD);
        await page.getByRole('button', { name: 'Kirjaudu sisään' }).click();
        await page.getByRole('heading', { name: 'Millä tilillä?' }).waitFor();
        await look('19-chooser');
        await page.getByRole('button', { name: 'Työ- tai opiskelutili' }).click();
        await page.waitForURL(`${base}/account`);
        await page.getByRole('heading', { name: 'Tilisi' }).waitFor();
        await look('20-account');
        await page.getByRole('link', { name: 'Mitä tiliä käytän?' }).click();
        await page.getByText('Olet kirjautunut sisään organisaation tilillä.').waitFor();
        assert.ok(await page.getByText(organization.name, { exact: true }).isVisible());
        await look('21-account-type');
      } finally {
        await context.close();
      }
    }
  });

  test('forgot password and the operator console pages are accessible', async () => {
    const page = await openPage(browser);
    try {
      await page.goto(`${base}/forgot-password`);
      await visit(page, '12-forgot-password');
      await page.getByLabel('Email').fill(uniqueEmail('nobody'));
      await page.getByRole('button', { name: 'Send reset link' }).click();
      await page.getByText('Check your email.').waitFor();
      await visit(page, '13-forgot-password-sent');
      await page.goto(`${base}/reset-password?token=whatever`);
      await visit(page, '14-reset-password');

      const email = uniqueEmail('operator');
      await app.services.accounts.createOperatorAdmin({ email, password: PASSWORD });
      await page.goto(`${base}/admin/outbox`);
      await page.waitForURL(`${base}/signin`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${base}/admin/outbox`);
      await page.getByRole('heading', { name: 'Mail outbox' }).waitFor();
      await page.getByText('Confirm your email address').first().click();
      await page.getByText(/verify-email\?token=/).first().waitFor();
      await visit(page, '15-admin-outbox');
      await page.getByRole('link', { name: 'Audit trail' }).click();
      await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
      await visit(page, '16-admin-audit');
      await page.getByRole('link', { name: 'Overview' }).click();
      await page.getByText('Operator console').first().waitFor();
      await visit(page, '17-admin');
    } finally {
      await closePage(page);
    }
  });
});
