import type { Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type { CampaignStatus, CampaignTable } from './campaigns.table.ts';

export type CampaignRow = Selectable<CampaignTable>;

export interface CampaignStatsRow {
  issued: number;
  redeemed: number;
  activated: number;
  revoked: number;
  expired: number;
}

export type CampaignWithStatsRow = CampaignRow & CampaignStatsRow;

export async function insertCampaign(db: DbOrTrx, row: CampaignRow): Promise<void> {
  await db.insertInto('campaigns').values(row).execute();
}

export async function findCampaignById(db: DbOrTrx, id: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Campaigns with their code counts in one statement: each count table is aggregated once, grouped by
 * campaign, and joined, so a listing costs one query however many campaigns there are. `today` is the
 * UTC date (YYYY-MM-DD) after which a campaign's unredeemed codes count as expired.
 */
export async function listCampaignsWithStats(db: DbOrTrx, today: string, only?: { id: string }): Promise<CampaignWithStatsRow[]> {
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
    .selectAll('campaigns')
    .select((eb) => [
      eb.fn.coalesce('codes.issued', eb.lit(0)).as('issued'),
      eb.fn.coalesce('codes.redeemed', eb.lit(0)).as('redeemed'),
      eb.fn.coalesce('activations.activated', eb.lit(0)).as('activated'),
      eb.fn.coalesce('codes.revoked', eb.lit(0)).as('revoked'),
      eb.case().when('campaigns.redeem_by', '<', today).then(eb.fn.coalesce('codes.unredeemed', eb.lit(0))).else(eb.lit(0)).end().as('expired'),
    ])
    .orderBy('campaigns.created_at', 'desc')
    .orderBy('campaigns.id')
    .execute();
  // SQLite returns numbers; PostgreSQL's sums are numeric or bigint, parsed to numbers by the connection.
  return rows.map((r) => ({
    ...r, issued: Number(r.issued), redeemed: Number(r.redeemed), activated: Number(r.activated),
    revoked: Number(r.revoked), expired: Number(r.expired),
  }));
}

/** Compare-and-set: changes the status only if it is still `from`; returns whether it did. */
export async function updateCampaignStatus(db: DbOrTrx, id: string, from: CampaignStatus, to: CampaignStatus, at: string): Promise<boolean> {
  const result = await db.updateTable('campaigns').set({ status: to, updated_at: at })
    .where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
