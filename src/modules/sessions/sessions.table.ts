export interface SessionTable {
  /** SHA-256 of the opaque session token; the token itself lives only in the cookie. */
  token_hash: string;
  /** Null while a visitor is not signed in (a pending promo code can still be kept). */
  account_id: string | null;
  csrf_secret: string;
  /** JSON object: pending code, flash messages, OIDC state. */
  data: string;
  created_at: string;
  last_seen_at: string;
  /** Absolute end of the session, whatever its activity. */
  expires_at: string;
}
