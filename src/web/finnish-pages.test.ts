// The home and redeem pages rendered in Finnish in the states a person meets, errors included: no English
// may be left on them. Other modules list their pages in their own `*.finnish.test.ts`
// (src/testing/finnish-pages.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { englishLeftovers } from '../testing/english-leftovers.ts';
import { describePagesInFinnish, FINNISH_NAME, type PageCase } from '../testing/finnish-pages.ts';
import { createCampaignWithCodes, mistype, neverIssuedCode } from '../modules/redemptions/redemptions.testing.ts';

const NAME = FINNISH_NAME;
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

describePagesInFinnish('home and redeem pages in Finnish', PAGES);

test('the leftover check finds English that is not from the catalogue, and lets data through', () => {
  assert.deepEqual(englishLeftovers('<p>Enter the code from your pass</p><p>Kirjoita koodi</p>'), ['Enter the code from your pass']);
  assert.deepEqual(englishLeftovers('<button aria-label="Progress">x</button>'), ['Progress']);
  assert.deepEqual(englishLeftovers('<p>aino@example.test · ABCD-EFGH-JKLM-NPQR · cloudpass</p>'), []);
  assert.deepEqual(englishLeftovers('<p>Spring pass</p>', { allowed: ['Spring pass'] }), []);
});
