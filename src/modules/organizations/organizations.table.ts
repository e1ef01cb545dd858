export interface OrganizationTable {
  id: string;
  name: string;
  created_at: string;
  oidc_issuer: string | null;
  oidc_client_id: string | null;
  /** Encrypted with a key derived from the server secret. */
  oidc_client_secret: string | null;
}

export interface OrganizationDomainTable {
  organization_id: string;
  domain: string;
  verification_token: string;
  verified_at: string | null;
  created_at: string;
}
