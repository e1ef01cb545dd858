// Every page that speaks through the catalogue, rendered in Finnish (Accept-Language: fi) in the states a
// person meets, including the ones that show errors: no English may be left on it. To check another page,
// add a case to PAGES: how to get there (a visitor with a cookie jar does GETs and form POSTs), and the
// data the test itself put on the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createAccount } from '../testing/factories.ts';
import { englishLeftovers } from '../testing/english-leftovers.ts';
import { describeEachDatabase, type TestContext } from '../testing/harness.ts';
import {
  CookieJar, createCampaignWithCodes, csrfTokenOf, mistype, neverIssuedCode, uniqueAddress,
} from '../modules/redemptions/redemptions.testing.ts';

interface Visitor {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Signs in as a new verified personal account with a Finnish name. */
  signIn(options?: Parameters<typeof createAccount>[2]): Promise<{ id: string; email: string }>;
}

interface PageCase {
  name: string;
  /** Ends on the page to check; returns its response. */
  visit: (v: Visitor, ctx: TestContext) => Promise<LightMyRequestResponse>;
  /** Text the case put on the page itself. */
  allowed?: string[];
  status?: number;
}

const NAME = 'Aino Virtanen';
const CAMPAIGN = 'Pilvityöpaja';

const PAGES: PageCase[] = [
  { name: 'home', visit: (v) => v.get('/') },
  { name: 'home, signed in', visit: async (v) => { await v.signIn(); return v.get('/'); }, allowed: [NAME] },
  { name: 'redeem', visit: (v) => v.get('/redeem') },
  { name: 'redeem, empty form', status: 400, visit: async (v) => { await v.get('/redeem'); return v.post('/redeem', { country: '', code: '' }); } },
  { name: 'redeem, a typo', status: 422, visit: async (v, ctx) => {
    const c = await createCampaignWithCodes(ctx.app, ctx.config, { name: CAMPAIGN });
    await v.get('/redeem');
    return v.post('/redeem', { country: 'FI', code: mistype(c.codes[0]!) });
  } },
  { name: 'redeem, a code never issued', status: 404, visit: async (v) => { await v.get('/redeem'); return v.post('/redeem', { country: 'FI', code: neverIssuedCode() }); } },
  { name: 'redeem, a country the pass is not for', status: 403, allowed: [CAMPAIGN], visit: async (v, ctx) => {
    const c = await createCampaignWithCodes(ctx.app, ctx.config, { name: CAMPAIGN, countries: ['SE'] });
    await v.get('/redeem');
    return v.post('/redeem', { country: 'FI', code: c.codes[0]! });
  } },
  { name: 'sign in to receive the pass', allowed: [CAMPAIGN], visit: async (v, ctx) => {
    const c = await createCampaignWithCodes(ctx.app, ctx.config, { name: CAMPAIGN });
    await v.get('/redeem');
    await v.post('/redeem', { country: 'FI', code: c.codes[0]! });
    return v.get('/redeem/confirm');
  } },
  { name: 'confirm the pass', allowed: [CAMPAIGN, NAME], visit: async (v, ctx) => {
    const c = await createCampaignWithCodes(ctx.app, ctx.config, { name: CAMPAIGN });
    await v.signIn();
    await v.get('/redeem');
    await v.post('/redeem', { country: 'FI', code: c.codes[0]! });
    return v.get('/redeem/confirm');
  } },
  { name: 'confirm your email first', allowed: [CAMPAIGN, NAME], visit: async (v, ctx) => {
    const c = await createCampaignWithCodes(ctx.app, ctx.config, { name: CAMPAIGN });
    await v.signIn({ verified: false });
    await v.get('/redeem');
    await v.post('/redeem', { country: 'FI', code: c.codes[0]! });
    return v.get('/redeem/confirm?sent=1');
  } },
  { name: 'use another account', allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/redeem/switch-account'); } },
];

describeEachDatabase('pages in Finnish', (ctx) => {
  function visitor(): Visitor {
    const jar = new CookieJar();
    const remoteAddress = uniqueAddress();
    let lastHtml = '';
    const headers = () => ({ cookie: jar.header(), accept: 'text/html', 'accept-language': 'fi-FI,fi;q=0.9,en;q=0.5' });
    const keep = (response: LightMyRequestResponse) => {
      jar.take(response);
      if (response.headers['content-type']?.toString().startsWith('text/html')) lastHtml = response.body;
      return response;
    };
    return {
      get: async (url) => keep(await ctx().app.inject({ url, headers: headers(), remoteAddress })),
      post: async (url, fields) => keep(await ctx().app.inject({
        method: 'POST', url, remoteAddress, headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ _csrf: csrfTokenOf(lastHtml), ...fields }).toString(),
      })),
      signIn: async (options = {}) => {
        const made = await createAccount(ctx().app, ctx().config, { displayName: NAME, ...options });
        const [name, token] = made.cookie.split('=') as [string, string];
        jar.set(name, token);
        return made;
      },
    };
  }

  for (const page of PAGES) {
    test(page.name, async () => {
      const response = await page.visit(visitor(), ctx());
      assert.equal(response.statusCode, page.status ?? 200, `${page.name}: ${response.headers.location ?? ''}`);
      assert.match(response.body, /<html lang="fi">/);
      assert.deepEqual(englishLeftovers(response.body, { allowed: page.allowed }), [], `${page.name}: English left on the page`);
    });
  }
});

test('the leftover check finds English that is not from the catalogue, and lets data through', () => {
  assert.deepEqual(englishLeftovers('<p>Enter the code from your pass</p><p>Kirjoita koodi</p>'), ['Enter the code from your pass']);
  assert.deepEqual(englishLeftovers('<button aria-label="Progress">x</button>'), ['Progress']);
  assert.deepEqual(englishLeftovers('<p>aino@example.test · ABCD-EFGH-JKLM-NPQR · cloudpass</p>'), []);
  assert.deepEqual(englishLeftovers('<p>Spring pass</p>', { allowed: ['Spring pass'] }), []);
});
