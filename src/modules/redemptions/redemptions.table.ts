import type { ColumnType } from 'kysely';

export type RedemptionState = 'redeemed' | 'activated' | 'released';

export interface RedemptionTable {
  id: string;
  code_hash: string;
  code_last4: string;
  account_id: string;
  campaign_id: string;
  country: string;
  state: RedemptionState;
  redeemed_at: string;
  activated_at: string | null;
  released_at: string | null;
  subscription_id: string | null;
  /** When the operator emailed a reminder to activate (once): null until then. Optional when inserting. */
  reminded_at: ColumnType<string | null, string | null | undefined, string | null>;
}
