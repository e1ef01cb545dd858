// Signing in through an organization's own OpenID Connect provider, against a real provider (panva's
// oidc-provider) on 127.0.0.1, on SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../../app.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { apiKeyHeader, uniqueEmail } from '../../testing/factories.ts';
import { sessionCookie } from '../../testing/pages.ts';
import { authorizeAtProvider, startTestProvider, type TestProvider } from './oidc-provider.fixture.ts';
import { createPass } from '../subscriptions/subscriptions.testing.ts';

const APP_ORIGIN = 'http://localhost:3000';
const PASSWORD = 'granite harbour pixel 9';
let provider: TestProvider;
before(async () => { provider = await startTestProvider({ redirectUri: `${APP_ORIGIN}/signin/organization/callback` }); });
after(() => provider.close());

let counter = 0;
const unique = (prefix: string) => `${prefix}${Date.now().toString(36)}${(counter++).toString(36)}`;

/** An organization whose admin has registered the test provider. */
async function organizationWithProvider(app: App, options: { verifiedDomain?: boolean } = {}) {
  const domain = `${unique('oidc')}.example`;
  const created = await app.inject({
    method: 'POST', url: '/api/v1/organizations',
    payload: { name: `Org ${domain}`, domain, admin: { email: `admin@${domain}`, password: PASSWORD, displayName: 'Admin', country: 'DE' } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const { organization, account } = created.json<{ organization: { id: string; name: string }; account: { id: string } }>();
  const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email: `admin@${domain}`, password: PASSWORD }, remoteAddress: `10.88.0.${counter % 250}` });
  const adminCookie = sessionCookie(signIn)!;
  const saved = await app.inject({
    method: 'PUT', url: `/api/v1/organizations/${organization.id}/oidc`, headers: { cookie: adminCookie },
    payload: { issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret },
  });
  assert.equal(saved.statusCode, 200, saved.body);
  if (options.verifiedDomain) {
    const verified = await app.inject({ method: 'POST', url: `/api/v1/organizations/${organization.id}/domains/${domain}/verify`, headers: { authorization: await apiKeyHeader(app, 'operator') } });
    assert.equal(verified.statusCode, 200, verified.body);
  }
  return { organization, adminId: account.id, adminCookie, domain };
}

/** The browser's round trip: start at cloudpass, sign in at the provider as `sub`, come back to the callback. */
async function signInThroughProvider(app: App, start: string, sub: string) {
  const started = await app.inject({ url: start, headers: { accept: 'text/html' } });
  assert.equal(started.statusCode, 303, started.body);
  const location = String(started.headers.location);
  assert.ok(location.startsWith(`${provider.issuer}/auth?`), location);
  const cookie = sessionCookie(started)!;
  const callback = await authorizeAtProvider(location, sub, APP_ORIGIN);
  const done = await app.inject({ url: callback.pathname + callback.search, headers: { accept: 'text/html', cookie } });
  return { done, callback, authorizationUrl: new URL(location), startCookie: cookie };
}

const me = async (app: App, response: LightMyRequestResponse) =>
  (await app.inject({ url: '/api/v1/me', headers: { cookie: sessionCookie(response)! } })).json<{ id: string; email: string; kind: string; emailVerified: boolean; organization: { id: string } | null }>();

describeEachDatabase('organization sign-in through OpenID Connect', (ctx) => {
  test('an admin registers the provider: discovery is checked and the secret is stored encrypted, never shown', async () => {
    const { app } = ctx();
    const { organization, adminCookie } = await organizationWithProvider(app);
    const put = (payload: object) => app.inject({ method: 'PUT', url: `/api/v1/organizations/${organization.id}/oidc`, headers: { cookie: adminCookie }, payload });

    const nowhere = await put({ issuer: 'http://127.0.0.1:9/', clientId: 'x', clientSecret: 'y' });
    assert.equal(nowhere.statusCode, 422);
    assert.equal(nowhere.json().code, 'oidc_discovery_failed');
    const insecure = await put({ issuer: 'http://login.example.com', clientId: 'x', clientSecret: 'y' });
    assert.equal(insecure.statusCode, 400);
    assert.equal(insecure.json().errors[0].path, 'issuer');
    // Private and local addresses are refused without OIDC_ALLOW_PRIVATE_PROVIDERS: provider-addresses.test.ts.
    const missing = await put({ issuer: provider.issuer, clientId: '' });
    assert.equal(missing.statusCode, 400);

    const row = await app.services.db.selectFrom('organizations').selectAll().where('id', '=', organization.id).executeTakeFirstOrThrow();
    assert.equal(row.oidc_issuer, provider.issuer, 'failed saves changed nothing');
    assert.match(row.oidc_client_secret!, /^v1\./);
    assert.ok(!row.oidc_client_secret!.includes(provider.clientSecret));

    const kept = await put({ issuer: provider.issuer, clientId: provider.clientId });
    assert.equal(kept.statusCode, 200, 'an empty secret keeps the stored one');
    const read = await app.inject({ url: `/api/v1/organizations/${organization.id}`, headers: { cookie: adminCookie } });
    assert.equal(read.json().oidc.issuer, provider.issuer);
    assert.equal(read.json().oidc.redirectUri, `${APP_ORIGIN}/signin/organization/callback`);
    assert.ok(!read.body.includes(provider.clientSecret));
    const page = await app.inject({ url: '/organization', headers: { accept: 'text/html', cookie: adminCookie } });
    assert.ok(!page.body.includes(provider.clientSecret));
    assert.match(page.body, /Stored encrypted/);
    const audit = await app.services.audit.list({ subjectId: organization.id });
    assert.ok(audit.some((e) => e.action === 'organization.oidc_configured'));
    assert.ok(!JSON.stringify(audit).includes(provider.clientSecret));
  });

  test('an existing member, found by verified email, signs in; the next time by their subject', async () => {
    const { app } = ctx();
    const { organization, adminCookie, domain } = await organizationWithProvider(app);
    const email = `member@${domain}`;
    const invited = await app.inject({ method: 'POST', url: `/api/v1/organizations/${organization.id}/members`, headers: { cookie: adminCookie }, payload: { email, displayName: 'Mia Member', country: 'FI' } });
    assert.equal(invited.statusCode, 201);
    const sub = unique('sub-member-');
    provider.addPerson({ sub, email: email.toUpperCase(), name: 'Mia M.' });

    const first = await signInThroughProvider(app, `/signin/organization/${organization.id}/start`, sub);
    assert.equal(first.done.statusCode, 303, first.done.body);
    assert.equal(first.done.headers.location, '/account');
    assert.ok(first.authorizationUrl.searchParams.get('code_challenge'), 'PKCE');
    assert.equal(first.authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
    assert.notEqual(sessionCookie(first.done), first.startCookie, 'a new session token at sign-in');
    const account = await me(app, first.done);
    assert.equal(account.id, invited.json().id);
    assert.equal(account.kind, 'organizational');
    assert.equal(account.emailVerified, true);

    provider.addPerson({ sub, email: `renamed@${domain}` });
    const second = await signInThroughProvider(app, `/signin/organization/${organization.id}/start`, sub);
    assert.equal(second.done.statusCode, 303, second.done.body);
    assert.equal((await me(app, second.done)).id, invited.json().id, 'matched by subject, whatever the email says now');

    const replay = await app.inject({ url: second.callback.pathname + second.callback.search, headers: { accept: 'text/html', cookie: sessionCookie(second.done)! } });
    assert.equal(replay.statusCode, 400, 'a callback is used once');
  });

  test('a person whose email domain is verified joins on first sign-in, and comes back where they were going', async () => {
    const { app } = ctx();
    const { organization, adminCookie, domain } = await organizationWithProvider(app, { verifiedDomain: true });
    const sub = unique('sub-new-');
    const email = `newcomer@${domain}`;
    provider.addPerson({ sub, email, name: 'Nia Newcomer' });
    const { done } = await signInThroughProvider(app, `/signin/organization/${organization.id}/start?returnTo=${encodeURIComponent('/redeem?x=1')}`, sub);
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/redeem?x=1');
    const account = await me(app, done);
    assert.equal(account.email, email);
    assert.equal(account.kind, 'organizational');
    assert.equal(account.organization?.id, organization.id);
    assert.equal(account.emailVerified, true);
    const members = await app.inject({ url: `/api/v1/organizations/${organization.id}/members`, headers: { cookie: adminCookie } });
    const joined = members.json().items.find((m: { email: string }) => m.email === email);
    assert.deepEqual([joined.role, joined.status, joined.displayName, joined.country], ['member', 'active', 'Nia Newcomer', 'DE']);
    assert.ok((await app.services.audit.list({ subjectId: account.id })).some((e) => e.action === 'organization.member_joined'));

    // They have no cloudpass password, so their account page offers none to change.
    const page = await app.inject({ url: '/account', headers: { cookie: sessionCookie(done)! } });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /Change password/);
    assert.ok(page.body.includes(`You sign in with ${organization.name}`), 'says where the password is kept');
  });

  test('signing in through the provider leads to a pass that waits for activation, as a password sign-in does', async () => {
    const { app } = ctx();
    const { organization, domain } = await organizationWithProvider(app, { verifiedDomain: true });
    const sub = unique('sub-pass-');
    provider.addPerson({ sub, email: `pia@${domain}`, name: 'Pia Pass' });
    const first = await signInThroughProvider(app, `/signin/organization/${organization.id}/start`, sub);
    assert.equal(first.done.headers.location, '/account', 'nothing waits yet');
    const pass = await createPass(app, { id: (await me(app, first.done)).id });
    const again = await signInThroughProvider(app, `/signin/organization/${organization.id}/start`, sub);
    assert.equal(again.done.statusCode, 303, again.done.body);
    assert.equal(again.done.headers.location, `/activate/${pass.redemptionId}`);
  });

  test('a person whose domain is not verified, or whose email is not confirmed, is refused with a clear page', async () => {
    const { app } = ctx();
    const { organization, domain } = await organizationWithProvider(app);
    const count = async () => (await app.services.db.selectFrom('accounts').select('id').where('organization_id', '=', organization.id).execute()).length;
    const before = await count();

    const outsider = unique('sub-out-');
    provider.addPerson({ sub: outsider, email: `someone@${domain}` });
    const refused = await signInThroughProvider(app, `/signin/organization/${organization.id}/start`, outsider);
    assert.equal(refused.done.statusCode, 403);
    assert.match(refused.done.body, /You are not a member of Org /);
    assert.match(refused.done.body, /Ask an admin of/);
    assert.equal(sessionCookie(refused.done), undefined, 'no new session');

    const { organization: open, domain: openDomain } = await organizationWithProvider(app, { verifiedDomain: true });
    const unconfirmed = unique('sub-unconfirmed-');
    provider.addPerson({ sub: unconfirmed, email: `someone@${openDomain}`, emailVerified: false });
    const notConfirmed = await signInThroughProvider(app, `/signin/organization/${open.id}/start`, unconfirmed);
    assert.equal(notConfirmed.done.statusCode, 403);
    assert.match(notConfirmed.done.body, /did not confirm your email/);
    assert.equal(await count(), before);
  });

  test('the organization sign-in page finds the organization by the email domain', async () => {
    const { app } = ctx();
    const { organization, domain } = await organizationWithProvider(app, { verifiedDomain: true });
    const page = await app.inject({ url: '/signin/organization', headers: { accept: 'text/html' } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<label[^>]*>Work email<\/label>/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = sessionCookie(page)!;
    const post = (email: string) => app.inject({
      method: 'POST', url: '/signin/organization', headers: { accept: 'text/html', cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, email }).toString(),
    });
    // The form's answer continues by a Refresh header and a link (form-action 'self' forbids a redirect away).
    const found = await post(`Pat@${domain.toUpperCase()}`);
    assert.equal(found.statusCode, 200, found.body);
    assert.match(found.body, new RegExp(`Continue to Org ${domain.replace(/\./g, '\\.')}`));
    const start = /^0;url=(.+)$/.exec(String(found.headers.refresh))![1]!;
    assert.ok(found.body.includes(`href="${start.replace(/&/g, '&amp;')}"`), 'the link goes to the same place');
    const started = await app.inject({ url: start, headers: { accept: 'text/html', cookie } });
    assert.equal(started.statusCode, 303);
    const location = new URL(String(started.headers.location));
    assert.equal(location.origin, provider.issuer);
    assert.equal(location.searchParams.get('login_hint'), `Pat@${domain.toUpperCase()}`);

    const unknown = await post(uniqueEmail());
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /No organization on cloudpass signs in people with @/);
    assert.match(unknown.body, /value="person\./, 'the email is kept');
    assert.ok(organization.id);
  });

  test('a callback that was not started here, or has a wrong state, signs nobody in', async () => {
    const { app } = ctx();
    const { organization, domain } = await organizationWithProvider(app, { verifiedDomain: true });
    const cold = await app.inject({ url: '/signin/organization/callback?code=abc&state=def', headers: { accept: 'text/html' } });
    assert.equal(cold.statusCode, 400);
    assert.match(cold.body, /expired/);

    const sub = unique('sub-state-');
    provider.addPerson({ sub, email: `state@${domain}` });
    const started = await app.inject({ url: `/signin/organization/${organization.id}/start`, headers: { accept: 'text/html' } });
    const cookie = sessionCookie(started)!;
    const callback = await authorizeAtProvider(String(started.headers.location), sub, APP_ORIGIN);
    callback.searchParams.set('state', 'forged');
    const forged = await app.inject({ url: callback.pathname + callback.search, headers: { accept: 'text/html', cookie } });
    assert.equal(forged.statusCode, 400);
    assert.equal(sessionCookie(forged), undefined);

    const notConfigured = await app.inject({
      method: 'POST', url: '/api/v1/organizations', payload: { name: 'Plain', admin: { email: uniqueEmail(), password: PASSWORD, displayName: 'P', country: 'FI' } },
    });
    const start = await app.inject({ url: `/signin/organization/${notConfigured.json().organization.id}/start`, headers: { accept: 'text/html' } });
    assert.equal(start.statusCode, 404);
    assert.match(start.body, /has not set up sign-in/);
  });
}, { env: { OIDC_ALLOW_PRIVATE_PROVIDERS: 'true' } });
