// Organizations: creating one with its first admin, members and their invitations, the email domains an
// organization proves by DNS, and sign-in through the organization's own OpenID Connect provider.
import { randomBytes } from 'node:crypto';
import dns from 'node:dns/promises';
import { deriveKey, type Config } from '../../config.ts';
import type { Db, Trx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { isCountryCode } from '../../lib/countries.ts';
import type { AccountView } from '../accounts/account-view.ts';
import { toAccountView } from '../accounts/account-view.ts';
import { findAccountById, isUniqueViolation, normalizeEmail } from '../accounts/accounts.repository.ts';
import { checkCountry, checkDisplayName, checkEmail, VERIFY_EMAIL_TTL_MS } from '../accounts/accounts.service.ts';
import type { OrganizationRole } from '../accounts/accounts.table.ts';
import * as accountMails from '../accounts/accounts.mails.ts';
import { assertPasswordAllowed, hashPassword } from '../accounts/passwords.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { MailService } from '../mail/mail.service.ts';
import { deleteSessionsOfAccount } from '../sessions/sessions.repository.ts';
import { dnsRecordName, emailDomain, normalizeDomain, txtRecordsContain } from './domains.ts';
import { createOidcClients, isLoopbackHttp, newPkce, parseIssuer, type OidcIdentity } from './oidc-client.ts';
import * as mails from './organizations.mails.ts';
import * as repo from './organizations.repository.ts';
import { openSecret, sealSecret } from '../../lib/secret-box.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;
const MAX_NAME_LENGTH = 100;

export interface OrganizationInput {
  name: string;
  domain?: string | null;
  admin: { email: string; password: string; displayName: string; country: string };
}

export interface MemberInput {
  email: string;
  displayName: string;
  country: string;
  role?: OrganizationRole;
}

export interface OidcSettingsInput {
  issuer: string;
  clientId: string;
  /** Blank keeps the secret already stored. */
  clientSecret?: string | null;
}

export interface DomainView {
  domain: string;
  verified: boolean;
  verifiedAt: string | null;
  /** What to publish in DNS to prove the domain. */
  dnsRecord: { type: 'TXT'; name: string; value: string };
}

export interface OidcView {
  issuer: string;
  clientId: string;
  /** The redirect URI to register at the provider. */
  redirectUri: string;
  /** A link members can use to sign in through the provider. */
  signInUrl: string;
}

export interface OrganizationView {
  id: string;
  name: string;
  createdAt: string;
  domains: DomainView[];
  oidc: OidcView | null;
}

export interface MemberView {
  id: string;
  email: string;
  displayName: string;
  country: string;
  role: OrganizationRole;
  /** `invited` until the person sets a password or signs in through the provider. */
  status: 'invited' | 'active';
  emailVerified: boolean;
  createdAt: string;
}

/** Who is asking: an operator (key or admin session) or a signed-in account. */
export interface Viewer {
  operator: boolean;
  account: AccountView | null;
}

export interface OidcSignInStart {
  authorizationUrl: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export type ResolveTxt = (hostname: string) => Promise<string[][]>;

export interface OrganizationServiceDeps {
  db: Db; clock: Clock; config: Config; metrics: Metrics; audit: AuditService; mail: MailService;
  accounts: {
    issueToken(trx: Trx, accountId: string, purpose: 'invite' | 'verify_email', ttlMs: number): Promise<string>;
    consumeToken(trx: Trx, token: string, purpose: 'invite'): Promise<string>;
    tokenHolder(token: string, purpose: 'invite'): Promise<string | undefined>;
  };
  /** DNS TXT look-up; node:dns/promises by default. DNS is the edge of the world, so tests pass their own. */
  resolveTxt?: ResolveTxt;
  /**
   * Accept plain-http OpenID issuers on this machine (127.0.0.1, ::1, localhost). Defaults to true only when
   * PUBLIC_URL itself is plain http on this machine (development, tests); a deployment stays https-only.
   */
  allowInsecureLoopbackIssuers?: boolean;
}

export function createOrganizationService(deps: OrganizationServiceDeps) {
  const { db, clock, config, metrics, audit, mail, accounts } = deps;
  const allowInsecureLoopbackIssuers = deps.allowInsecureLoopbackIssuers ?? isLoopbackHttp(config.publicUrl);
  const oidcClients = createOidcClients({ allowInsecureLoopbackIssuers });
  const resolveTxt = deps.resolveTxt ?? dns.resolveTxt;
  const secretKey = deriveKey(config.secret, 'oidc-client-secret');
  const redirectUri = new URL('/signin/organization/callback', config.publicUrl).href;

  // ---- who may do what ---------------------------------------------------------

  /** Organization admins manage their organization; operators may read it and verify its domains. */
  function assertAccess(viewer: Viewer, organizationId: string, need: 'read' | 'manage' | 'verify'): void {
    const account = viewer.account;
    const isAdmin = account?.kind === 'organizational' && account.organization?.id === organizationId && account.organizationRole === 'admin';
    if (isAdmin) return;
    if (viewer.operator && need !== 'manage') return;
    if (!account && !viewer.operator) throw new DomainError('unauthenticated', 'Sign in with an admin account of this organization.');
    throw new DomainError('forbidden', 'Only admins of this organization may do this.');
  }

  async function organizationRow(id: string): Promise<repo.OrganizationRow> {
    const row = await repo.findOrganization(db, id);
    if (!row) throw new NotFoundError('The organization');
    return row;
  }

  // ---- organizations ---------------------------------------------------------------

  /** The organization and its first admin; the admin gets the same verification mail as a personal account. */
  async function createOrganization(input: OrganizationInput, actor?: Actor): Promise<{ organization: OrganizationView; account: AccountView }> {
    const errors = [
      ...checkOrganizationName(input.name),
      ...(input.domain ? checkDomain(input.domain) : []),
      ...checkEmail(input.admin?.email, 'admin.email'),
      ...checkDisplayName(input.admin?.displayName, 'admin.displayName'),
      ...checkCountry(input.admin?.country, 'admin.country'),
    ];
    const passwordProblem = passwordError(input.admin?.password, 'admin.password');
    if (errors.length > 0) throw new ValidationError(passwordProblem ? [...errors, passwordProblem.error] : errors);
    if (passwordProblem) throw passwordProblem.cause;

    const passwordHash = await hashPassword(input.admin.password);
    const now = iso(clock.now());
    const organizationId = newId();
    const accountId = newId();
    const email = input.admin.email.trim();
    const domain = input.domain ? normalizeDomain(input.domain) : null;
    const token = await db.transaction().execute(async (trx) => {
      await repo.insertOrganization(trx, {
        id: organizationId, name: input.name.trim(), created_at: now, oidc_issuer: null, oidc_client_id: null, oidc_client_secret: null,
      });
      await repo.insertMember(trx, {
        id: accountId, kind: 'organizational', organization_id: organizationId, organization_role: 'admin', email,
        email_normalized: normalizeEmail(email), display_name: input.admin.displayName.trim(),
        country: input.admin.country.trim().toUpperCase(), password_hash: passwordHash, email_verified_at: null,
        operator_admin: 0, oidc_subject: null, created_at: now, updated_at: now,
      });
      if (domain) await repo.insertDomain(trx, newDomainRow(organizationId, domain, now));
      const by = actor ?? { type: 'account' as const, id: accountId, label: email };
      await audit.record(trx, by, 'organization.created', 'organization', organizationId, { name: input.name.trim(), domain });
      await audit.record(trx, by, 'account.created', 'account', accountId, { kind: 'organizational', organizationId, role: 'admin' });
      return accounts.issueToken(trx, accountId, 'verify_email', VERIFY_EMAIL_TTL_MS);
    });
    metrics.accountsCreated.inc({ kind: 'organizational' });
    const account = await accountView(accountId);
    await mail.send(accountMails.verifyEmail(config.publicUrl, account, token));
    return { organization: await getOrganization(organizationId), account };
  }

  async function getOrganization(id: string, viewer?: Viewer): Promise<OrganizationView> {
    if (viewer) assertAccess(viewer, id, 'read');
    const row = await organizationRow(id);
    return toOrganizationView(row, await repo.listDomains(db, id));
  }

  // ---- members -------------------------------------------------------------------------

  async function listMembers(organizationId: string, viewer: Viewer): Promise<MemberView[]> {
    assertAccess(viewer, organizationId, 'read');
    await organizationRow(organizationId);
    return (await repo.listMembers(db, organizationId)).map(toMemberView);
  }

  /** A new organizational account without a password, and an emailed invitation to choose one. */
  async function addMember(organizationId: string, input: MemberInput, viewer: Viewer, actor: Actor): Promise<MemberView> {
    assertAccess(viewer, organizationId, 'manage');
    const errors = [...checkEmail(input.email), ...checkDisplayName(input.displayName), ...checkCountry(input.country)];
    if (input.role !== undefined && input.role !== 'admin' && input.role !== 'member') errors.push({ path: 'role', message: 'Choose admin or member.' });
    if (errors.length > 0) throw new ValidationError(errors);
    const organization = await organizationRow(organizationId);
    const email = input.email.trim();
    const now = iso(clock.now());
    const accountId = newId();
    let token: string;
    try {
      token = await db.transaction().execute(async (trx) => {
        if (await repo.findMemberByEmail(trx, organizationId, normalizeEmail(email))) throw memberExists();
        await repo.insertMember(trx, {
          id: accountId, kind: 'organizational', organization_id: organizationId, organization_role: input.role ?? 'member', email,
          email_normalized: normalizeEmail(email), display_name: input.displayName.trim(),
          country: input.country.trim().toUpperCase(), password_hash: null, email_verified_at: null,
          operator_admin: 0, oidc_subject: null, created_at: now, updated_at: now,
        });
        await audit.record(trx, actor, 'organization.member_added', 'account', accountId, { organizationId, email, role: input.role ?? 'member' });
        return accounts.issueToken(trx, accountId, 'invite', INVITATION_TTL_MS);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw memberExists();
      throw error;
    }
    metrics.accountsCreated.inc({ kind: 'organizational' });
    const member = await repo.findMember(db, organizationId, accountId);
    await mail.send(mails.invitation(config.publicUrl, {
      to: email, displayName: input.displayName.trim(), organizationName: organization.name,
      invitedBy: viewer.account?.displayName ?? null, token, oidcConfigured: organization.oidc_issuer !== null,
    }));
    return toMemberView(member!);
  }

  /** Ends the membership and every session of that account at once; never yourself, never the last admin. */
  async function removeMember(organizationId: string, accountId: string, viewer: Viewer, actor: Actor): Promise<void> {
    assertAccess(viewer, organizationId, 'manage');
    if (viewer.account?.id === accountId) {
      throw new DomainError('cannot_remove_self', 'You cannot remove yourself. Ask another admin of your organization.');
    }
    await db.transaction().execute(async (trx) => {
      if (!(await repo.lockOrganization(trx, organizationId))) throw new NotFoundError('The organization');
      const member = await repo.findMember(trx, organizationId, accountId);
      if (!member) throw new NotFoundError('The member');
      if (member.organization_role === 'admin' && (await repo.countAdmins(trx, organizationId)) <= 1) throw lastAdmin();
      await repo.detachMember(trx, organizationId, accountId, iso(clock.now()));
      await repo.deleteTokensOfAccount(trx, accountId);
      await deleteSessionsOfAccount(trx, accountId);
      await audit.record(trx, actor, 'organization.member_removed', 'account', accountId, { organizationId, email: member.email });
    });
  }

  async function setMemberRole(organizationId: string, accountId: string, role: OrganizationRole, viewer: Viewer, actor: Actor): Promise<MemberView> {
    assertAccess(viewer, organizationId, 'manage');
    if (role !== 'admin' && role !== 'member') throw new ValidationError([{ path: 'role', message: 'Choose admin or member.' }]);
    return db.transaction().execute(async (trx) => {
      if (!(await repo.lockOrganization(trx, organizationId))) throw new NotFoundError('The organization');
      const member = await repo.findMember(trx, organizationId, accountId);
      if (!member) throw new NotFoundError('The member');
      if (member.organization_role === role) return toMemberView(member);
      if (role === 'member' && (await repo.countAdmins(trx, organizationId)) <= 1) throw lastAdmin();
      await repo.setMemberRole(trx, organizationId, accountId, role, iso(clock.now()));
      await audit.record(trx, actor, 'organization.member_role_changed', 'account', accountId, { organizationId, from: member.organization_role, to: role });
      return toMemberView((await repo.findMember(trx, organizationId, accountId))!);
    });
  }

  /** Who was invited, and to which organization, while the invitation still works. */
  async function describeInvitation(token: string): Promise<{ email: string; organizationName: string } | undefined> {
    const accountId = await accounts.tokenHolder(token, 'invite');
    const row = accountId ? await findAccountById(db, accountId) : undefined;
    if (!row?.organization_name) return undefined;
    return { email: row.email, organizationName: row.organization_name };
  }

  /** The invited person chose a password: their email is proven, and they can sign in. Returns the account. */
  async function acceptInvitation(token: string, password: string): Promise<AccountView> {
    assertPasswordAllowed(typeof password === 'string' ? password : '');
    const passwordHash = await hashPassword(password);
    const accountId = await db.transaction().execute(async (trx) => {
      const id = await accounts.consumeToken(trx, typeof token === 'string' ? token : '', 'invite');
      if (!(await repo.setInitialPassword(trx, id, passwordHash, iso(clock.now())))) throw invitationGone();
      const row = await findAccountById(trx, id);
      await audit.record(trx, { type: 'account', id, label: row?.email ?? id }, 'organization.invitation_accepted', 'account', id, { organizationId: row?.organization_id });
      return id;
    });
    return accountView(accountId);
  }

  // ---- domains ------------------------------------------------------------------------

  async function addDomain(organizationId: string, input: string, viewer: Viewer, actor: Actor): Promise<DomainView> {
    assertAccess(viewer, organizationId, 'manage');
    const errors = checkDomain(input, 'domain');
    if (errors.length > 0) throw new ValidationError(errors);
    const domain = normalizeDomain(input)!;
    await organizationRow(organizationId);
    const owner = await repo.findVerifiedDomain(db, domain);
    if (owner && owner.organization_id !== organizationId) throw domainTaken();
    const now = iso(clock.now());
    try {
      await db.transaction().execute(async (trx) => {
        await repo.insertDomain(trx, newDomainRow(organizationId, domain, now));
        await audit.record(trx, actor, 'organization.domain_added', 'organization', organizationId, { domain });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError('domain_exists', 'This domain is already on your organization’s list.', { errors: [{ path: 'domain', message: 'This domain is already on the list.' }] });
      }
      throw error;
    }
    return toDomainView((await repo.findDomain(db, organizationId, domain))!);
  }

  async function removeDomain(organizationId: string, input: string, viewer: Viewer, actor: Actor): Promise<void> {
    assertAccess(viewer, organizationId, 'manage');
    const domain = normalizeDomain(input) ?? input;
    await db.transaction().execute(async (trx) => {
      if (!(await repo.deleteDomain(trx, organizationId, domain))) throw new NotFoundError('The domain');
      await audit.record(trx, actor, 'organization.domain_removed', 'organization', organizationId, { domain });
    });
  }

  /**
   * Proves a domain: an organization admin by the DNS TXT record `_cloudpass-verification.<domain>`
   * holding the token; an operator may vouch for it without DNS.
   */
  async function verifyDomain(organizationId: string, input: string, viewer: Viewer, actor: Actor): Promise<DomainView> {
    assertAccess(viewer, organizationId, 'verify');
    const domain = normalizeDomain(input) ?? input;
    const row = await repo.findDomain(db, organizationId, domain);
    if (!row) throw new NotFoundError('The domain');
    if (row.verified_at) return toDomainView(row);
    const vouchedByOperator = viewer.operator && !isAdminOf(viewer, organizationId);
    if (!vouchedByOperator) await assertTxtRecord(row);
    try {
      await db.transaction().execute(async (trx) => {
        if (await repo.markDomainVerified(trx, organizationId, domain, iso(clock.now()))) {
          await audit.record(trx, actor, 'organization.domain_verified', 'organization', organizationId, { domain, method: vouchedByOperator ? 'operator' : 'dns' });
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw domainTaken();
      throw error;
    }
    return toDomainView((await repo.findDomain(db, organizationId, domain))!);
  }

  async function assertTxtRecord(row: repo.DomainRow): Promise<void> {
    const name = dnsRecordName(row.domain);
    let records: string[][];
    try {
      records = await resolveTxt(name);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const missing = code === 'ENOTFOUND' || code === 'ENODATA';
      throw new DomainError('domain_not_verified', missing
        ? `There is no TXT record at ${name} yet. Publish it, wait a few minutes for DNS to update, and try again.`
        : `We could not look up ${name} right now (${code ?? 'DNS error'}). Try again in a few minutes.`);
    }
    if (!txtRecordsContain(records, row.verification_token)) {
      throw new DomainError('domain_not_verified', `The TXT record at ${name} does not hold the expected value yet. Check it and try again in a few minutes.`);
    }
  }

  /** The organization that has proven the domain of this email, if any. */
  async function findByEmailDomain(email: string): Promise<{ id: string; name: string; oidcConfigured: boolean } | null> {
    const domain = emailDomain(email);
    if (!domain) return null;
    const claim = await repo.findVerifiedDomain(db, domain);
    if (!claim) return null;
    const row = await repo.findOrganization(db, claim.organization_id);
    return row ? { id: row.id, name: row.name, oidcConfigured: row.oidc_issuer !== null } : null;
  }

  // ---- OpenID Connect ----------------------------------------------------------------------

  /** Saves the provider after checking its discovery document; the secret is sealed and never shown again. */
  async function configureOidc(organizationId: string, input: OidcSettingsInput, viewer: Viewer, actor: Actor): Promise<OidcView> {
    assertAccess(viewer, organizationId, 'manage');
    const row = await organizationRow(organizationId);
    const errors: FieldError[] = [];
    const issuerText = typeof input.issuer === 'string' ? input.issuer.trim() : '';
    const clientId = typeof input.clientId === 'string' ? input.clientId.trim() : '';
    const newSecret = typeof input.clientSecret === 'string' ? input.clientSecret.trim() : '';
    if (!issuerText) errors.push({ path: 'issuer', message: 'Enter the issuer URL of your OpenID Connect provider.' });
    if (!clientId) errors.push({ path: 'clientId', message: 'Enter the client ID your provider gave cloudpass.' });
    else if (clientId.length > 255) errors.push({ path: 'clientId', message: 'The client ID must be at most 255 characters.' });
    if (!newSecret && !row.oidc_client_secret) errors.push({ path: 'clientSecret', message: 'Enter the client secret your provider gave cloudpass.' });
    if (newSecret.length > 1000) errors.push({ path: 'clientSecret', message: 'The client secret must be at most 1000 characters.' });
    if (errors.length > 0) throw new ValidationError(errors);
    parseIssuer(issuerText, { allowInsecureLoopbackIssuers });
    const issuer = issuerText;
    const clientSecret = newSecret || openSecret(secretKey, row.oidc_client_secret!, organizationId);
    await oidcClients.discover({ issuer, clientId, clientSecret });
    await db.transaction().execute(async (trx) => {
      await repo.updateOrganization(trx, organizationId, {
        oidc_issuer: issuer, oidc_client_id: clientId, oidc_client_secret: sealSecret(secretKey, clientSecret, organizationId),
      });
      await audit.record(trx, actor, 'organization.oidc_configured', 'organization', organizationId, { issuer, clientId, secretChanged: Boolean(newSecret) });
    });
    return oidcView(organizationId, issuer, clientId);
  }

  async function removeOidc(organizationId: string, viewer: Viewer, actor: Actor): Promise<void> {
    assertAccess(viewer, organizationId, 'manage');
    await organizationRow(organizationId);
    await db.transaction().execute(async (trx) => {
      await repo.updateOrganization(trx, organizationId, { oidc_issuer: null, oidc_client_id: null, oidc_client_secret: null });
      await audit.record(trx, actor, 'organization.oidc_removed', 'organization', organizationId);
    });
  }

  /** Where to send the browser, and what to keep until it comes back. */
  async function startOidcSignIn(organizationId: string, options: { loginHint?: string } = {}): Promise<OidcSignInStart> {
    const settings = await oidcSettings(organizationId);
    const config = await oidcClients.discover(settings);
    const pkce = await newPkce();
    const url = oidcClients.authorizationUrl(config, {
      redirectUri, state: pkce.state, nonce: pkce.nonce, codeChallenge: pkce.codeChallenge, loginHint: options.loginHint,
    });
    return { authorizationUrl: url.href, state: pkce.state, nonce: pkce.nonce, codeVerifier: pkce.codeVerifier };
  }

  /** Checks the provider's answer and returns the member it signs in (joining them when their domain is proven). */
  async function finishOidcSignIn(organizationId: string, callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<AccountView> {
    const settings = await oidcSettings(organizationId);
    const config = await oidcClients.discover(settings);
    const identity = await oidcClients.finish(config, callbackUrl, checks);
    const accountId = await memberForIdentity(organizationId, identity).catch(async (error: unknown) => {
      // Two first sign-ins of the same person at once: the loser finds the winner's account.
      if (isUniqueViolation(error)) return memberForIdentity(organizationId, identity);
      throw error;
    });
    metrics.signIns.inc({ outcome: 'success' });
    return accountView(accountId);
  }

  async function memberForIdentity(organizationId: string, identity: OidcIdentity): Promise<string> {
    const now = iso(clock.now());
    return db.transaction().execute(async (trx) => {
      const bySubject = await repo.findMemberBySubject(trx, organizationId, identity.subject);
      if (bySubject) return bySubject.id;
      const organization = (await repo.findOrganization(trx, organizationId))!;
      if (!identity.email || !identity.emailVerified) throw notAMember(organization.name, 'Your organization did not confirm your email address to cloudpass.');
      const byEmail = await repo.findMemberByEmail(trx, organizationId, normalizeEmail(identity.email));
      if (byEmail) {
        if (byEmail.oidc_subject !== null || !(await repo.linkOidcSubject(trx, byEmail.id, identity.subject, now))) {
          throw notAMember(organization.name, 'Another sign-in of your organization is already linked to this member.');
        }
        await audit.record(trx, { type: 'account', id: byEmail.id, label: byEmail.email }, 'organization.oidc_linked', 'account', byEmail.id, { organizationId });
        return byEmail.id;
      }
      const domain = emailDomain(identity.email);
      const claim = domain ? await repo.findVerifiedDomain(trx, domain) : undefined;
      if (claim?.organization_id !== organizationId) {
        throw notAMember(organization.name, `${identity.email} is not a member of ${organization.name}, and its domain is not one that lets people join on their own. Ask an admin of ${organization.name} to add you.`);
      }
      return joinMember(trx, organizationId, identity as OidcIdentity & { email: string }, now);
    });
  }

  async function joinMember(trx: Trx, organizationId: string, identity: OidcIdentity & { email: string }, now: string): Promise<string> {
    const id = newId();
    const firstAdmin = await repo.findFirstAdmin(trx, organizationId);
    const region = identity.locale?.split(/[-_]/)[1]?.toUpperCase();
    const country = region && isCountryCode(region) ? region : (firstAdmin?.country ?? 'US');
    const displayName = (identity.name ?? identity.email.split('@')[0]!).slice(0, MAX_NAME_LENGTH);
    await repo.insertMember(trx, {
      id, kind: 'organizational', organization_id: organizationId, organization_role: 'member', email: identity.email,
      email_normalized: normalizeEmail(identity.email), display_name: displayName, country, password_hash: null,
      email_verified_at: now, operator_admin: 0, oidc_subject: identity.subject, created_at: now, updated_at: now,
    });
    await audit.record(trx, { type: 'account', id, label: identity.email }, 'organization.member_joined', 'account', id, { organizationId, via: 'oidc' });
    metrics.accountsCreated.inc({ kind: 'organizational' });
    return id;
  }

  async function oidcSettings(organizationId: string) {
    const row = await repo.findOrganization(db, organizationId);
    if (!row) throw new NotFoundError('The organization');
    if (!row.oidc_issuer || !row.oidc_client_id || !row.oidc_client_secret) {
      throw new DomainError('oidc_not_configured', `${row.name} has not set up sign-in through its own provider. Sign in with your email and password instead.`);
    }
    return { issuer: row.oidc_issuer, clientId: row.oidc_client_id, clientSecret: openSecret(secretKey, row.oidc_client_secret, organizationId) };
  }

  // ---- views ------------------------------------------------------------------------------

  async function accountView(id: string): Promise<AccountView> {
    const row = await findAccountById(db, id);
    if (!row) throw new NotFoundError('The account');
    return toAccountView(row);
  }

  function oidcView(organizationId: string, issuer: string, clientId: string): OidcView {
    return { issuer, clientId, redirectUri, signInUrl: new URL(`/signin/organization/${organizationId}/start`, config.publicUrl).href };
  }

  function toOrganizationView(row: repo.OrganizationRow, domains: repo.DomainRow[]): OrganizationView {
    return {
      id: row.id, name: row.name, createdAt: row.created_at, domains: domains.map(toDomainView),
      oidc: row.oidc_issuer && row.oidc_client_id ? oidcView(row.id, row.oidc_issuer, row.oidc_client_id) : null,
    };
  }

  return {
    createOrganization, getOrganization, listMembers, addMember, removeMember, setMemberRole, describeInvitation, acceptInvitation,
    addDomain, removeDomain, verifyDomain, findByEmailDomain, configureOidc, removeOidc, startOidcSignIn,
    finishOidcSignIn, redirectUri,
  };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;

function isAdminOf(viewer: Viewer, organizationId: string): boolean {
  const a = viewer.account;
  return a?.kind === 'organizational' && a.organization?.id === organizationId && a.organizationRole === 'admin';
}

function newDomainRow(organizationId: string, domain: string, now: string) {
  return { organization_id: organizationId, domain, verification_token: `cloudpass-${randomBytes(18).toString('base64url')}`, verified_at: null, created_at: now };
}

function toDomainView(row: repo.DomainRow): DomainView {
  return {
    domain: row.domain, verified: row.verified_at !== null, verifiedAt: row.verified_at,
    dnsRecord: { type: 'TXT', name: dnsRecordName(row.domain), value: row.verification_token },
  };
}

function toMemberView(row: repo.MemberRow): MemberView {
  return {
    id: row.id, email: row.email, displayName: row.display_name, country: row.country, role: row.organization_role ?? 'member',
    status: row.password_hash === null && row.oidc_subject === null ? 'invited' : 'active',
    emailVerified: row.email_verified_at !== null, createdAt: row.created_at,
  };
}

function checkOrganizationName(name: unknown, path = 'name'): FieldError[] {
  if (typeof name !== 'string' || name.trim() === '') return [{ path, message: 'Enter the name of your organization.' }];
  if ([...name.trim()].length > MAX_NAME_LENGTH) return [{ path, message: `The name must be at most ${MAX_NAME_LENGTH} characters.` }];
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return [{ path, message: 'The name cannot contain control characters.' }];
  return [];
}

function checkDomain(domain: unknown, path = 'domain'): FieldError[] {
  if (typeof domain !== 'string' || domain.trim() === '') return [{ path, message: 'Enter a domain, such as example.com.' }];
  if (!normalizeDomain(domain)) return [{ path, message: 'Enter a domain name such as example.com (without https:// or @).' }];
  return [];
}

function passwordError(password: unknown, path: string): { error: FieldError; cause: DomainError } | undefined {
  if (typeof password !== 'string' || password === '') {
    const error = { path, message: 'Enter a password.' };
    return { error, cause: new ValidationError([error]) };
  }
  try {
    assertPasswordAllowed(password, path);
    return undefined;
  } catch (cause) {
    const errors = (cause as DomainError).extra.errors as FieldError[];
    return { error: errors[0]!, cause: cause as DomainError };
  }
}

const memberExists = () => new DomainError('email_taken', 'This organization already has a member with this email.', {
  errors: [{ path: 'email', message: 'This organization already has a member with this email.' }],
});
const lastAdmin = () => new DomainError('last_admin', 'An organization needs at least one admin. Make someone else an admin first.');
const domainTaken = () => new DomainError('domain_taken', 'Another organization has already verified this domain.', {
  errors: [{ path: 'domain', message: 'Another organization has already verified this domain.' }],
});
const invitationGone = () => new DomainError('invalid_token', 'This invitation is not valid any more. Ask an admin of your organization for a new one.');
const notAMember = (organizationName: string, detail: string) =>
  new DomainError('organization_membership_required', detail, { organization: organizationName });
