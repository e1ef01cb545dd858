import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  browserSkipReason,
  closePage,
  desktopViewport,
  expectAccessible,
  launchBrowser,
  openPage,
  phoneViewport,
  screenshot,
} from '../testing/browser.ts';
import {
  Actions, Alert, Badge, Button, Card, CountrySelect, Form, FormErrorSummary, LinkButton, Money,
  SelectField, Steps, TableWrap, TextAreaField, TextField, formatMoney as format,
} from './components.tsx';
import { countryList, countryName, isCountryCode } from '../lib/countries.ts';
import { Layout, type LayoutAccount } from './layout.tsx';
import { renderPage } from './render.ts';

const csp =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "form-action 'self'; frame-ancestors 'none'; base-uri 'self'";
const hostile = '<script>alert(1)</script>';

const ada: LayoutAccount = {
  email: 'ada.lovelace@university.example',
  displayName: 'Ada Lovelace',
  kind: 'organizational',
  organizationName: 'Contoso University',
  operatorAdmin: true,
};

function DemoPage(props: { account: LayoutAccount | null }) {
  const errors = { code: 'Check the promo code: the last character does not match' };
  return (
    <Layout title="Redeem a pass" account={props.account} csrfToken="csrf-token">
      <Steps steps={['Promo code', 'Sign in', 'Confirm', 'Activate']} current={1} />
      <h1>Redeem a pass</h1>
      <p class="lead">Enter the promo code from your slip or email.</p>
      <FormErrorSummary errors={errors} />
      <Form action="/redeem" csrfToken="csrf-token">
        <CountrySelect value="FI" required />
        <TextField name="code" label="Promo code" value={hostile} error={errors.code} variant="code"
          hint="16 characters, for example 7KQM-3DFA-W9XR-2C4P" autocomplete="off" autoCapitalize="characters"
          spellcheck={false} required />
        <TextField name="email" label="Email" type="email" autocomplete="email" inputMode="email" required />
        <SelectField name="category" label="Category" placeholder="Choose a category" value="billing"
          options={[{ value: 'activation', label: 'Activation' }, { value: 'billing', label: 'Billing' }]} />
        <TextAreaField name="description" label="Description" value={hostile} hint="What happened?" />
        <Actions>
          <Button>Submit</Button>
          <Button kind="secondary" name="intent" value="later">Save for later</Button>
        </Actions>
      </Form>
      <Alert kind="error" title="This promo code is already used">{hostile}</Alert>
      <Alert kind="success" title="Your subscription is ready" />
      <Alert kind="info">Your code stays pending while you sign in.</Alert>
      <Card title="Confirm information">
        <dl class="summary-list">
          <div><dt>Account</dt><dd>{ada.email}</dd></div>
          <div><dt>Credit</dt><dd><Money amount={10000} currency="USD" /></dd></div>
        </dl>
        <LinkButton href="/portal">Go to portal</LinkButton>
      </Card>
      <TableWrap label="Subscriptions">
        <table>
          <thead><tr><th scope="col">Subscription</th><th scope="col">Status</th><th scope="col" class="num">Credit remaining</th><th scope="col">Ends</th></tr></thead>
          <tbody>
            {(['pending', 'provisioning', 'active', 'failed', 'cancelled'] as const).map((status, i) => (
              <tr><td>Azure Pass {i + 1}</td><td><Badge status={status} /></td><td class="num"><Money amount={9876 - i * 1000} currency="EUR" /></td><td class="nowrap">2027-06-30</td></tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </Layout>
  );
}

function attributesOf(html: string, id: string): string {
  // `>` is legal unescaped inside attribute values, so a tag is read up to the next `<`.
  const tag = html.match(new RegExp(`<(?:input|select|textarea)\\b[^<]*\\bid="${id}"[^<]*`));
  assert.ok(tag, `no control with id ${id}`);
  return tag[0];
}

test('pages escape what they are given and wire labels, hints and errors to their fields', () => {
  const html = renderPage(<DemoPage account={ada} />);
  assert.ok(html.startsWith('<!doctype html><html lang="en">'));
  assert.ok(!html.includes('<script'), 'a value made it into the page unescaped');
  assert.match(html, /<link rel="stylesheet" href="\/assets\/app.css"\/>/);
  assert.match(html, /<a class="skip-link" href="#main">/);
  assert.match(html, /<main id="main"/);

  const code = attributesOf(html, 'field-code');
  assert.match(html, /<label class="field__label" for="field-code">Promo code<\/label>/);
  assert.match(code, /aria-describedby="field-code-hint field-code-error"/);
  assert.match(code, /aria-invalid="true"/);
  assert.match(html, /id="field-code-error"><span class="visually-hidden">Error: <\/span>Check the promo code/);
  assert.match(html, /<a href="#field-code">Check the promo code/);

  const email = attributesOf(html, 'field-email');
  assert.doesNotMatch(email, /aria-invalid|aria-describedby/);
  assert.match(html, /<label class="field__label" for="field-country">Country<\/label>/);
  assert.match(html, /<option value="FI" selected>Finland<\/option>/);
  assert.equal((html.match(/name="_csrf" value="csrf-token"/g) ?? []).length, 2, 'form and sign-out carry the token');
});

test('the header says who is signed in, or offers to sign in', () => {
  const signedIn = renderPage(<DemoPage account={ada} />);
  assert.match(signedIn, /href="\/account\/type"/);
  assert.match(signedIn, /Organizational account · Contoso University/);
  assert.match(signedIn, /href="\/admin">Admin</);
  assert.match(signedIn, /<form class="signout" method="post" action="\/signout">/);

  const personal = renderPage(<Layout title="Portal" account={{ ...ada, kind: 'personal', operatorAdmin: false }}>x</Layout>);
  assert.match(personal, /Personal account/);
  assert.doesNotMatch(personal, /href="\/admin"/);

  const signedOut = renderPage(<DemoPage account={null} />);
  assert.match(signedOut, /href="\/signin">Sign in</);
  assert.match(signedOut, /href="\/signup">Create account</);
  assert.doesNotMatch(signedOut, /Sign out/);
});

test('countries are the ISO 3166-1 alpha-2 list with English names', () => {
  assert.ok(countryList.length >= 249);
  assert.equal(countryList[0]?.name, 'Afghanistan');
  assert.equal(countryList[1]?.name, 'Åland Islands');
  assert.ok(isCountryCode('FI'));
  for (const bad of ['fi', 'ZZ', 'FIN', '', ' FI', 246, null]) assert.ok(!isCountryCode(bad), String(bad));
  assert.equal(countryName('SE'), 'Sweden');
  assert.equal(countryName('ZZ'), 'ZZ');
});

test('money is shown with the currency’s own minor units', () => {
  const formatMoney = (money: { amount: number; currency: string }) => format(money).replace(/\u00a0/g, ' ');
  assert.equal(formatMoney({ amount: 10000, currency: 'USD' }), '$100.00');
  assert.equal(formatMoney({ amount: 500, currency: 'JPY' }), '¥500');
  assert.equal(formatMoney({ amount: 1234, currency: 'BHD' }), 'BHD 1.234');
  assert.equal(formatMoney({ amount: 1000, currency: 'IQD' }), 'IQD 1.000');
  assert.equal(formatMoney({ amount: -250, currency: 'EUR' }), '-€2.50');
});

describe('in a real browser', { skip: browserSkipReason() }, () => {
  let server: Server;
  let base: string;
  let browser: Browser;

  before(async () => {
    const css = await readFile(new URL('./assets/app.css', import.meta.url), 'utf8');
    const pages: Record<string, string> = {
      '/': renderPage(<DemoPage account={ada} />),
      '/signed-out': renderPage(<DemoPage account={null} />),
      '/plain': renderPage(<Layout title="Portal" account={ada}><h1>Portal</h1></Layout>),
    };
    server = createServer((req, res) => {
      res.setHeader('content-security-policy', csp);
      const page = pages[req.url ?? ''];
      if (req.url === '/assets/app.css') res.writeHead(200, { 'content-type': 'text/css; charset=utf-8' }).end(css);
      else if (page) res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await launchBrowser();
  });

  after(async () => {
    await browser?.close();
    await new Promise((resolve) => server?.close(resolve));
  });

  /** Opens a path and collects what went wrong loading it: CSP refusals, failed requests, errors. */
  async function open(path: string, viewport: { width: number; height: number }) {
    const page = await openPage(browser, viewport);
    const problems: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('response', (r) => { if (r.status() >= 400) problems.push(`${r.status()} ${r.url()}`); });
    await page.goto(base + path);
    return { page, problems };
  }

  async function smallTouchTargets(page: Page): Promise<string[]> {
    return page.$$eval('button, input:not([type=hidden]), select, textarea, header a, footer a, a.button', (els) =>
      els
        .filter((el) => el.getBoundingClientRect().bottom > 0 && el.getBoundingClientRect().height < 44)
        .map((el) => `${el.tagName} ${el.textContent?.trim() || el.getAttribute('name')}`),
    );
  }

  for (const [name, viewport] of [['phone', phoneViewport], ['desktop', desktopViewport]] as const) {
    test(`signed in, on a ${name}: styled under the CSP, accessible, thumb-sized`, async () => {
      const { page, problems } = await open('/', viewport);
      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      assert.equal(background, 'rgb(246, 248, 251)', 'the stylesheet did not apply');
      await expectAccessible(page, `layout (${name})`);
      assert.deepEqual(await smallTouchTargets(page), []);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px`);
      await screenshot(page, `layout-${name}`);
      assert.deepEqual(problems, []);
      await closePage(page);
    });

    test(`signed out, on a ${name}`, async () => {
      const { page, problems } = await open('/signed-out', viewport);
      await expectAccessible(page, `layout signed out (${name})`);
      assert.deepEqual(await smallTouchTargets(page), []);
      await screenshot(page, `layout-signed-out-${name}`);
      assert.deepEqual(problems, []);
      await closePage(page);
    });
  }

  test('controls are found by the names tests rely on, with their descriptions', async () => {
    const { page } = await open('/', phoneViewport);
    const code = page.getByRole('textbox', { name: 'Promo code', exact: true });
    assert.equal(await code.inputValue(), hostile);
    assert.equal(await code.getAttribute('aria-invalid'), 'true');
    const describedBy = (await code.getAttribute('aria-describedby'))?.split(' ') ?? [];
    const description = await Promise.all(describedBy.map((id) => page.locator(`#${id}`).textContent()));
    assert.match(description.join(' '), /16 characters.*Error: Check the promo code/s);
    assert.equal(await page.getByRole('combobox', { name: 'Country', exact: true }).inputValue(), 'FI');
    assert.equal(await page.getByRole('button', { name: 'Submit', exact: true }).count(), 1);
    assert.equal(await page.getByRole('link', { name: 'Go to portal', exact: true }).count(), 1);
    assert.equal(await page.locator('script').count(), 0);
    await closePage(page);
  });

  test('a page with errors opens on the error summary', async () => {
    const { page } = await open('/', phoneViewport);
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'error-summary');
    await closePage(page);
  });

  test('the skip link is the first stop and lands in the main content', async () => {
    const { page } = await open('/plain', phoneViewport);
    await page.keyboard.press('Tab');
    const skip = page.getByRole('link', { name: 'Skip to main content' });
    assert.ok(await skip.evaluate((el) => el === document.activeElement && el.getBoundingClientRect().top >= 0));
    await screenshot(page, 'layout-skip-link-focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    await closePage(page);
  });
});
