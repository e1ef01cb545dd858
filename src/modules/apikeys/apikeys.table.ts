export type ApiKeyScope = 'operator' | 'platform';

export interface ApiKeyTable {
  id: string;
  name: string;
  scope: ApiKeyScope;
  /** HMAC-SHA256 of the whole key; the key itself is shown once and never stored. */
  key_hash: string;
  /** The first characters of the key, so an operator can tell keys apart. */
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}
