// Whether a campaign takes new codes and whether its codes may be redeemed, where and when: the rules
// live here once. Codes asks before generating a batch; redemptions before binding a code.
import { DomainError } from '../../lib/errors.ts';
import { countryName } from '../../lib/countries.ts';
import type { CampaignStatus } from './campaigns.table.ts';

/** What a campaign promises a pass, and the terms its codes are redeemed on. */
export interface CampaignTerms {
  id: string;
  name: string;
  credit: { amount: number; currency: string };
  validityDays: number;
  /** Last day (UTC, YYYY-MM-DD) on which codes can be redeemed. */
  redeemBy: string;
  /** ISO 3166-1 alpha-2 codes; null: every country. */
  countries: string[] | null;
  passesPerAccount: number;
  status: CampaignStatus;
}

/** The columns of a campaign row, wherever it was read (alone, or joined to its code). */
export interface CampaignTermsColumns {
  id: string;
  name: string;
  credit_amount: number;
  credit_currency: string;
  validity_days: number;
  redeem_by: string;
  countries: string | null;
  passes_per_account: number;
  status: CampaignStatus;
}

export function termsOf(row: CampaignTermsColumns): CampaignTerms {
  return {
    id: row.id, name: row.name, credit: { amount: Number(row.credit_amount), currency: row.credit_currency },
    validityDays: row.validity_days, redeemBy: row.redeem_by, countries: parseCountries(row.countries),
    passesPerAccount: row.passes_per_account, status: row.status,
  };
}

export const parseCountries = (json: string | null): string[] | null => (json === null ? null : (JSON.parse(json) as string[]));

/** A batch of new codes: not for a closed campaign, nor one whose codes could never be redeemed. */
export function assertTakesCodes(campaign: CampaignTerms, today: string): void {
  if (campaign.status === 'closed') throw new DomainError('conflict', 'This campaign is closed: it gets no new codes.');
  if (campaign.redeemBy < today) {
    throw new DomainError('conflict', `This campaign's redeem-by date ${campaign.redeemBy} has passed: new codes could never be redeemed.`);
  }
}

/** Redeeming one of its codes today, for a subscription in `country`. */
export function assertRedeemable(campaign: CampaignTerms, country: string, today: string): void {
  if (campaign.status === 'closed') {
    throw new DomainError('code_expired', 'This pass has expired: its campaign has ended.', { reason: 'campaign_closed' });
  }
  if (today > campaign.redeemBy) {
    throw new DomainError('code_expired', `This pass has expired: it could be redeemed until ${longDate(campaign.redeemBy)}.`, { reason: 'redeem_by_passed', redeemBy: campaign.redeemBy });
  }
  if (campaign.status === 'paused') {
    throw new DomainError('campaign_paused', 'Redeeming this pass is paused for now. Please try again later.');
  }
  if (campaign.countries && !campaign.countries.includes(country)) {
    throw new DomainError('country_not_eligible', `This pass is not available in ${countryName(country)}.`, { eligibleCountries: campaign.countries });
  }
}

function longDate(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}
