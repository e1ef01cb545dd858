export type PassCodeState = 'issued' | 'redeemed' | 'revoked';

export interface CodeBatchTable {
  id: string;
  campaign_id: string;
  size: number;
  created_at: string;
  created_by: string;
}

export interface PassCodeTable {
  /** HMAC-SHA256 (server secret) of the normalised code: the only form in which a code is stored. */
  code_hash: string;
  campaign_id: string;
  batch_id: string;
  /** Last four symbols, for support conversations. */
  last4: string;
  state: PassCodeState;
  created_at: string;
  redeemed_at: string | null;
  account_id: string | null;
  revoked_at: string | null;
}
