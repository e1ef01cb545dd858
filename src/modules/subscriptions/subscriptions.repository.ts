// All SQL for subscriptions and their idempotency keys: the only place that writes the `subscriptions`
// table. Every function takes the handle its caller owns (the database or a transaction).
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { DbOrTrx, Trx } from '../../db/database.ts';
import { prepared, type PreparedQuery } from '../../db/prepared.ts';
import { MOVES, type MoveName } from './subscription-status.ts';
import type { IdempotencyKeyTable, SubscriptionTable } from './subscriptions.table.ts';

export type SubscriptionRow = Selectable<SubscriptionTable> & { campaign_name: string | null };

// The campaign's name is read with the subscription, joined through its redemption: every view of a pass
// subscription shows it, and lists would otherwise ask the redemptions module once per row.
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

// ---- the one writer of the status ----------------------------------------------------------

/** What a move records beside the status, when it has something to record. */
export interface StatusFacts {
  externalId?: string;
  startsAt?: string;
  endsAt?: string;
  failureReason?: string;
  /** Why it stopped (null clears it when it runs again). */
  disabledReason?: string | null;
  /** When it stopped (null clears it when it runs again). */
  stoppedAt?: string | null;
  /** Replaces the activation profile (deletion forgets it). */
  profile?: string;
}

type StatusWriteParams = { id: string; updated_at: string } & Omit<Updateable<SubscriptionTable>, 'id' | 'status' | 'updated_at'>;
type StatusWrite = PreparedQuery<StatusWriteParams, unknown>;

/** One compiled statement per move: its `status IN (…)` and new status come from the move. */
const statusWrites = new Map<MoveName, StatusWrite>();

function statusWrite(name: MoveName): StatusWrite {
  let write = statusWrites.get(name);
  if (!write) {
    const { from, to } = MOVES[name];
    write = prepared((db, { id, ...columns }: StatusWriteParams) => db.updateTable('subscriptions')
      .set({ ...columns, status: to })
      .where('id', '=', id)
      .where('status', 'in', from));
    statusWrites.set(name, write);
  }
  return write;
}

/**
 * The only write of a subscription's status. Conditional: the subscription makes the move only from one
 * of the move's statuses (subscription-status.ts), so of two racing changes one wins and the other changes
 * nothing. True when this call moved it (one row).
 */
export async function changeStatus(trx: Trx, id: string, move: MoveName, facts: StatusFacts, now: string): Promise<boolean> {
  return await statusWrite(move).affected(trx, {
    id, external_id: facts.externalId, starts_at: facts.startsAt, ends_at: facts.endsAt, failure_reason: facts.failureReason,
    disabled_reason: facts.disabledReason, stopped_at: facts.stoppedAt, profile: facts.profile, updated_at: now,
  }) === 1;
}

/** Moves the end date of a subscription that has one and is not deleted; true when it did. */
export async function setEndsAt(trx: Trx, id: string, endsAt: string, now: string): Promise<boolean> {
  const result = await trx.updateTable('subscriptions').set({ ends_at: endsAt, updated_at: now })
    .where('id', '=', id).where('status', '!=', 'deleted').where('ends_at', 'is not', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface DueRow {
  id: string;
  status: SubscriptionTable['status'];
  ends_at: string | null;
  stopped_at: string | null;
}

/** Subscriptions in `statuses` whose end date is at or before `before` (and after `after`, when given), soonest first. */
export async function findEndingBetween(db: DbOrTrx, statuses: readonly SubscriptionTable['status'][], after: string | null, before: string, limit: number): Promise<DueRow[]> {
  let query = db.selectFrom('subscriptions').select(['id', 'status', 'ends_at', 'stopped_at'])
    .where('status', 'in', statuses).where('ends_at', '<=', before);
  if (after !== null) query = query.where('ends_at', '>', after);
  return query.orderBy('ends_at').limit(limit).execute();
}

/** Subscriptions in `statuses` that stopped at or before `before` (and after `after`, when given), earliest first. */
export async function findStoppedBetween(db: DbOrTrx, statuses: readonly SubscriptionTable['status'][], after: string | null, before: string, limit: number): Promise<DueRow[]> {
  let query = db.selectFrom('subscriptions').select(['id', 'status', 'ends_at', 'stopped_at'])
    .where('status', 'in', statuses).where('stopped_at', '<=', before);
  if (after !== null) query = query.where('stopped_at', '>', after);
  return query.orderBy('stopped_at').limit(limit).execute();
}

/** Status and currency of many subscriptions in one query (the usage API checks a batch's targets). */
export async function findStatuses(db: DbOrTrx, ids: readonly string[]): Promise<Array<{ id: string; status: SubscriptionTable['status']; credit_currency: string }>> {
  if (ids.length === 0) return [];
  return db.selectFrom('subscriptions').select(['id', 'status', 'credit_currency']).where('id', 'in', ids).execute();
}

/** Keeps the platform's id of a subscription cancelled while the platform created it, so it can be stopped there. */
export async function keepExternalIdOfCancelled(db: DbOrTrx, id: string, externalId: string): Promise<boolean> {
  const result = await db.updateTable('subscriptions').set({ external_id: externalId })
    .where('id', '=', id).where('status', '=', 'cancelled').where('external_id', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- idempotency keys ------------------------------------------------------------

/** What a key remembers: the request it came with and the subscription it answered with. */
export interface IdempotencyRecord {
  accountId: string;
  key: string;
  requestHash: string;
  /** Whether that request created the subscription. */
  created: boolean;
  /** The subscription answered, as JSON. */
  response: string;
  createdAt: string;
}

// The column keeps the HTTP status the first answer had when the key was stored (202 created, 200 not),
// so keys stored before this mapping moved here still read the same.
const CREATED_STATUS = 202;
const EXISTING_STATUS = 200;

function toKeyRow(record: IdempotencyRecord): Selectable<IdempotencyKeyTable> {
  return {
    account_id: record.accountId, key: record.key, request_hash: record.requestHash,
    response_status: record.created ? CREATED_STATUS : EXISTING_STATUS, response_body: record.response, created_at: record.createdAt,
  };
}

const selectIdempotencyKey = prepared((db, p: { accountId: string; key: string }) => db.selectFrom('idempotency_keys').selectAll()
  .where('account_id', '=', p.accountId).where('key', '=', p.key));

export async function findIdempotencyKey(db: DbOrTrx, accountId: string, key: string): Promise<IdempotencyRecord | undefined> {
  const row = await selectIdempotencyKey.first(db, { accountId, key });
  if (!row) return undefined;
  return {
    accountId: row.account_id, key: row.key, requestHash: row.request_hash, created: row.response_status === CREATED_STATUS,
    response: row.response_body, createdAt: row.created_at,
  };
}

const insertIdempotencyKeyRow = prepared((db, row: Selectable<IdempotencyKeyTable>) => db.insertInto('idempotency_keys').values(row));

/** Fails with a unique violation when the key is taken: the caller decides what that means. */
export async function insertIdempotencyKey(db: DbOrTrx, record: IdempotencyRecord): Promise<void> {
  await insertIdempotencyKeyRow.affected(db, toKeyRow(record));
}

/** For answers that repeat an existing subscription: keep the first record of a key if there is one. */
export async function insertIdempotencyKeyIfAbsent(db: DbOrTrx, record: IdempotencyRecord): Promise<void> {
  await db.insertInto('idempotency_keys').values(toKeyRow(record)).onConflict((oc) => oc.columns(['account_id', 'key']).doNothing()).execute();
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
