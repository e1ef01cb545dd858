export type CampaignStatus = 'active' | 'paused' | 'closed';

export interface CampaignTable {
  id: string;
  name: string;
  credit_amount: number;
  credit_currency: string;
  validity_days: number;
  /** Last day (UTC, YYYY-MM-DD) on which codes can be redeemed. */
  redeem_by: string;
  /** JSON array of ISO 3166-1 alpha-2 codes, or null for every country. */
  countries: string | null;
  passes_per_account: number;
  status: CampaignStatus;
  created_at: string;
  updated_at: string;
}
