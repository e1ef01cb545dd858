// The organization pages and the operator console's overview rendered in Finnish, in the states a person
// meets, errors included: no English may be left on them (src/testing/finnish-pages.ts). Creating an
// organization with a pass pending also ends back at the pass.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { apiKeyHeader, createAccount, uniqueEmail } from '../../testing/factories.ts';
import { describePagesInFinnish, FINNISH_NAME, type PageCase, type Visitor } from '../../testing/finnish-pages.ts';
import type { TestContext } from '../../testing/harness.ts';
import { createCampaignWithCodes } from '../redemptions/redemptions.testing.ts';
import { startTestProvider, type TestProvider } from './oidc-provider.fixture.ts';

const NAME = FINNISH_NAME;
const ORG = 'Kuusikon koulu';
const MEMBER = 'Eero Mäkinen';
const CAMPAIGN = 'Pilvityöpaja';
const PASSWORD = 'kuparinen niitty lyhty 7';

let provider: TestProvider;
before(async () => { provider = await startTestProvider({ redirectUri: 'http://localhost:3000/signin/organization/callback' }); });
after(() => provider.close());

let counter = 0;
/** Letters without vowels, so a domain shown on a page never holds an English word by chance. */
const lettersOf = (n: number) => n.toString(7).replace(/\d/g, (d) => 'hjkqvxz'.charAt(Number(d)));
const uniqueDomain = () => `kuusikko-${lettersOf(Date.now())}${lettersOf(counter++)}${lettersOf(process.pid)}.example`;

function expectRedirect(response: LightMyRequestResponse, location: string) {
  assert.equal(response.statusCode, 303, response.body.slice(0, 500));
  assert.equal(response.headers.location, location);
}

/** Creates an organization through its Finnish form, signed in as its admin; returns its domain. */
async function createOrganization(v: Visitor, fields: Record<string, string> = {}): Promise<{ domain: string; response: LightMyRequestResponse }> {
  const domain = uniqueDomain();
  await v.get('/signup/organization');
  const response = await v.post('/signup/organization', {
    name: ORG, domain, email: `aino@${domain}`, password: PASSWORD, displayName: NAME, country: 'FI', ...fields,
  });
  return { domain, response };
}

/** An organization with its admin signed in, on its page. */
async function asAdmin(v: Visitor): Promise<{ domain: string }> {
  const { domain, response } = await createOrganization(v);
  expectRedirect(response, '/organization');
  return { domain };
}

/** The first member with a remove link: never the admin looking at the page. */
const removableIdOn = (html: string) => /\/organization\/members\/([^/"]+)\/remove/.exec(html)?.[1];

async function addMember(v: Visitor): Promise<{ id: string; email: string }> {
  const email = uniqueEmail('eero');
  expectRedirect(await v.post('/organization/members', { email, displayName: MEMBER, country: 'SE', role: 'member' }), '/organization');
  const id = removableIdOn((await v.get('/organization')).body);
  assert.ok(id, 'the new member has a remove link');
  return { id, email };
}

async function organizationId(ctx: TestContext, domain: string): Promise<string> {
  const found = await ctx.app.services.organizationDomains.findByEmailDomain(`x@${domain}`);
  if (found) return found.id;
  const row = await ctx.app.services.db.selectFrom('organization_domains').select('organization_id').where('domain', '=', domain).executeTakeFirstOrThrow();
  return row.organization_id;
}

async function verifyByOperator(ctx: TestContext, domain: string) {
  const id = await organizationId(ctx, domain);
  const verified = await ctx.app.inject({
    method: 'POST', url: `/api/v1/organizations/${id}/domains/${domain}/verify`, headers: { authorization: await apiKeyHeader(ctx.app, 'operator') },
  });
  assert.equal(verified.statusCode, 200, verified.body);
}

async function withProvider(v: Visitor, ctx: TestContext): Promise<{ domain: string }> {
  const { domain } = await asAdmin(v);
  await v.get('/organization');
  expectRedirect(await v.post('/organization/oidc', { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret }), '/organization');
  await verifyByOperator(ctx, domain);
  return { domain };
}

/** An invited member's token, issued the way the invitation mail's is. */
async function invitationToken(v: Visitor, ctx: TestContext): Promise<string> {
  await asAdmin(v);
  await v.get('/organization');
  const { id } = await addMember(v);
  return ctx.app.services.accounts.issueToken(ctx.app.services.db, id, 'invite', 60 * 60 * 1000);
}

const ADMIN_PAGE = [ORG, NAME, MEMBER];

const PAGES: PageCase[] = [
  // ---- creating an organization ----
  { name: 'create an organization', visit: (v) => v.get('/signup/organization') },
  { name: 'create an organization, every field wrong', status: 400, visit: async (v) => {
    await v.get('/signup/organization');
    return v.post('/signup/organization', { name: '', domain: 'ei verkkotunnus', email: 'aino', password: 'password', displayName: '', country: '' });
  } },
  { name: 'create an organization, a common password', status: 400, allowed: [ORG, NAME], visit: async (v) => (await createOrganization(v, { password: 'password' })).response },
  { name: 'create an organization while a pass is pending', visit: async (v, ctx) => {
    const c = await createCampaignWithCodes(ctx.app, ctx.config, { name: CAMPAIGN });
    await v.get('/redeem');
    await v.post('/redeem', { country: 'FI', code: c.codes[0]! });
    const page = await v.get('/signup/organization');
    assert.match(page.body, /Kampanjakoodisi odottaa sinua/);
    assert.match(page.body, /<option value="FI" selected/, 'the country picked for the pass');
    return page;
  } },
  { name: 'an organization created with a pass pending ends back at the pass', allowed: [CAMPAIGN, NAME], visit: async (v, ctx) => {
    const c = await createCampaignWithCodes(ctx.app, ctx.config, { name: CAMPAIGN });
    await v.get('/redeem');
    await v.post('/redeem', { country: 'FI', code: c.codes[0]! });
    const { response } = await createOrganization(v);
    expectRedirect(response, '/redeem/confirm');
    // The new admin confirms their email first; the pass waits, and the page names it.
    const pass = await v.get('/redeem/confirm');
    assert.match(pass.body, new RegExp(CAMPAIGN));
    return pass;
  } },

  // ---- the organization's page ----
  { name: 'organization page, just created', allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    const page = await v.get('/organization');
    assert.match(page.body, new RegExp(`${ORG} on valmis`));
    return page;
  } },
  { name: 'organization page, a personal account', status: 403, allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/organization'); } },
  { name: 'organization page, a member who is not an admin', status: 403, allowed: [ORG, NAME], visit: async (v, ctx) => {
    const { organization } = await ctx.app.services.organizations.createOrganization({
      name: ORG, domain: null, admin: { email: uniqueEmail('admin'), password: PASSWORD, displayName: 'Ylläpitäjä', country: 'FI', locale: 'fi' },
    });
    await v.signIn({ kind: 'organizational', organizationId: organization.id });
    return v.get('/organization');
  } },

  // ---- members ----
  { name: 'add a member', allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    await addMember(v);
    const page = await v.get('/organization');
    assert.match(page.body, /Kutsuttu/);
    return page;
  } },
  { name: 'add a member, every field wrong', status: 400, allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    return v.post('/organization/members', { email: 'eero', displayName: '', country: '', role: 'member' });
  } },
  { name: 'add a member who is one already', status: 409, allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    const { email } = await addMember(v);
    return v.post('/organization/members', { email, displayName: MEMBER, country: 'SE', role: 'member' });
  } },
  { name: 'make a member an admin', allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    const { id } = await addMember(v);
    expectRedirect(await v.post(`/organization/members/${id}/role`, { role: 'admin' }), '/organization');
    const page = await v.get('/organization');
    assert.match(page.body, new RegExp(`${MEMBER} on nyt ylläpitäjä`));
    return page;
  } },
  { name: 'remove a member, the confirmation', allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    const { id } = await addMember(v);
    return v.get(`/organization/members/${id}/remove`);
  } },
  { name: 'remove a member, done', allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    const { id } = await addMember(v);
    await v.get(`/organization/members/${id}/remove`);
    expectRedirect(await v.post(`/organization/members/${id}/remove`, {}), '/organization');
    return v.get('/organization');
  } },
  { name: 'remove yourself, refused', status: 409, allowed: ADMIN_PAGE, visit: async (v, ctx) => {
    const { domain } = await asAdmin(v);
    await v.get('/organization');
    const me = await ctx.app.services.db.selectFrom('accounts').select('id').where('email', '=', `aino@${domain}`).executeTakeFirstOrThrow();
    return v.post(`/organization/members/${me.id}/remove`, {});
  } },

  // ---- domains ----
  { name: 'add a domain, not a domain', status: 400, allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    return v.post('/organization/domains', { domain: 'ei verkkotunnus' });
  } },
  { name: 'add a domain', allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    expectRedirect(await v.post('/organization/domains', { domain: uniqueDomain() }), '/organization');
    return v.get('/organization');
  } },
  { name: 'a verified domain', allowed: ADMIN_PAGE, visit: async (v, ctx) => {
    const { domain } = await asAdmin(v);
    await verifyByOperator(ctx, domain);
    const page = await v.get('/organization');
    assert.match(page.body, /Vahvistettu/);
    return page;
  } },
  { name: 'remove a domain', allowed: ADMIN_PAGE, visit: async (v) => {
    const { domain } = await asAdmin(v);
    await v.get('/organization');
    expectRedirect(await v.post(`/organization/domains/${domain}/remove`, {}), '/organization');
    return v.get('/organization');
  } },

  // ---- the identity provider ----
  { name: 'identity provider, every field wrong', status: 400, allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    return v.post('/organization/oidc', { issuer: 'ftp://tunnistus', clientId: '', clientSecret: '' });
  } },
  { name: 'identity provider that does not answer', status: 422, allowed: ADMIN_PAGE, visit: async (v) => {
    await asAdmin(v);
    await v.get('/organization');
    return v.post('/organization/oidc', { issuer: 'http://127.0.0.1:9', clientId: 'kuusikko', clientSecret: 'salaisuus-joka-on-tarpeeksi-pitka' });
  } },
  { name: 'identity provider saved', allowed: ADMIN_PAGE, visit: async (v, ctx) => {
    await withProvider(v, ctx);
    const page = await v.get('/organization');
    assert.match(page.body, /Tunnistuspalvelusi on tallennettu/);
    return page;
  } },
  { name: 'identity provider turned off', allowed: ADMIN_PAGE, visit: async (v, ctx) => {
    await withProvider(v, ctx);
    await v.get('/organization');
    expectRedirect(await v.post('/organization/oidc/remove', {}), '/organization');
    return v.get('/organization');
  } },

  // ---- signing in through the organization ----
  { name: 'sign in with your organization', visit: (v) => v.get('/signin/organization') },
  { name: 'sign in with your organization, no email', status: 400, visit: async (v) => {
    await v.get('/signin/organization');
    return v.post('/signin/organization', { email: '' });
  } },
  { name: 'sign in with your organization, an unknown domain', status: 404, visit: async (v) => {
    await v.get('/signin/organization');
    return v.post('/signin/organization', { email: `aino@${uniqueDomain()}` });
  } },
  { name: 'sign in with your organization, one that uses passwords', status: 404, allowed: [ORG], visit: async (v, ctx) => {
    const { domain } = await asAdmin(v);
    await verifyByOperator(ctx, domain);
    await v.get('/signin/organization');
    return v.post('/signin/organization', { email: `eero@${domain}` });
  } },
  { name: 'sign in with your organization, on the way to its provider', allowed: [ORG, NAME], visit: async (v, ctx) => {
    const { domain } = await withProvider(v, ctx);
    await v.get('/signin/organization');
    return v.post('/signin/organization', { email: `eero@${domain}` });
  } },
  { name: 'sign in with your organization, an organization that is not there', status: 404, visit: (v) => v.get('/signin/organization/00000000-0000-0000-0000-000000000000/start') },
  { name: 'sign in with your organization, expired', status: 400, visit: (v) => v.get('/signin/organization/callback?code=x&state=y') },

  // ---- invitations ----
  { name: 'invitation', allowed: [ORG], visit: async (v, ctx) => {
    const token = await invitationToken(v, ctx);
    return v.get(`/invitation?token=${encodeURIComponent(token)}`);
  } },
  { name: 'invitation, a common password', status: 400, allowed: [ORG], visit: async (v, ctx) => {
    const token = await invitationToken(v, ctx);
    await v.get(`/invitation?token=${encodeURIComponent(token)}`);
    return v.post('/invitation', { token, password: 'password' });
  } },
  { name: 'invitation, a link cut short', visit: (v) => v.get('/invitation') },
  { name: 'invitation, no longer valid', status: 410, visit: (v) => v.get(`/invitation?token=${'x'.repeat(43)}`) },

  // ---- the operator console ----
  { name: 'operator console overview', allowed: [NAME], visit: async (v, ctx) => {
    const operator = await createAccount(ctx.app, ctx.config, { operatorAdmin: true, displayName: NAME });
    v.useCookie(operator.cookie);
    const actor = { type: 'admin' as const, id: operator.id, label: operator.email };
    for (let i = 0; i < 5; i++) {
      await ctx.app.services.campaigns.create({ name: `${CAMPAIGN} ${i}`, credit: { amount: 100, currency: 'EUR' }, validityDays: 5, redeemBy: '2099-01-01' }, actor);
    }
    const page = await v.get('/admin');
    assert.match(page.body, /campaign\.created/);
    return page;
  } },
  { name: 'operator console mail outbox', allowed: [NAME, ORG], visit: async (v, ctx) => {
    await asAdmin(v); // a verification mail, in Finnish
    const operator = await createAccount(ctx.app, ctx.config, { operatorAdmin: true, displayName: NAME });
    v.useCookie(operator.cookie);
    return v.get('/admin/outbox');
  } },
  { name: 'operator console, not an operator', status: 403, allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/admin'); } },
];

// The test provider lives on 127.0.0.1, which only development and tests may use.
describePagesInFinnish('organization pages and the operator console in Finnish', PAGES, { env: { OIDC_ALLOW_PRIVATE_PROVIDERS: 'true' } });
