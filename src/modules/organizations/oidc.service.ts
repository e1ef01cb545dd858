// Sign-in through an organization's own OpenID Connect provider: the admins register the provider (its
// discovery is checked, the client secret sealed), and members sign in through it. A first sign-in links
// the provider's subject to the member with that email, or joins a person whose email domain the
// organization has proven.
import { deriveKey, type Config } from '../../config.ts';
import type { Db, Trx } from '../../db/database.ts';
import { isUniqueViolation } from '../../db/unique-violation.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { isCountryCode } from '../../lib/countries.ts';
import { openSecret, sealSecret } from '../../lib/secret-box.ts';
import type { AccountView } from '../accounts/account-view.ts';
import type { MemberAccount, NewMemberAccount } from '../accounts/organizational-accounts.service.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { assertAccess, organizationRow, type Viewer } from './organization-access.ts';
import { oidcRedirectUri, toOidcView, type OidcView } from './organization-view.ts';
import { emailDomain } from './domains.ts';
import { createOidcClients, newPkce, parseIssuer, type OidcIdentity } from './oidc-client.ts';
import type { Resolver } from './provider-addresses.ts';
import * as repo from './organizations.repository.ts';

const MAX_DISPLAY_NAME_LENGTH = 100;

export interface OidcSettingsInput {
  issuer: string;
  clientId: string;
  /** Blank keeps the secret already stored. */
  clientSecret?: string | null;
}

export interface OidcSignInStart {
  authorizationUrl: string;
  state: string;
  nonce: string;
  codeVerifier: string;
}

export interface OidcServiceDeps {
  db: Db; config: Config; metrics: Metrics; audit: AuditService;
  accounts: {
    findAccount(id: string): Promise<AccountView | undefined>;
  };
  organizationalAccounts: {
    create(trx: Trx, input: NewMemberAccount): Promise<string>;
    findByEmail(trx: Trx, organizationId: string, email: string): Promise<MemberAccount | undefined>;
    findBySubject(trx: Trx, organizationId: string, subject: string): Promise<MemberAccount | undefined>;
    firstAdmin(trx: Trx, organizationId: string): Promise<MemberAccount | undefined>;
    linkOidcSubject(trx: Trx, accountId: string, subject: string): Promise<boolean>;
  };
  /** How provider host names are resolved (tests answer with their own addresses). */
  resolve?: Resolver;
}

export function createOidcService(deps: OidcServiceDeps) {
  const { db, config, metrics, audit, accounts, organizationalAccounts: members } = deps;
  // Private and loopback providers only by the explicit setting, never because PUBLIC_URL happens to be http.
  const allowPrivateProviders = config.oidcAllowPrivateProviders;
  const oidcClients = createOidcClients({ allowPrivateProviders, resolve: deps.resolve });
  const secretKey = deriveKey(config.secret, 'oidc-client-secret');
  const redirectUri = oidcRedirectUri(config.publicUrl);

  // ---- the provider ------------------------------------------------------------------------

  /** Saves the provider after checking its discovery document; the secret is sealed and never shown again. */
  async function configureOidc(organizationId: string, input: OidcSettingsInput, viewer: Viewer, actor: Actor): Promise<OidcView> {
    assertAccess(viewer, organizationId, 'manage');
    const row = await organizationRow(db, organizationId);
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
    parseIssuer(issuerText, { allowPrivateProviders });
    const issuer = issuerText;
    const clientSecret = newSecret || openSecret(secretKey, row.oidc_client_secret!, organizationId);
    await oidcClients.discover({ issuer, clientId, clientSecret });
    await db.transaction().execute(async (trx) => {
      await repo.updateOrganization(trx, organizationId, {
        oidc_issuer: issuer, oidc_client_id: clientId, oidc_client_secret: sealSecret(secretKey, clientSecret, organizationId),
      });
      await audit.record(trx, actor, 'organization.oidc_configured', 'organization', organizationId, { issuer, clientId, secretChanged: Boolean(newSecret) });
    });
    return toOidcView(config.publicUrl, organizationId, issuer, clientId);
  }

  async function removeOidc(organizationId: string, viewer: Viewer, actor: Actor): Promise<void> {
    assertAccess(viewer, organizationId, 'manage');
    await organizationRow(db, organizationId);
    await db.transaction().execute(async (trx) => {
      await repo.updateOrganization(trx, organizationId, { oidc_issuer: null, oidc_client_id: null, oidc_client_secret: null });
      await audit.record(trx, actor, 'organization.oidc_removed', 'organization', organizationId);
    });
  }

  // ---- signing in ----------------------------------------------------------------------------

  /** Where to send the browser, and what to keep until it comes back. */
  async function startOidcSignIn(organizationId: string, options: { loginHint?: string } = {}): Promise<OidcSignInStart> {
    const settings = await oidcSettings(organizationId);
    const discovered = await oidcClients.discover(settings);
    const pkce = await newPkce();
    const url = oidcClients.authorizationUrl(discovered, {
      redirectUri, state: pkce.state, nonce: pkce.nonce, codeChallenge: pkce.codeChallenge, loginHint: options.loginHint,
    });
    return { authorizationUrl: url.href, state: pkce.state, nonce: pkce.nonce, codeVerifier: pkce.codeVerifier };
  }

  /** Checks the provider's answer and returns the member it signs in (joining them when their domain is proven). */
  async function finishOidcSignIn(organizationId: string, callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<AccountView> {
    const settings = await oidcSettings(organizationId);
    const discovered = await oidcClients.discover(settings);
    const identity = await oidcClients.finish(discovered, callbackUrl, checks);
    const accountId = await memberForIdentity(organizationId, identity).catch(async (error: unknown) => {
      // Two first sign-ins of the same person at once: the loser finds the winner's account.
      if (isUniqueViolation(error)) return memberForIdentity(organizationId, identity);
      throw error;
    });
    metrics.signIns.inc({ outcome: 'success' });
    const account = await accounts.findAccount(accountId);
    if (!account) throw new NotFoundError('The account');
    return account;
  }

  async function memberForIdentity(organizationId: string, identity: OidcIdentity): Promise<string> {
    return db.transaction().execute(async (trx) => {
      const bySubject = await members.findBySubject(trx, organizationId, identity.subject);
      if (bySubject) return bySubject.id;
      const organization = (await repo.findOrganization(trx, organizationId))!;
      if (!identity.email || !identity.emailVerified) throw notAMember(organization.name, 'Your organization did not confirm your email address to cloudpass.');
      const byEmail = await members.findByEmail(trx, organizationId, identity.email);
      if (byEmail) {
        if (byEmail.oidcLinked || !(await members.linkOidcSubject(trx, byEmail.id, identity.subject))) {
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
      return joinMember(trx, organizationId, identity as OidcIdentity & { email: string });
    });
  }

  /** A person from a proven domain joins as a member; the country comes from their locale, else the first admin's. */
  async function joinMember(trx: Trx, organizationId: string, identity: OidcIdentity & { email: string }): Promise<string> {
    const firstAdmin = await members.firstAdmin(trx, organizationId);
    const region = identity.locale?.split(/[-_]/)[1]?.toUpperCase();
    const country = region && isCountryCode(region) ? region : (firstAdmin?.country ?? 'US');
    const displayName = (identity.name ?? identity.email.split('@')[0]!).slice(0, MAX_DISPLAY_NAME_LENGTH);
    const id = await members.create(trx, {
      organizationId, role: 'member', email: identity.email, displayName, country, oidcSubject: identity.subject,
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

  return { configureOidc, removeOidc, startOidcSignIn, finishOidcSignIn, redirectUri };
}

export type OidcService = ReturnType<typeof createOidcService>;

const notAMember = (organizationName: string, detail: string) =>
  new DomainError('organization_membership_required', detail, { organization: organizationName });
