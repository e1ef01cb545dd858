export type SubscriptionOffer = 'pass' | 'free-trial';
export type SubscriptionStatus =
  | 'pending' | 'provisioning' | 'active' | 'disabled' | 'expired' | 'cancelled' | 'deleted' | 'failed';

export interface SubscriptionTable {
  id: string;
  account_id: string;
  offer: SubscriptionOffer;
  redemption_id: string | null;
  status: SubscriptionStatus;
  credit_currency: string;
  validity_days: number;
  starts_at: string | null;
  ends_at: string | null;
  external_id: string | null;
  /** JSON of the activation profile (name, email, country, phone, …). */
  profile: string;
  failure_reason: string | null;
  /** Why it was disabled (`credit_exhausted`, `operator`), while it is. */
  disabled_reason: string | null;
  /** When it was last disabled, expired or cancelled: its deletion date is this plus the retention period. */
  stopped_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface IdempotencyKeyTable {
  account_id: string;
  key: string;
  /** SHA-256 of the canonical request body: the same key with another body is refused. */
  request_hash: string;
  response_status: number;
  response_body: string;
  created_at: string;
}
