// Driving a page with the keyboard alone (Tab, Shift+Tab, Enter, Space, typing), as someone who cannot
// use a pointer does, and checking that wherever focus lands it can be seen.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

/** What the focused element is, and whether a focus indicator shows on it (outline or box-shadow). */
async function focused(page: Page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return undefined;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    const name = (el.getAttribute('aria-label') ?? (el as HTMLElement).innerText ?? el.getAttribute('name') ?? el.id ?? '').trim().slice(0, 60);
    return { tag: el.tagName.toLowerCase(), name, visible: outline || shadow };
  });
}

/**
 * Tabs through every control on the page, from the top, and fails on one whose focus cannot be seen.
 * Returns how many controls it visited.
 */
export async function expectFocusVisibleOnEveryControl(page: Page, label: string, max = 80): Promise<number> {
  await fromTop(page);
  const seen: string[] = [];
  let first: string | undefined;
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    if (!now) break; // past the last control
    const key = `${now.tag}:${now.name}:${i}`;
    const identity = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      return `${el.tagName}#${el.id}|${el.getAttribute('href') ?? ''}|${el.getAttribute('name') ?? ''}|${el.innerText?.slice(0, 40) ?? ''}`;
    });
    if (identity === first) break; // wrapped around
    first ??= identity;
    assert.ok(now.visible, `${label}: focus on <${now.tag}> "${now.name}" cannot be seen (no outline, no shadow)`);
    seen.push(key);
  }
  assert.ok(seen.length > 0, `${label}: Tab reached no control`);
  return seen.length;
}

/**
 * Presses Tab (from where focus is, wrapping past the end of the page) until the element matching the CSS
 * `selector` has focus; fails after `max` presses. The way a keyboard user reaches a control: no clicks, no
 * programmatic focus. Works with JavaScript off too (it asks the page's DOM through `:focus`, not a script).
 */
export async function tabTo(page: Page, selector: string, max = 80): Promise<void> {
  const focusedMatch = page.locator(selector.split(',').map((part) => `${part.trim()}:focus`).join(', '));
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await focusedMatch.count() > 0) return;
  }
  assert.fail(`Tab did not reach ${selector} in ${max} presses`);
}

/** Focus back to the top of the page, as after a new page loads. */
export async function fromTop(page: Page): Promise<void> {
  await page.evaluate(() => {
    // The body, focusable for a moment: the next Tab goes to the first control, as on a fresh page.
    document.body.setAttribute('tabindex', '-1');
    document.body.focus();
    document.body.removeAttribute('tabindex');
    window.scrollTo(0, 0);
  });
}
