// Reads for the console's recipients: each redemption with its account, organization, campaign and
// subscription, in one query per page. Read-only: it writes nothing, and every table it reads belongs to
// another module (scripts/boundaries-allowlist.json says why each read is here).
import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';

/** A redemption's state, as the redemptions module keeps it. */
export type RedemptionState = 'redeemed' | 'activated' | 'released';

export interface RecipientFilter {
  /** Lower-cased: a whole address is matched exactly, anything else as the start of one. */
  email?: string;
  campaignId?: string;
  state?: RedemptionState;
}

/** Where the previous page stopped: pages run newest first by (redeemed_at, id). */
export interface RecipientCursor {
  redeemedAt: string;
  id: string;
}

export interface RecipientRow {
  redemption_id: string;
  account_id: string;
  email: string;
  kind: 'personal' | 'organizational';
  display_name: string;
  country: string;
  organization_id: string | null;
  organization_name: string | null;
  campaign_id: string;
  campaign_name: string;
  code_last4: string;
  code_hash: string;
  state: RedemptionState;
  redeemed_at: string;
  activated_at: string | null;
  reminded_at: string | null;
  subscription_id: string | null;
  subscription_status: string | null;
  ends_at: string | null;
  credit_currency: string | null;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function selectRecipients(db: DbOrTrx) {
  return db.selectFrom('redemptions')
    .innerJoin('accounts', 'accounts.id', 'redemptions.account_id')
    .innerJoin('campaigns', 'campaigns.id', 'redemptions.campaign_id')
    .leftJoin('organizations', 'organizations.id', 'accounts.organization_id')
    .leftJoin('subscriptions', 'subscriptions.id', 'redemptions.subscription_id')
    .select([
      'redemptions.id as redemption_id', 'redemptions.account_id', 'accounts.email', 'accounts.kind', 'accounts.display_name', 'accounts.country',
      'accounts.organization_id', 'organizations.name as organization_name', 'redemptions.campaign_id', 'campaigns.name as campaign_name',
      'redemptions.code_last4', 'redemptions.code_hash', 'redemptions.state', 'redemptions.redeemed_at', 'redemptions.activated_at', 'redemptions.reminded_at',
      'subscriptions.id as subscription_id', 'subscriptions.status as subscription_status', 'subscriptions.ends_at', 'subscriptions.credit_currency',
    ]);
}

/**
 * One page, newest first. Every filter and the cursor are index ranges: (redeemed_at, id), (campaign_id,
 * redeemed_at, id), (state, redeemed_at, id), and accounts by email_normalized, so a page costs the same
 * on the 100,000th row as on the first.
 */
export async function listRecipients(db: DbOrTrx, filter: RecipientFilter, after: RecipientCursor | undefined, limit: number): Promise<RecipientRow[]> {
  let query = selectRecipients(db);
  if (filter.email) {
    query = filter.email.includes('@')
      ? query.where('accounts.email_normalized', '=', filter.email)
      // The escape character spelled out: SQLite has no default one.
      : query.where(sql<boolean>`accounts.email_normalized like ${`${escapeLike(filter.email)}%`} escape '\\'`);
  }
  if (filter.campaignId) query = query.where('redemptions.campaign_id', '=', filter.campaignId);
  if (filter.state) query = query.where('redemptions.state', '=', filter.state);
  if (after) {
    // A row-value comparison: both databases read it as one range of the (…, redeemed_at, id) index.
    query = query.where((eb) => eb(eb.refTuple('redemptions.redeemed_at', 'redemptions.id'), '<', eb.tuple(after.redeemedAt, after.id)));
  }
  return query.orderBy('redemptions.redeemed_at', 'desc').orderBy('redemptions.id', 'desc').limit(limit).execute();
}

/** Every redemption of one account, newest first (the recipient page). */
export async function listRecipientRowsOfAccount(db: DbOrTrx, accountId: string): Promise<RecipientRow[]> {
  return selectRecipients(db).where('redemptions.account_id', '=', accountId)
    .orderBy('redemptions.redeemed_at', 'desc').orderBy('redemptions.id', 'desc').limit(500).execute();
}

export async function findRecipientRow(db: DbOrTrx, redemptionId: string): Promise<RecipientRow | undefined> {
  return selectRecipients(db).where('redemptions.id', '=', redemptionId).executeTakeFirst();
}

/** Redeemed before `before` and still not activated, oldest first: the people a reminder may help. */
export async function listStuck(db: DbOrTrx, before: string, limit: number): Promise<RecipientRow[]> {
  return selectRecipients(db).where('redemptions.state', '=', 'redeemed').where('redemptions.redeemed_at', '<', before)
    .orderBy('redemptions.redeemed_at', 'asc').orderBy('redemptions.id', 'asc').limit(limit).execute();
}
