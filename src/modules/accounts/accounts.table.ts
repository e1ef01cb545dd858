import type { ColumnType } from 'kysely';

export type AccountKind = 'personal' | 'organizational';
export type OrganizationRole = 'admin' | 'member';
export type AccountTokenPurpose = 'verify_email' | 'reset_password' | 'invite';

export interface AccountTable {
  id: string;
  kind: AccountKind;
  organization_id: string | null;
  organization_role: OrganizationRole | null;
  email: string;
  /** Lower-cased email: uniqueness and look-ups are case-insensitive. */
  email_normalized: string;
  display_name: string;
  country: string;
  password_hash: string | null;
  email_verified_at: string | null;
  /** 1 for operator admins (cloudpass admin create), 0 otherwise. */
  operator_admin: number;
  oidc_subject: string | null;
  /** The language the person last used on the pages (en, fi …); their emails are written in it. Null: English. */
  locale: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: string;
  updated_at: string;
}

export interface AccountTokenTable {
  token_hash: string;
  account_id: string;
  purpose: AccountTokenPurpose;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}
