// Organizations through the HTTP API and the pages, on SQLite and PostgreSQL: creation, members and their
// invitations (read from a real SMTP receiver), removal, who may do what, and domain verification.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { App } from '../../app.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { apiKeyHeader, createAccount, signedInCookie, uniqueEmail } from '../../testing/factories.ts';
import { getPage, openPage, postForm, sessionCookie } from '../../testing/pages.ts';
import { createCampaignWithCodes } from '../redemptions/redemptions.testing.ts';
import { linkToken, startSmtpReceiver } from '../mail/smtp-receiver.ts';
import { createDomainService } from './domains.service.ts';
import { normalizeDomain } from './domains.ts';
import { openSecret, sealSecret } from '../../lib/secret-box.ts';
import { parseIssuer } from './oidc-client.ts';

const receiver = await startSmtpReceiver();
after(() => receiver.close());

const PASSWORD = 'copper meadow lantern 7';
let addressCounter = 0;
const nextAddress = () => `10.77.${(addressCounter >> 8) & 255}.${addressCounter++ & 255}`;

const domainName = () => `org${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}.example`;

async function createOrganization(app: App, overrides: { name?: string; domain?: string | null; email?: string } = {}) {
  const domain = overrides.domain === undefined ? domainName() : overrides.domain;
  const email = overrides.email ?? `admin.${Math.random().toString(36).slice(2, 8)}@${domain ?? 'example.test'}`;
  const response = await app.inject({
    method: 'POST', url: '/api/v1/organizations',
    payload: { name: overrides.name ?? 'Contoso University', ...(domain ? { domain } : {}), admin: { email, password: PASSWORD, displayName: 'Ada Admin', country: 'FI' } },
  });
  assert.equal(response.statusCode, 201, response.body);
  const body = response.json<{ organization: { id: string; name: string; domains: Array<{ domain: string; verified: boolean; dnsRecord: { name: string; value: string } }> }; account: { id: string; email: string } }>();
  return { ...body, email, domain };
}

/** An organization whose admin is signed in through the API, as a client would be. */
async function organizationWithAdmin(app: App) {
  const created = await createOrganization(app);
  const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email: created.email, password: PASSWORD }, remoteAddress: nextAddress() });
  assert.equal(signIn.statusCode, 200, signIn.body);
  return { ...created, adminCookie: sessionCookie(signIn)! };
}

async function inviteMember(app: App, organizationId: string, adminCookie: string, email = uniqueEmail('member'), role?: 'admin' | 'member') {
  const response = await app.inject({
    method: 'POST', url: `/api/v1/organizations/${organizationId}/members`, headers: { cookie: adminCookie },
    payload: { email, displayName: 'Grace Member', country: 'SE', ...(role ? { role } : {}) },
  });
  assert.equal(response.statusCode, 201, response.body);
  return { member: response.json<{ id: string; email: string; status: string; role: string }>(), email };
}

/** An organization, a member invited to it, and the token of the emailed invitation link. */
async function invitation(app: App) {
  const org = await organizationWithAdmin(app);
  const { email } = await inviteMember(app, org.organization.id, org.adminCookie);
  const mail = await receiver.waitFor(email, (m) => m.text.includes('/invitation?token='));
  return { org, email, token: linkToken(mail, '/invitation') };
}

async function acceptInvitation(app: App, email: string) {
  const mail = await receiver.waitFor(email, (m) => m.text.includes('/invitation?token='));
  const token = linkToken(mail, '/invitation');
  const page = await openPage(app, `/invitation?token=${encodeURIComponent(token)}`);
  assert.equal(page.response.statusCode, 200);
  const done = await postForm(app, '/invitation', page.cookie, { _csrf: page.csrf!, token, password: PASSWORD });
  assert.equal(done.statusCode, 303, done.body);
  return { cookie: sessionCookie(done)!, location: done.headers.location };
}

const auditActions = async (app: App, subjectId: string) => (await app.services.audit.list({ subjectId })).map((e) => e.action);

describeEachDatabase('organizations', (ctx) => {
  test('POST /organizations creates the organization and its admin, and mails a verification link', async () => {
    const { app } = ctx();
    const domain = domainName();
    const created = await createOrganization(app, { name: 'Fabrikam <Labs>', domain: `  ${domain.toUpperCase()} `, email: `founder@${domain}` });
    assert.equal(created.organization.name, 'Fabrikam <Labs>');
    assert.deepEqual(created.organization.domains.map((d) => [d.domain, d.verified]), [[domain, false]]);
    assert.equal(created.organization.domains[0]!.dnsRecord.name, `_cloudpass-verification.${domain}`);
    const account = created.account as Record<string, unknown>;
    assert.equal(account.kind, 'organizational');
    assert.deepEqual(account.organization, { id: created.organization.id, name: 'Fabrikam <Labs>' });
    assert.equal(account.emailVerified, false);

    const mail = await receiver.waitFor(created.email, (m) => m.text.includes('/verify-email?token='));
    const verified = await app.inject({ method: 'POST', url: '/api/v1/accounts/verify-email', payload: { token: linkToken(mail, '/verify-email') } });
    assert.equal(verified.statusCode, 200, verified.body);
    assert.equal(verified.json().account.emailVerified, true);

    const cookie = await signedInCookie(app, ctx().config, created.account.id);
    const read = await app.inject({ url: `/api/v1/organizations/${created.organization.id}`, headers: { cookie } });
    assert.equal(read.statusCode, 200);
    assert.equal(read.json().oidc, null);
    const members = await app.inject({ url: `/api/v1/organizations/${created.organization.id}/members`, headers: { cookie } });
    assert.deepEqual(members.json().items.map((m: { role: string; status: string }) => [m.role, m.status]), [['admin', 'active']]);
    assert.ok((await auditActions(app, created.organization.id)).includes('organization.created'));
  });

  test('POST /organizations refuses bad input and weak passwords and creates nothing', async () => {
    const { app } = ctx();
    const count = async () => Number((await app.services.db.selectFrom('organizations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const bad = await app.inject({
      method: 'POST', url: '/api/v1/organizations',
      payload: { name: ' ', domain: 'https://nope', admin: { email: 'not-an-email', password: PASSWORD, displayName: '', country: 'XX' } },
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'validation_failed');
    assert.deepEqual(bad.json().errors.map((e: { path: string }) => e.path).sort(), ['admin.country', 'admin.displayName', 'admin.email', 'domain', 'name']);

    const weak = await app.inject({
      method: 'POST', url: '/api/v1/organizations',
      payload: { name: 'Weak Inc', admin: { email: uniqueEmail(), password: 'password1', displayName: 'W', country: 'FI' } },
    });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().code, 'weak_password');

    const unknownField = await app.inject({ method: 'POST', url: '/api/v1/organizations', payload: { name: 'X', admin: { email: 'x@y.z' } } });
    assert.equal(unknownField.statusCode, 400);
    const notJson = await app.inject({ method: 'POST', url: '/api/v1/organizations', headers: { 'content-type': 'application/json' }, payload: '{"name":' });
    assert.equal(notJson.statusCode, 400);
    assert.equal(await count(), before);
  });

  test('an admin invites a member, who sets a password from the emailed link and signs in with it', async () => {
    const { app } = ctx();
    const org = await organizationWithAdmin(app);
    const { member, email } = await inviteMember(app, org.organization.id, org.adminCookie);
    assert.equal(member.status, 'invited');
    assert.equal(member.role, 'member');
    assert.ok((await auditActions(app, member.id)).includes('organization.member_added'));

    const duplicate = await app.inject({
      method: 'POST', url: `/api/v1/organizations/${org.organization.id}/members`, headers: { cookie: org.adminCookie },
      payload: { email: email.toUpperCase(), displayName: 'Again', country: 'SE' },
    });
    assert.equal(duplicate.statusCode, 409);
    assert.equal(duplicate.json().code, 'email_taken');

    const noPasswordYet = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password: PASSWORD }, remoteAddress: nextAddress() });
    assert.equal(noPasswordYet.statusCode, 401, 'an invited member has no password yet');

    const accepted = await acceptInvitation(app, email);
    assert.equal(accepted.location, '/account');
    const me = await app.inject({ url: '/api/v1/me', headers: { cookie: accepted.cookie } });
    assert.equal(me.json().id, member.id);
    assert.equal(me.json().emailVerified, true, 'the invitation link proves the email');

    const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password: PASSWORD }, remoteAddress: nextAddress() });
    assert.equal(signIn.statusCode, 200, signIn.body);
    assert.equal(signIn.json().account.kind, 'organizational');
    assert.deepEqual(signIn.json().account.organization, { id: org.organization.id, name: org.organization.name });

    const members = await app.inject({ url: `/api/v1/organizations/${org.organization.id}/members`, headers: { cookie: org.adminCookie } });
    assert.equal(members.json().items.find((m: { id: string }) => m.id === member.id).status, 'active');
  });

  test('an invitation works once, and a weak password keeps the invitation usable', async () => {
    const { app } = ctx();
    const { token } = await invitation(app);

    const weak = await app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token, password: 'short' } });
    assert.equal(weak.statusCode, 400);
    assert.equal(weak.json().code, 'weak_password');
    const ok = await app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token, password: PASSWORD } });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.ok(sessionCookie(ok), 'accepting signs in');
    const again = await app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token, password: PASSWORD } });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().code, 'invalid_token');
    const forged = await app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token: 'x'.repeat(43), password: PASSWORD } });
    assert.equal(forged.json().code, 'invalid_token');
  });

  test('the invitation page names the organization and the invited email; a used link says so before any password is typed', async () => {
    const { app } = ctx();
    const { org, email, token } = await invitation(app);
    const page = await openPage(app, `/invitation?token=${encodeURIComponent(token)}`);
    assert.equal(page.response.statusCode, 200);
    assert.ok(page.response.body.includes(`${org.organization.name} invited ${email}`), 'names the organization and the invited email');
    assert.ok(page.response.body.includes(email), 'names the invited email');
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/invitations/accept', payload: { token, password: PASSWORD } })).statusCode, 200);

    const used = await openPage(app, `/invitation?token=${encodeURIComponent(token)}`);
    assert.equal(used.response.statusCode, 410);
    assert.match(used.response.body, /not valid any more/);
    assert.doesNotMatch(used.response.body, /name="password"/, 'no form that cannot work');
  });

  test('removing a member ends their sessions at once; never yourself, never the last admin', async () => {
    const { app } = ctx();
    const org = await organizationWithAdmin(app);
    const { member, email } = await inviteMember(app, org.organization.id, org.adminCookie);
    const { cookie: memberCookie } = await acceptInvitation(app, email);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: { cookie: memberCookie } })).statusCode, 200);

    const removed = await app.inject({ method: 'DELETE', url: `/api/v1/organizations/${org.organization.id}/members/${member.id}`, headers: { cookie: org.adminCookie } });
    assert.equal(removed.statusCode, 204, removed.body);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: { cookie: memberCookie } })).statusCode, 401, 'their session ended');
    const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password: PASSWORD }, remoteAddress: nextAddress() });
    assert.equal(signIn.statusCode, 401, 'a removed member cannot sign in');
    const members = await app.inject({ url: `/api/v1/organizations/${org.organization.id}/members`, headers: { cookie: org.adminCookie } });
    assert.ok(!members.json().items.some((m: { id: string }) => m.id === member.id));
    assert.ok((await auditActions(app, member.id)).includes('organization.member_removed'));
    const twice = await app.inject({ method: 'DELETE', url: `/api/v1/organizations/${org.organization.id}/members/${member.id}`, headers: { cookie: org.adminCookie } });
    assert.equal(twice.statusCode, 404);

    const reinvited = await inviteMember(app, org.organization.id, org.adminCookie, email);
    assert.notEqual(reinvited.member.id, member.id, 'the same email can be invited again');

    const self = await app.inject({ method: 'DELETE', url: `/api/v1/organizations/${org.organization.id}/members/${org.account.id}`, headers: { cookie: org.adminCookie } });
    assert.equal(self.statusCode, 409);
    assert.equal(self.json().code, 'cannot_remove_self');
    const demoteSelf = await app.inject({ method: 'PATCH', url: `/api/v1/organizations/${org.organization.id}/members/${org.account.id}`, headers: { cookie: org.adminCookie }, payload: { role: 'member' } });
    assert.equal(demoteSelf.statusCode, 409);
    assert.equal(demoteSelf.json().code, 'last_admin');

    const promoted = await app.inject({ method: 'PATCH', url: `/api/v1/organizations/${org.organization.id}/members/${reinvited.member.id}`, headers: { cookie: org.adminCookie }, payload: { role: 'admin' } });
    assert.equal(promoted.statusCode, 200);
    assert.equal(promoted.json().role, 'admin');
    assert.ok((await auditActions(app, reinvited.member.id)).includes('organization.member_role_changed'));
    const nowDemoted = await app.inject({ method: 'PATCH', url: `/api/v1/organizations/${org.organization.id}/members/${org.account.id}`, headers: { cookie: org.adminCookie }, payload: { role: 'member' } });
    assert.equal(nowDemoted.statusCode, 200, 'with another admin, stepping down is fine');
    const lostRights = await app.inject({ url: `/api/v1/organizations/${org.organization.id}/members`, headers: { cookie: org.adminCookie } });
    assert.equal(lostRights.statusCode, 403);
  });

  test('two admins removing each other at once leave one admin', async () => {
    const { app, config } = ctx();
    const org = await organizationWithAdmin(app);
    const { member: second } = await inviteMember(app, org.organization.id, org.adminCookie, uniqueEmail('second'), 'admin');
    const secondCookie = await signedInCookie(app, config, second.id);
    const [a, b] = await Promise.all([
      app.inject({ method: 'DELETE', url: `/api/v1/organizations/${org.organization.id}/members/${second.id}`, headers: { cookie: org.adminCookie } }),
      app.inject({ method: 'DELETE', url: `/api/v1/organizations/${org.organization.id}/members/${org.account.id}`, headers: { cookie: secondCookie } }),
    ]);
    const statuses = [a.statusCode, b.statusCode].sort((x, y) => x - y);
    assert.ok(statuses[0] === 204, `one removal succeeds: ${statuses.join(',')}`);
    const admins = await app.services.db.selectFrom('accounts').select('id')
      .where('organization_id', '=', org.organization.id).where('organization_role', '=', 'admin').execute();
    assert.equal(admins.length, 1);
  });

  test('only the organization\'s admins manage it; operators may read it', async () => {
    const { app, config } = ctx();
    const org = await organizationWithAdmin(app);
    const other = await organizationWithAdmin(app);
    const { member } = await inviteMember(app, org.organization.id, org.adminCookie);
    const memberCookie = await signedInCookie(app, config, member.id);
    const personal = await createAccount(app, config);
    const operator = await apiKeyHeader(app, 'operator');
    const platform = await apiKeyHeader(app, 'platform');
    const id = org.organization.id;
    const add = (headers: Record<string, string>) => app.inject({ method: 'POST', url: `/api/v1/organizations/${id}/members`, headers, payload: { email: uniqueEmail(), displayName: 'X', country: 'FI' } });

    for (const [who, headers] of [['member', { cookie: memberCookie }], ['another organization\'s admin', { cookie: other.adminCookie }], ['a personal account', { cookie: personal.cookie }]] as const) {
      assert.equal((await app.inject({ url: `/api/v1/organizations/${id}/members`, headers })).statusCode, 403, who);
      assert.equal((await add(headers)).statusCode, 403, who);
      assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/organizations/${id}/members/${org.account.id}`, headers })).statusCode, 403, who);
    }
    assert.equal((await app.inject({ url: `/api/v1/organizations/${id}/members` })).statusCode, 401);
    assert.equal((await add({})).statusCode, 401);
    assert.equal((await app.inject({ url: `/api/v1/organizations/${id}`, headers: { authorization: platform } })).statusCode, 403);
    assert.equal((await app.inject({ url: `/api/v1/organizations/${id}/members`, headers: { authorization: operator } })).statusCode, 200);
    assert.equal((await add({ authorization: operator })).statusCode, 403, 'operators do not manage members');
    assert.equal((await app.inject({ url: '/api/v1/organizations/nope', headers: { authorization: operator } })).statusCode, 404);
    const page = await app.inject({ url: '/organization', headers: { accept: 'text/html', cookie: memberCookie } });
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /Only admins of/);
  });

  test('domains: verified by their DNS TXT record or by an operator, and by one organization only', async () => {
    const { app } = ctx();
    const org = await organizationWithAdmin(app);
    const domain = org.domain!;
    const record = org.organization.domains[0]!.dnsRecord;
    const published = new Map<string, string[][]>();
    const dnsLookups: string[] = [];
    const service = createDomainService({
      ...app.services,
      resolveTxt: async (name) => {
        dnsLookups.push(name);
        const records = published.get(name);
        if (!records) throw Object.assign(new Error(`queryTxt ENOTFOUND ${name}`), { code: 'ENOTFOUND' });
        return records;
      },
    });
    const admin = (await app.services.accounts.findAccount(org.account.id))!;
    const viewer = { operator: false, account: admin };
    const actor = { type: 'account' as const, id: admin.id, label: admin.email };

    await assert.rejects(service.verifyDomain(org.organization.id, domain, viewer, actor), { code: 'domain_not_verified' });
    published.set(record.name, [['some-other-record'], ['cloudpass-wrong']]);
    await assert.rejects(service.verifyDomain(org.organization.id, domain, viewer, actor), { code: 'domain_not_verified' });
    // DNS splits long TXT values into chunks; they count joined.
    published.set(record.name, [['v=spf1 -all'], [record.value.slice(0, 10), record.value.slice(10)]]);
    const verified = await service.verifyDomain(org.organization.id, domain, viewer, actor);
    assert.equal(verified.verified, true);
    assert.deepEqual(dnsLookups, [record.name, record.name, record.name]);

    const read = await app.inject({ url: `/api/v1/organizations/${org.organization.id}`, headers: { cookie: org.adminCookie } });
    assert.equal(read.json().domains[0].verified, true);

    const rival = await organizationWithAdmin(app);
    const claim = await app.inject({ method: 'POST', url: `/api/v1/organizations/${rival.organization.id}/domains`, headers: { cookie: rival.adminCookie }, payload: { domain } });
    assert.equal(claim.statusCode, 409);
    assert.equal(claim.json().code, 'domain_taken');

    const extra = domainName();
    const added = await app.inject({ method: 'POST', url: `/api/v1/organizations/${rival.organization.id}/domains`, headers: { cookie: rival.adminCookie }, payload: { domain: extra } });
    assert.equal(added.statusCode, 201);
    assert.equal(added.json().verified, false);
    const bogus = await app.inject({ method: 'POST', url: `/api/v1/organizations/${rival.organization.id}/domains`, headers: { cookie: rival.adminCookie }, payload: { domain: 'not a domain' } });
    assert.equal(bogus.statusCode, 400);
    const operator = await apiKeyHeader(app, 'operator');
    const vouched = await app.inject({ method: 'POST', url: `/api/v1/organizations/${rival.organization.id}/domains/${extra}/verify`, headers: { authorization: operator } });
    assert.equal(vouched.statusCode, 200, vouched.body);
    assert.equal(vouched.json().verified, true);
    assert.ok((await app.services.audit.list({ subjectId: rival.organization.id })).some((e) => e.action === 'organization.domain_verified' && e.details.method === 'operator'));
    const unknown = await app.inject({ method: 'POST', url: `/api/v1/organizations/${rival.organization.id}/domains/unknown.example/verify`, headers: { authorization: operator } });
    assert.equal(unknown.statusCode, 404);
  });

  test('an organization created while a promo code is pending ends back at the pass, and so does the emailed link', async () => {
    const { app, config } = ctx();
    const campaign = await createCampaignWithCodes(app, config, { name: 'Founders workshop' });
    const address = nextAddress();
    const redeem = await openPage(app, '/redeem');
    const redeemed = await postForm(app, '/redeem', redeem.cookie, { _csrf: redeem.csrf!, country: 'FI', code: campaign.codes[0]! }, address);
    assert.equal(redeemed.headers.location, '/redeem/confirm', redeemed.body);

    const form = await openPage(app, '/signup/organization', redeem.cookie);
    assert.match(form.response.body, /Your promo code stays pending/);
    assert.match(form.response.body, /<option value="FI" selected/, 'the country picked for the pass');
    const email = uniqueEmail('founder');
    const created = await postForm(app, '/signup/organization', form.cookie, {
      _csrf: form.csrf!, name: 'Founders Guild', domain: '', email, password: PASSWORD, displayName: 'Founder', country: 'FI',
    }, address);
    assert.equal(created.statusCode, 303, created.body);
    assert.equal(created.headers.location, '/redeem/confirm', 'back to the pass, not to the organization page');
    const cookie = sessionCookie(created)!;

    // The pass waits while the new admin confirms their email; the emailed link comes back to it.
    const waiting = await getPage(app, '/redeem/confirm', cookie);
    assert.equal(waiting.statusCode, 200);
    assert.ok(waiting.body.includes(email));
    const mail = await receiver.waitFor(email, (m) => m.text.includes('/verify-email?token='));
    const token = linkToken(mail, '/verify-email');
    const link = await openPage(app, `/verify-email?token=${encodeURIComponent(token)}`, cookie);
    const verified = await postForm(app, '/verify-email', cookie, { _csrf: link.csrf!, token }, address);
    assert.equal(verified.headers.location, '/redeem/confirm', verified.body);

    const confirm = await openPage(app, '/redeem/confirm', cookie);
    assert.match(confirm.response.body, /Organizational account/);
    assert.match(confirm.response.body, /Founders Guild/);
    const activated = await postForm(app, '/redeem/confirm', cookie, { _csrf: confirm.csrf! }, address);
    assert.equal(activated.statusCode, 303, activated.body);
    assert.match(activated.headers.location as string, /^\/activate\//, 'the pass is the organizational account\'s now');
  });

  test('the organization sign-up page creates the organization and signs its admin in', async () => {
    const { app } = ctx();
    const page = await openPage(app, '/signup/organization');
    assert.equal(page.response.statusCode, 200);
    for (const label of ['Organization name', 'Domain (optional)', 'Email', 'Password', 'Display name', 'Country']) {
      assert.match(page.response.body, new RegExp(`<label[^>]*>${label.replace(/[()]/g, '\\$&')}</label>`), label);
    }
    assert.match(page.response.body, />Create organization</);

    const email = uniqueEmail('founder');
    const weak = await postForm(app, '/signup/organization', page.cookie, {
      _csrf: page.csrf!, name: 'Tailspin <Toys>', domain: '', email, password: 'password', displayName: 'Founder', country: 'NO',
    });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /value="Tailspin &lt;Toys>"/, 'input kept, escaped');
    assert.match(weak.body, /too common/);
    assert.doesNotMatch(weak.body, /value="password"/, 'the password is never sent back');
    assert.match(weak.body, /<option value="NO" selected/);

    const done = await postForm(app, '/signup/organization', page.cookie, {
      _csrf: page.csrf!, name: 'Tailspin Toys', domain: 'tailspin.example', email, password: PASSWORD, displayName: 'Founder', country: 'NO',
    });
    assert.equal(done.statusCode, 303, done.body);
    assert.equal(done.headers.location, '/organization');
    const cookie = sessionCookie(done)!;
    assert.ok(cookie && cookie !== page.cookie, 'a new session at sign-in');
    const orgPage = await app.inject({ url: '/organization', headers: { accept: 'text/html', cookie } });
    assert.equal(orgPage.statusCode, 200);
    assert.match(orgPage.body, /<h1[^>]*>Tailspin Toys<\/h1>/);
    assert.match(orgPage.body, /tailspin\.example/);
    assert.match(orgPage.body, /_cloudpass-verification\.tailspin\.example/);
    assert.match(orgPage.body, /is ready/);
    const me = await app.inject({ url: '/api/v1/me', headers: { cookie } });
    assert.equal(me.json().kind, 'organizational');
  });

  test('the organization page adds, promotes and removes members with forms that work without JavaScript', async () => {
    const { app, config } = ctx();
    const org = await organizationWithAdmin(app);
    const adminCookie = await signedInCookie(app, config, org.account.id);
    const page = await openPage(app, '/organization', adminCookie);
    assert.equal(page.response.statusCode, 200);

    const bad = await postForm(app, '/organization/members', adminCookie, { _csrf: page.csrf!, email: 'nope', displayName: '<i>Eve</i>', country: 'FI', role: 'member' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /value="nope"/);
    assert.match(bad.body, /value="&lt;i>Eve&lt;\/i>"/);
    assert.match(bad.body, /like name@example.com/);

    const email = uniqueEmail('formmember');
    const added = await postForm(app, '/organization/members', adminCookie, { _csrf: page.csrf!, email, displayName: 'Form Member', country: 'FI', role: 'member' });
    assert.equal(added.statusCode, 303, added.body);
    const after = await app.inject({ url: '/organization', headers: { accept: 'text/html', cookie: adminCookie } });
    assert.match(after.body, /We sent an invitation/);
    assert.match(after.body, /Form Member/);
    await receiver.waitFor(email, (m) => m.text.includes('/invitation?token='));
    const memberId = (await app.services.organizationMembers.listMembers(org.organization.id, { operator: true, account: null })).find((m) => m.email === email)!.id;

    const promote = await postForm(app, `/organization/members/${memberId}/role`, adminCookie, { _csrf: page.csrf!, role: 'admin' });
    assert.equal(promote.statusCode, 303);
    const confirm = await openPage(app, `/organization/members/${memberId}/remove`, adminCookie);
    assert.match(confirm.response.body, /Remove Form Member\?/);
    const noCsrf = await postForm(app, `/organization/members/${memberId}/remove`, adminCookie, {});
    assert.equal(noCsrf.statusCode, 403, 'a form without the CSRF token changes nothing');
    const removed = await postForm(app, `/organization/members/${memberId}/remove`, adminCookie, { _csrf: confirm.csrf! });
    assert.equal(removed.statusCode, 303);
    const members = await app.services.organizationMembers.listMembers(org.organization.id, { operator: true, account: null });
    assert.ok(!members.some((m) => m.id === memberId));

    const signedOut = await app.inject({ url: '/organization', headers: { accept: 'text/html' } });
    assert.equal(signedOut.statusCode, 303);
    assert.equal(signedOut.headers.location, '/signin');
  });

  test('the invitation page keeps the link usable after a weak password and signs in after a good one', async () => {
    const { app } = ctx();
    const { token } = await invitation(app);
    const page = await openPage(app, `/invitation?token=${encodeURIComponent(token)}`);
    assert.match(page.response.body, /<label[^>]*>Password<\/label>/);
    assert.match(page.response.body, />Set password</);
    const weak = await postForm(app, '/invitation', page.cookie, { _csrf: page.csrf!, token, password: 'qwerty123' });
    assert.equal(weak.statusCode, 400);
    assert.match(weak.body, /too common/);
    assert.doesNotMatch(weak.body, /qwerty123/);
    const ok = await postForm(app, '/invitation', page.cookie, { _csrf: page.csrf!, token, password: PASSWORD });
    assert.equal(ok.statusCode, 303);
    const again = await openPage(app, `/invitation?token=${encodeURIComponent(token)}`, sessionCookie(ok));
    const used = await postForm(app, '/invitation', again.cookie, { _csrf: again.csrf!, token, password: PASSWORD });
    assert.equal(used.statusCode, 400);
    assert.match(used.body, /not valid any more/);
  });
}, { env: { SMTP_URL: receiver.url } });

test('domain names are normalised, and anything else refused', () => {
  assert.equal(normalizeDomain(' Example.COM. '), 'example.com');
  assert.equal(normalizeDomain('@münchen.de'), 'xn--mnchen-3ya.de');
  for (const bad of ['', 'localhost', '1.2.3.4', 'https://example.com', 'a b.com', '-x.com', 'x..com', 'user@example.com']) {
    assert.equal(normalizeDomain(bad), null, bad);
  }
});

test('sealed secrets open only with the same key and binding', () => {
  const key = Buffer.alloc(32, 1);
  const sealed = sealSecret(key, 'client-secret', 'org-1');
  assert.ok(!sealed.includes('client-secret'));
  assert.notEqual(sealSecret(key, 'client-secret', 'org-1'), sealed, 'a fresh IV every time');
  assert.equal(openSecret(key, sealed, 'org-1'), 'client-secret');
  assert.throws(() => openSecret(key, sealed, 'org-2'));
  assert.throws(() => openSecret(Buffer.alloc(32, 2), sealed, 'org-1'));
});

test('issuers must be https; plain http only on this machine and only when allowed', () => {
  const strict = { allowPrivateProviders: false };
  const local = { allowPrivateProviders: true };
  assert.equal(parseIssuer('https://login.example.com', strict).hostname, 'login.example.com');
  assert.throws(() => parseIssuer('http://127.0.0.1:8080', strict), { code: 'validation_failed' });
  assert.equal(parseIssuer('http://127.0.0.1:8080', local).port, '8080');
  assert.equal(parseIssuer('http://localhost:8080', local).hostname, 'localhost');
  assert.throws(() => parseIssuer('http://login.example.com', local), { code: 'validation_failed' });
  assert.throws(() => parseIssuer('https://user:pw@login.example.com', local), { code: 'validation_failed' });
  assert.throws(() => parseIssuer('not a url', local), { code: 'validation_failed' });
});
