import { sql, type Kysely } from 'kysely';

// Usage and the life of a subscription after activation.
// - Usage entries of the credit ledger say what was used (`meter`) and when (`occurred_at`), for the
//   burn-down chart and the usage by meter; the platform's event id was already unique.
// - `credit_balances` keeps each subscription's totals, updated in the same transaction as every ledger
//   entry: a batch of usage then knows the balance it leaves without summing a ledger of a million rows.
// - A subscription remembers why it was disabled and when it stopped (disabled, expired or cancelled):
//   its deletion date is that moment plus the retention period.
// - `lifecycle_notices` holds one row per email sent about a subscription (a threshold, an end warning):
//   its primary key is what makes each one go out once, whatever the number of workers.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('credit_ledger').addColumn('meter', 'text').execute();
  await db.schema.alterTable('credit_ledger').addColumn('occurred_at', 'text').execute();

  await db.schema.createTable('credit_balances')
    .addColumn('subscription_id', 'text', (c) => c.primaryKey().references('subscriptions.id'))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('granted', 'bigint', (c) => c.notNull())
    .addColumn('adjusted', 'bigint', (c) => c.notNull())
    .addColumn('used', 'bigint', (c) => c.notNull())
    .addColumn('balance', 'bigint', (c) => c.notNull())
    .execute();
  await sql`insert into credit_balances (subscription_id, currency, granted, adjusted, used, balance)
    select subscription_id, max(currency),
      coalesce(sum(case when kind = 'grant' then amount else 0 end), 0),
      coalesce(sum(case when kind in ('adjustment', 'expiry') then amount else 0 end), 0),
      coalesce(sum(case when kind = 'usage' then -amount else 0 end), 0),
      coalesce(sum(amount), 0)
    from credit_ledger group by subscription_id`.execute(db);

  await db.schema.alterTable('subscriptions').addColumn('disabled_reason', 'text').execute();
  await db.schema.alterTable('subscriptions').addColumn('stopped_at', 'text').execute();
  await db.schema.createIndex('subscriptions_status_ends').on('subscriptions').columns(['status', 'ends_at']).execute();
  await db.schema.createIndex('subscriptions_status_stopped').on('subscriptions').columns(['status', 'stopped_at']).execute();

  await db.schema.createTable('lifecycle_notices')
    .addColumn('subscription_id', 'text', (c) => c.notNull())
    .addColumn('notice', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('lifecycle_notices_pk', ['subscription_id', 'notice'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('lifecycle_notices').execute();
  await db.schema.dropIndex('subscriptions_status_stopped').execute();
  await db.schema.dropIndex('subscriptions_status_ends').execute();
  await db.schema.alterTable('subscriptions').dropColumn('stopped_at').execute();
  await db.schema.alterTable('subscriptions').dropColumn('disabled_reason').execute();
  await db.schema.dropTable('credit_balances').execute();
  await db.schema.alterTable('credit_ledger').dropColumn('occurred_at').execute();
  await db.schema.alterTable('credit_ledger').dropColumn('meter').execute();
}
