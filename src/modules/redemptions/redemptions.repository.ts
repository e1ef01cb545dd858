// All SQL of redemptions: the rows that bind a code to an account, read with their campaign's name and
// credit, and the conditional writes that release and activate them. Functions that must run inside the
// caller's transaction take a Trx.
import type { Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { RedemptionState, RedemptionTable } from './redemptions.table.ts';

export type RedemptionRow = Selectable<RedemptionTable>;

/** A redemption with the campaign it belongs to, as every view of a redemption needs both. */
export type RedemptionWithCampaign = RedemptionRow & {
  campaign_name: string;
  credit_amount: number;
  credit_currency: string;
  validity_days: number;
};

function selectRedemptions(db: DbOrTrx) {
  return db.selectFrom('redemptions')
    .innerJoin('campaigns', 'campaigns.id', 'redemptions.campaign_id')
    .selectAll('redemptions')
    .select([
      'campaigns.name as campaign_name', 'campaigns.credit_amount', 'campaigns.credit_currency', 'campaigns.validity_days',
    ]);
}

export async function findRedemption(db: DbOrTrx, id: string): Promise<RedemptionWithCampaign | undefined> {
  return selectRedemptions(db).where('redemptions.id', '=', id).executeTakeFirst();
}

/** The code's redemption that is not released (the partial unique index allows at most one). */
export async function findLiveRedemptionOfCode(db: DbOrTrx, codeHash: string): Promise<RedemptionWithCampaign | undefined> {
  return selectRedemptions(db)
    .where('redemptions.code_hash', '=', codeHash)
    .where('redemptions.state', '<>', 'released')
    .executeTakeFirst();
}

export async function listRedemptionsOfAccount(db: DbOrTrx, accountId: string): Promise<RedemptionWithCampaign[]> {
  return selectRedemptions(db)
    .where('redemptions.account_id', '=', accountId)
    .orderBy('redemptions.redeemed_at', 'desc')
    .orderBy('redemptions.id', 'desc')
    .execute();
}

const countLive = prepared((db, p: { accountId: string; campaignId: string }) => db.selectFrom('redemptions')
  .select((eb) => eb.fn.countAll<number>().as('count'))
  .where('account_id', '=', p.accountId)
  .where('campaign_id', '=', p.campaignId)
  .where('state', '<>', 'released'));

export async function countLiveRedemptions(db: DbOrTrx, accountId: string, campaignId: string): Promise<number> {
  return Number((await countLive.first(db, { accountId, campaignId }))?.count ?? 0);
}

const lockAccount = prepared((db, p: { accountId: string }) => db.selectFrom('accounts').select('id').where('id', '=', p.accountId).forNoKeyUpdate());

/**
 * PostgreSQL: holds the account's row until the transaction ends, so one account's redemptions are counted
 * one at a time. NO KEY UPDATE rather than UPDATE: rows that merely reference the account (sessions,
 * the redemption itself) take KEY SHARE locks and must not wait for this one.
 */
export async function lockAccountForRedemption(trx: Trx, accountId: string): Promise<void> {
  await lockAccount.rows(trx, { accountId });
}

const insertRedemptionRow = prepared((db, row: RedemptionRow) => db.insertInto('redemptions').values(row));

export async function insertRedemption(trx: Trx, row: RedemptionRow): Promise<void> {
  await insertRedemptionRow.affected(trx, row);
}

/** Only a redemption not yet activated is released; false when activation (or another release) came first. */
export async function markReleased(trx: Trx, id: string, at: string): Promise<boolean> {
  const result = await trx.updateTable('redemptions')
    .set({ state: 'released', released_at: at })
    .where('id', '=', id)
    .where('state', '=', 'redeemed')
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Marks the one reminder a redeemed, not yet activated pass gets; false when it was reminded already, or activated or released. */
export async function markReminded(trx: Trx, id: string, at: string): Promise<boolean> {
  const result = await trx.updateTable('redemptions')
    .set({ reminded_at: at })
    .where('id', '=', id)
    .where('state', '=', 'redeemed')
    .where('reminded_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- activation, as subscriptions see it -------------------------------------------------

export interface RedemptionForActivationRow {
  id: string;
  account_id: string;
  country: string;
  state: RedemptionState;
  redeemed_at: string;
  subscription_id: string | null;
  code_last4: string;
  campaign_id: string;
  campaign_name: string;
  credit_amount: number;
  credit_currency: string;
  validity_days: number;
}

function selectForActivation(db: DbOrTrx) {
  return db.selectFrom('redemptions')
    .innerJoin('campaigns', 'campaigns.id', 'redemptions.campaign_id')
    .select([
      'redemptions.id', 'redemptions.account_id', 'redemptions.country', 'redemptions.state', 'redemptions.redeemed_at',
      'redemptions.subscription_id', 'redemptions.code_last4', 'redemptions.campaign_id',
      'campaigns.name as campaign_name', 'campaigns.credit_amount', 'campaigns.credit_currency', 'campaigns.validity_days',
    ]);
}

const selectRedemptionForActivation = prepared((db, p: { id: string }) => selectForActivation(db).where('redemptions.id', '=', p.id));

export async function findRedemptionForActivation(db: DbOrTrx, id: string): Promise<RedemptionForActivationRow | undefined> {
  const row = await selectRedemptionForActivation.first(db, { id });
  return row ? { ...row, credit_amount: Number(row.credit_amount) } : undefined;
}

/** Passes this account redeemed and has not activated yet, newest first. */
export async function listRedemptionsAwaitingActivation(db: DbOrTrx, accountId: string): Promise<RedemptionForActivationRow[]> {
  const rows = await selectForActivation(db)
    .where('redemptions.account_id', '=', accountId)
    .where('redemptions.state', '=', 'redeemed')
    .orderBy('redemptions.redeemed_at', 'desc')
    .execute();
  return rows.map((row) => ({ ...row, credit_amount: Number(row.credit_amount) }));
}

const activateRedeemed = prepared((db, p: { redemptionId: string; subscriptionId: string; now: string }) => db.updateTable('redemptions')
  .set({ state: 'activated', activated_at: p.now, subscription_id: p.subscriptionId })
  .where('id', '=', p.redemptionId)
  .where('state', '=', 'redeemed'));

/** The exactly-once step of activation: only a redemption still 'redeemed' becomes 'activated'. */
export async function markRedemptionActivated(trx: Trx, redemptionId: string, subscriptionId: string, now: string): Promise<boolean> {
  return await activateRedeemed.affected(trx, { redemptionId, subscriptionId, now }) === 1;
}
