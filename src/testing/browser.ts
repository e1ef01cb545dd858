import assert, { AssertionError } from 'node:assert';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AxeBuilder } from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Config } from '../config.ts';
import { sessionCookieName } from '../http/auth.ts';

/** Debian's Chromium; playwright-core brings no browser of its own. */
export const chromiumPath = '/usr/bin/chromium';

export const phoneViewport = { width: 390, height: 844 };
export const desktopViewport = { width: 1280, height: 900 };

const screenshotDir = fileURLToPath(new URL('../../tmp/screenshots/', import.meta.url));

/** For `test(name, { skip: browserSkipReason() }, …)`: undefined when Chromium is there. */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  return `Chromium not found at ${chromiumPath}: browser tests skipped (apt-get install chromium)`;
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** A page in a context of its own (axe refuses pages from `browser.newPage()`); close it with `closePage`. */
export async function openPage(browser: Browser, viewport = phoneViewport): Promise<Page> {
  const context = await browser.newContext({ viewport });
  return context.newPage();
}

export async function closePage(page: Page): Promise<void> {
  await page.context().close();
}

/** A context of its own, signed in as `account` (a factory's session cookie) on the server at `base`, or signed out. */
export async function contextAs(
  browser: Browser, server: { base: string; config: Config }, account: { cookie: string } | null,
  options: { viewport?: { width: number; height: number }; javaScriptEnabled?: boolean } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: options.viewport ?? phoneViewport, javaScriptEnabled: options.javaScriptEnabled ?? true });
  if (account) {
    const token = account.cookie.split('=')[1]!;
    await context.addCookies([{ name: sessionCookieName(server.config), value: token, url: server.base, httpOnly: true, sameSite: 'Lax' }]);
  }
  return context;
}

/** Fails when the page is wider than the viewport (sideways scrolling, on a phone above all). */
export async function expectNoSidewaysScroll(page: Page, label: string): Promise<void> {
  const overflow = await onSettledPage(page, () =>
    page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth));
  assert.ok(overflow <= 0, `${label} scrolls sideways by ${overflow}px at ${page.viewportSize()?.width}px`);
}

/** Fails on any serious or critical WCAG 2.1 A/AA violation axe finds on the page as it is now. */
export async function expectAccessible(page: Page, label: string): Promise<void> {
  const results = await onSettledPage(page, () =>
    new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze());
  const blocking = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (blocking.length === 0) return;
  const report = blocking
    .map((v) => {
      const targets = v.nodes.map((n) => `    ${n.target.join(' ')}`).join('\n');
      return `  ${v.id} (${v.impact}): ${v.help}\n${targets}`;
    })
    .join('\n');
  throw new AssertionError({ message: `Accessibility violations on ${label}:\n${report}` });
}

/**
 * Runs a check on the page as it is; a page that reloads itself (the status page, when setup finishes)
 * can navigate meanwhile, and then the check runs again on the new page once it has loaded.
 */
async function onSettledPage<T>(page: Page, check: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await check();
    } catch (error) {
      if (attempt === 3 || !/Execution context was destroyed|navigation/i.test(String(error))) throw error;
      await page.waitForLoadState('load');
    }
  }
}

/**
 * Runs a navigation the test starts (reload, back) on a page that may reload itself meanwhile (the status
 * page, when setup finishes): an aborted navigation then only means the page is already the newer one.
 */
export async function navigateAllowingSelfReload(page: Page, navigate: () => Promise<unknown>): Promise<void> {
  try {
    await navigate();
  } catch (error) {
    if (!/ERR_ABORTED|frame was detached|Execution context was destroyed|Not attached to an active page/i.test(String(error))) throw error;
    await page.waitForLoadState('load');
  }
}

/** Saves a full-page PNG to tmp/screenshots/<name>.png, for people to look at; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(screenshotDir, { recursive: true });
  const path = `${screenshotDir}${name.replace(/[^\w.-]+/g, '-')}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}
