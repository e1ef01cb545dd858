// All SQL for subscriptions, their idempotency keys, and the redemption rows an activation reads and
// marks. Every function takes the handle its caller owns (the database or a transaction).
import type { Insertable, Selectable } from 'kysely';
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { IdempotencyKeyTable, SubscriptionStatus, SubscriptionTable } from './subscriptions.table.ts';

export type SubscriptionRow = Selectable<SubscriptionTable> & { campaign_name: string | null };

function selectSubscriptions(db: DbOrTrx) {
  return db.selectFrom('subscriptions')
    .leftJoin('redemptions', 'redemptions.id', 'subscriptions.redemption_id')
    .leftJoin('campaigns', 'campaigns.id', 'redemptions.campaign_id')
    .selectAll('subscriptions')
    .select('campaigns.name as campaign_name');
}

const insertSubscriptionRow = prepared((db, row: Insertable<SubscriptionTable>) => db.insertInto('subscriptions').values(row));

export async function insertSubscription(db: DbOrTrx, row: Insertable<SubscriptionTable>): Promise<void> {
  await insertSubscriptionRow.affected(db, row);
}

const selectSubscription = prepared((db, p: { id: string }) => selectSubscriptions(db).where('subscriptions.id', '=', p.id));

export async function findSubscription(db: DbOrTrx, id: string): Promise<SubscriptionRow | undefined> {
  return selectSubscription.first(db, { id });
}

export async function findSubscriptionByRedemption(db: DbOrTrx, redemptionId: string): Promise<SubscriptionRow | undefined> {
  return selectSubscriptions(db).where('subscriptions.redemption_id', '=', redemptionId).executeTakeFirst();
}

export async function findTrialOfAccount(db: DbOrTrx, accountId: string): Promise<SubscriptionRow | undefined> {
  return selectSubscriptions(db)
    .where('subscriptions.account_id', '=', accountId)
    .where('subscriptions.offer', '=', 'free-trial')
    .executeTakeFirst();
}

/** Newest first. */
export async function listSubscriptionsOfAccount(db: DbOrTrx, accountId: string): Promise<SubscriptionRow[]> {
  return selectSubscriptions(db)
    .where('subscriptions.account_id', '=', accountId)
    .orderBy('subscriptions.created_at', 'desc')
    .orderBy('subscriptions.id', 'desc')
    .execute();
}

/** Conditional: only from one of `from`; returns the rows changed (0 or 1). */
export async function updateSubscriptionStatus(
  db: DbOrTrx, id: string, from: readonly SubscriptionStatus[], to: SubscriptionStatus, now: string,
): Promise<number> {
  const result = await db.updateTable('subscriptions')
    .set({ status: to, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', from)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

// ---- idempotency keys ------------------------------------------------------------

export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;

const selectIdempotencyKey = prepared((db, p: { accountId: string; key: string }) => db.selectFrom('idempotency_keys').selectAll()
  .where('account_id', '=', p.accountId).where('key', '=', p.key));

export async function findIdempotencyKey(db: DbOrTrx, accountId: string, key: string): Promise<IdempotencyKeyRow | undefined> {
  return selectIdempotencyKey.first(db, { accountId, key });
}

const insertIdempotencyKeyRow = prepared((db, row: IdempotencyKeyRow) => db.insertInto('idempotency_keys').values(row));

/** Fails with a unique violation when the key is taken: the caller decides what that means. */
export async function insertIdempotencyKey(db: DbOrTrx, row: IdempotencyKeyRow): Promise<void> {
  await insertIdempotencyKeyRow.affected(db, row);
}

/** For answers that repeat an existing subscription: keep the first record of a key if there is one. */
export async function insertIdempotencyKeyIfAbsent(db: DbOrTrx, row: IdempotencyKeyRow): Promise<void> {
  await db.insertInto('idempotency_keys').values(row).onConflict((oc) => oc.columns(['account_id', 'key']).doNothing()).execute();
}

export async function deleteIdempotencyKeysCreatedBefore(db: DbOrTrx, before: string): Promise<number> {
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A unique or primary key violation, as better-sqlite3 and pg report it. */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
