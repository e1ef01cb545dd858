import type { Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import type { CampaignStatus, CampaignTable } from './campaigns.table.ts';

export type CampaignRow = Selectable<CampaignTable>;

export async function insertCampaign(db: DbOrTrx, row: CampaignRow): Promise<void> {
  await db.insertInto('campaigns').values(row).execute();
}

export async function findCampaignById(db: DbOrTrx, id: string): Promise<CampaignRow | undefined> {
  return db.selectFrom('campaigns').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Newest first; their code counts come from the reports module. */
export async function listCampaigns(db: DbOrTrx): Promise<CampaignRow[]> {
  return db.selectFrom('campaigns').selectAll().orderBy('created_at', 'desc').orderBy('id').execute();
}

/** Compare-and-set: changes the status only if it is still `from`; returns whether it did. */
export async function updateCampaignStatus(db: DbOrTrx, id: string, from: CampaignStatus, to: CampaignStatus, at: string): Promise<boolean> {
  const result = await db.updateTable('campaigns').set({ status: to, updated_at: at })
    .where('id', '=', id).where('status', '=', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** An operator's edit of the name and the redeem-by date. */
export async function updateCampaignDetails(db: DbOrTrx, id: string, changes: { name?: string; redeem_by?: string }, at: string): Promise<boolean> {
  const result = await db.updateTable('campaigns').set({ ...changes, updated_at: at }).where('id', '=', id).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}
