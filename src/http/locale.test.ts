import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase } from '../testing/harness.ts';

describeEachDatabase('the page language', (ctx) => {
  const page = (url: string, headers: Record<string, string> = {}) => ctx().app.inject({ url, headers: { accept: 'text/html', ...headers } });

  test('chosen from Accept-Language, English otherwise; <html lang> follows', async () => {
    const finnish = await page('/redeem', { 'accept-language': 'fi-FI,fi;q=0.9,en;q=0.5' });
    assert.match(finnish.body, /<html lang="fi">/);
    assert.match(finnish.body, /Luo tukipyyntö/);
    const swedish = await page('/redeem', { 'accept-language': 'sv-SE,sv;q=0.9' });
    assert.match(swedish.body, /<html lang="en">/);
    assert.match(swedish.body, /Create a support case/);
  });

  test('every page offers the other languages as a plain link that remembers the choice and comes back', async () => {
    const english = await page('/redeem?x=1');
    assert.match(english.body, /<a href="\/language\/fi\?returnTo=%2Fredeem%3Fx%3D1" lang="fi" hreflang="fi">Suomeksi<\/a>/);
    const switched = await ctx().app.inject({ url: '/language/fi?returnTo=%2Fredeem%3Fx%3D1' });
    assert.equal(switched.statusCode, 303);
    assert.equal(switched.headers.location, '/redeem?x=1');
    const cookie = switched.cookies.find((c) => c.name === 'cloudpass_lang');
    assert.equal(cookie?.value, 'fi');
    assert.ok(cookie?.httpOnly && cookie.maxAge! > 300 * 24 * 3600);
    // The choice beats the browser's language.
    const remembered = await page('/redeem', { cookie: 'cloudpass_lang=fi', 'accept-language': 'en' });
    assert.match(remembered.body, /<html lang="fi">/);
    assert.match(remembered.body, /In English/);
  });

  test('an unknown language or an outside returnTo changes nothing and goes home', async () => {
    const unknown = await ctx().app.inject({ url: '/language/xx?returnTo=//evil.example' });
    assert.equal(unknown.statusCode, 303);
    assert.equal(unknown.headers.location, '/');
    assert.equal(unknown.cookies.length, 0);
    const forged = await page('/redeem', { cookie: 'cloudpass_lang=xx' });
    assert.match(forged.body, /<html lang="en">/);
  });
});
