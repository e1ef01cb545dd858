import type { ColumnType } from 'kysely';

export type SupportCategory = 'activation' | 'billing' | 'technical' | 'account';
export type SupportCaseStatus = 'open' | 'waiting' | 'closed';

export interface SupportCaseTable {
  id: string;
  account_id: string | null;
  category: SupportCategory;
  subject: string;
  description: string;
  subscription_id: string | null;
  status: SupportCaseStatus;
  created_at: string;
  updated_at: string;
  /** The address a signed-out visitor confirmed; replies go there when the case has no account. */
  contact_email: ColumnType<string | null, string | null | undefined, string | null>;
  /** The language of the signed-out request, for the mails to contact_email. */
  contact_locale: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SupportMessageTable {
  id: string;
  case_id: string;
  author_type: 'account' | 'operator' | 'system';
  author_id: string | null;
  body: string;
  created_at: string;
}

/** A signed-out visitor's case, waiting until they open the link mailed to `email`. */
export interface SupportCaseRequestTable {
  /** Keyed hash of the link's token; the token itself is only in the mail. */
  token_hash: string;
  email: string;
  locale: string;
  category: SupportCategory;
  subject: string;
  description: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
  /** The case the link opened. */
  case_id: string | null;
}
