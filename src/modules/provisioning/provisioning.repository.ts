// SQL of provisioning: the conditional status writes that finish or fail an activation, the support case
// opened when it fails, and who to tell. Subscriptions themselves are read through their own repository.
import type { DbOrTrx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { SubscriptionStatus } from '../subscriptions/subscriptions.table.ts';

/** Statuses from which provisioning may still finish or fail. */
export const PROVISIONABLE: readonly SubscriptionStatus[] = ['pending', 'provisioning'];

/** Conditional: only a pending or provisioning subscription becomes active; returns rows changed. */
const activateProvisionable = prepared((db, p: { id: string; externalId: string; startsAt: string; endsAt: string; now: string }) =>
  db.updateTable('subscriptions')
    .set({ status: 'active', external_id: p.externalId, starts_at: p.startsAt, ends_at: p.endsAt, updated_at: p.now })
    .where('id', '=', p.id)
    .where('status', 'in', PROVISIONABLE));

export async function activateSubscription(
  db: DbOrTrx, id: string, change: { externalId: string; startsAt: string; endsAt: string; now: string },
): Promise<number> {
  return activateProvisionable.affected(db, { id, ...change });
}

/** Keeps the platform's id of a subscription cancelled while the platform created it, so it can be stopped there. */
export async function recordExternalIdOfCancelled(db: DbOrTrx, id: string, externalId: string): Promise<void> {
  await db.updateTable('subscriptions').set({ external_id: externalId })
    .where('id', '=', id).where('status', '=', 'cancelled').where('external_id', 'is', null)
    .execute();
}

/** Conditional: only a pending or provisioning subscription fails; returns rows changed. */
export async function failSubscription(db: DbOrTrx, id: string, reason: string, now: string): Promise<number> {
  const result = await db.updateTable('subscriptions')
    .set({ status: 'failed', failure_reason: reason, updated_at: now })
    .where('id', '=', id)
    .where('status', 'in', PROVISIONABLE)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

export async function insertSupportCaseWithMessage(db: DbOrTrx, row: {
  id: string; accountId: string; subscriptionId: string; subject: string; description: string; messageId: string; message: string; now: string;
}): Promise<void> {
  await db.insertInto('support_cases').values({
    id: row.id, account_id: row.accountId, category: 'activation', subject: row.subject, description: row.description,
    subscription_id: row.subscriptionId, status: 'open', created_at: row.now, updated_at: row.now,
  }).execute();
  await db.insertInto('support_messages').values({
    id: row.messageId, case_id: row.id, author_type: 'system', author_id: null, body: row.message, created_at: row.now,
  }).execute();
}
