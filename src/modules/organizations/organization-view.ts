// What the API and pages show of an organization, its domains, its provider and its members: the one
// place rows become views.
import type { MemberAccount, OrganizationRole } from '../accounts/organizational-accounts.service.ts';
import { dnsRecordName } from './domains.ts';
import type { DomainRow, OrganizationRow } from './organizations.repository.ts';

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

/** Where every organization's provider sends the browser back. */
export const oidcRedirectUri = (publicUrl: URL): string => new URL('/signin/organization/callback', publicUrl).href;

export function toOidcView(publicUrl: URL, organizationId: string, issuer: string, clientId: string): OidcView {
  return {
    issuer, clientId, redirectUri: oidcRedirectUri(publicUrl),
    signInUrl: new URL(`/signin/organization/${organizationId}/start`, publicUrl).href,
  };
}

export function toDomainView(row: DomainRow): DomainView {
  return {
    domain: row.domain, verified: row.verified_at !== null, verifiedAt: row.verified_at,
    dnsRecord: { type: 'TXT', name: dnsRecordName(row.domain), value: row.verification_token },
  };
}

export function toOrganizationView(publicUrl: URL, row: OrganizationRow, domains: DomainRow[]): OrganizationView {
  return {
    id: row.id, name: row.name, createdAt: row.created_at, domains: domains.map(toDomainView),
    oidc: row.oidc_issuer && row.oidc_client_id ? toOidcView(publicUrl, row.id, row.oidc_issuer, row.oidc_client_id) : null,
  };
}

export function toMemberView(member: MemberAccount): MemberView {
  return {
    id: member.id, email: member.email, displayName: member.displayName, country: member.country, role: member.role,
    status: member.hasPassword || member.oidcLinked ? 'active' : 'invited',
    emailVerified: member.emailVerified, createdAt: member.createdAt,
  };
}
