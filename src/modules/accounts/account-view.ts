import type { AccountRow } from './accounts.repository.ts';

/** An account as the API and pages show it. */
export interface AccountView {
  id: string;
  email: string;
  displayName: string;
  kind: 'personal' | 'organizational';
  organization: { id: string; name: string } | null;
  emailVerified: boolean;
  country: string;
  /** Not part of the public account object; used for the operator console. */
  operatorAdmin: boolean;
  organizationRole: 'admin' | 'member' | null;
  /** False for members who only ever signed in through their organization's single sign-on. */
  hasPassword: boolean;
  /** The language of this person's emails: the one they last used on the pages. */
  locale?: string | null;
}

export function toAccountView(row: AccountRow): AccountView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    kind: row.kind,
    organization: row.organization_id ? { id: row.organization_id, name: row.organization_name ?? '' } : null,
    emailVerified: row.email_verified_at !== null,
    country: row.country,
    operatorAdmin: row.operator_admin === 1,
    organizationRole: row.organization_role,
    hasPassword: row.password_hash !== null,
    locale: row.locale,
  };
}

/** The public account object of API.md. */
export function publicAccount(view: AccountView) {
  const { id, email, displayName, kind, organization, emailVerified, country } = view;
  return { id, email, displayName, kind, organization, emailVerified, country };
}
