// Read-only figures that span several modules' tables: campaign funnels, redemption timelines, where
// passes were redeemed, and the names a support case links to. Nothing here writes; every read of
// another module's table is listed with its reason in scripts/boundaries-allowlist.json.
import { sql } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';

export interface CampaignStatsRow {
  campaign_id: string;
  issued: number;
  redeemed: number;
  activated: number;
  revoked: number;
  expired: number;
}

/**
 * Campaigns' code counts in one statement: each count table is aggregated once, grouped by campaign, and
 * joined, so a listing costs one query however many campaigns there are. `today` is the UTC date
 * (YYYY-MM-DD) after which a campaign's unredeemed codes count as expired.
 */
export async function campaignStats(db: DbOrTrx, today: string, only?: { id: string }): Promise<CampaignStatsRow[]> {
  const codeCounts = db.selectFrom('pass_codes')
    .$if(only !== undefined, (q) => q.where('campaign_id', '=', only!.id))
    .select((eb) => [
      'campaign_id',
      eb.fn.countAll<number>().as('issued'),
      eb.fn.sum<number>(eb.case().when('state', '=', 'redeemed').then(1).else(0).end()).as('redeemed'),
      eb.fn.sum<number>(eb.case().when('state', '=', 'revoked').then(1).else(0).end()).as('revoked'),
      eb.fn.sum<number>(eb.case().when('state', '=', 'issued').then(1).else(0).end()).as('unredeemed'),
    ])
    .groupBy('campaign_id')
    .as('codes');
  const activations = db.selectFrom('redemptions')
    .$if(only !== undefined, (q) => q.where('campaign_id', '=', only!.id))
    .where('state', '=', 'activated')
    .select((eb) => ['campaign_id', eb.fn.countAll<number>().as('activated')])
    .groupBy('campaign_id')
    .as('activations');

  const rows = await db.selectFrom('campaigns')
    .leftJoin(codeCounts, 'codes.campaign_id', 'campaigns.id')
    .leftJoin(activations, 'activations.campaign_id', 'campaigns.id')
    .$if(only !== undefined, (q) => q.where('campaigns.id', '=', only!.id))
    .select((eb) => [
      'campaigns.id as campaign_id',
      eb.fn.coalesce('codes.issued', eb.lit(0)).as('issued'),
      eb.fn.coalesce('codes.redeemed', eb.lit(0)).as('redeemed'),
      eb.fn.coalesce('activations.activated', eb.lit(0)).as('activated'),
      eb.fn.coalesce('codes.revoked', eb.lit(0)).as('revoked'),
      eb.case().when('campaigns.redeem_by', '<', today).then(eb.fn.coalesce('codes.unredeemed', eb.lit(0))).else(eb.lit(0)).end().as('expired'),
    ])
    .execute();
  // SQLite returns numbers; PostgreSQL's sums are numeric or bigint, parsed to numbers by the connection.
  return rows.map((r) => ({
    campaign_id: r.campaign_id, issued: Number(r.issued), redeemed: Number(r.redeemed), activated: Number(r.activated),
    revoked: Number(r.revoked), expired: Number(r.expired),
  }));
}

export async function campaignExists(db: DbOrTrx, id: string): Promise<boolean> {
  return (await db.selectFrom('campaigns').select('id').where('id', '=', id).executeTakeFirst()) !== undefined;
}

export interface CountRow {
  key: string;
  count: number;
}

/**
 * A campaign's live redemptions (a released one no longer holds its code) counted by the first `width`
 * characters of their ISO time: 10 for the day, 13 for the hour. Uses the (campaign_id, state) index.
 */
export async function redemptionsBy(db: DbOrTrx, campaignId: string, width: 10 | 13): Promise<CountRow[]> {
  const key = sql<string>`substr(redeemed_at, 1, ${sql.lit(width)})`;
  const rows = await db.selectFrom('redemptions')
    .where('campaign_id', '=', campaignId)
    .where('state', '<>', 'released')
    .select((eb) => [key.as('key'), eb.fn.countAll<number>().as('count')])
    .groupBy(key)
    .execute();
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

/** The same for activations, by when each was activated. */
export async function activationsBy(db: DbOrTrx, campaignId: string, width: 10 | 13): Promise<CountRow[]> {
  const key = sql<string>`substr(activated_at, 1, ${sql.lit(width)})`;
  const rows = await db.selectFrom('redemptions')
    .where('campaign_id', '=', campaignId)
    .where('state', '=', 'activated')
    .select((eb) => [key.as('key'), eb.fn.countAll<number>().as('count')])
    .groupBy(key)
    .execute();
  return rows.map((r) => ({ key: r.key, count: Number(r.count) }));
}

export interface CountryRow {
  country: string;
  redeemed: number;
  activated: number;
}

/** A campaign's live redemptions by the country they were redeemed for, and how many of them were activated. */
export async function redemptionsByCountry(db: DbOrTrx, campaignId: string): Promise<CountryRow[]> {
  const rows = await db.selectFrom('redemptions')
    .where('campaign_id', '=', campaignId)
    .where('state', '<>', 'released')
    .select((eb) => [
      'country',
      eb.fn.countAll<number>().as('redeemed'),
      eb.fn.sum<number>(eb.case().when('state', '=', 'activated').then(1).else(0).end()).as('activated'),
    ])
    .groupBy('country')
    .execute();
  return rows.map((r) => ({ country: r.country, redeemed: Number(r.redeemed), activated: Number(r.activated) }));
}

export interface SubscriptionLinkRow {
  id: string;
  status: string;
  offer: string;
  campaign_id: string | null;
  campaign_name: string | null;
}

/** Subscriptions with the campaign they came from, by id: what a support case links to. */
export async function subscriptionLinks(db: DbOrTrx, ids: readonly string[]): Promise<SubscriptionLinkRow[]> {
  if (ids.length === 0) return [];
  return db.selectFrom('subscriptions')
    .leftJoin('redemptions', 'redemptions.id', 'subscriptions.redemption_id')
    .leftJoin('campaigns', 'campaigns.id', 'redemptions.campaign_id')
    .where('subscriptions.id', 'in', [...ids])
    .select(['subscriptions.id', 'subscriptions.status', 'subscriptions.offer', 'campaigns.id as campaign_id', 'campaigns.name as campaign_name'])
    .execute();
}
