// All SQL of the lifecycle: the notices (emails) already sent about each subscription.
import type { DbOrTrx, Trx } from '../../db/database.ts';

/**
 * Records that `notice` goes out about a subscription, in the caller's transaction with the mail itself.
 * The primary key decides: true for the one caller that inserted it, false for every other (here or in
 * a concurrent transaction), which must then send nothing.
 */
export async function insertNotice(trx: Trx, subscriptionId: string, notice: string, now: string): Promise<boolean> {
  const rows = await trx.insertInto('lifecycle_notices').values({ subscription_id: subscriptionId, notice, created_at: now })
    .onConflict((oc) => oc.columns(['subscription_id', 'notice']).doNothing())
    .returning('notice')
    .execute();
  return rows.length === 1;
}

/** Which of these (subscription, notice) pairs were already sent: lets the sweep skip them without a transaction each. */
export async function findNotices(db: DbOrTrx, subscriptionIds: readonly string[], notices: readonly string[]): Promise<Set<string>> {
  if (subscriptionIds.length === 0 || notices.length === 0) return new Set();
  const rows = await db.selectFrom('lifecycle_notices').select(['subscription_id', 'notice'])
    .where('subscription_id', 'in', subscriptionIds).where('notice', 'in', notices).execute();
  return new Set(rows.map((r) => `${r.subscription_id} ${r.notice}`));
}
