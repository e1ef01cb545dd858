// The bare side of the usage benchmark, run in its own process by usage.bench.ts:
//   bare <databaseUrl> <subscriptions> <count> <batch> <dupShare> <clients>
//                                                        the same events inserted with the bare driver
import pg from 'pg';
import { connectDatabase, openSqlite } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { newId } from '../src/lib/ids.ts';
import { batchOf } from './usage-events.ts';
import { reportToParent } from './support.ts';

const [mode, databaseUrl, ...rest] = process.argv.slice(2);
if (!databaseUrl) throw new Error('usage: usage-child.ts bare <databaseUrl> …');

const COLUMNS = ['id', 'subscription_id', 'kind', 'amount', 'currency', 'usage_event_id', 'meter', 'occurred_at', 'created_at'];

/** The same events, the same table and unique index (real migrations), the same insert-or-skip, nothing else. */
async function bare(url: string, [subscriptions, count, batchSize, dupShareTimes100, clients]: [number, number, number, number, number]) {
  const database = connectDatabase(url, { poolSize: 1 });
  await migrateToLatest(database.db);
  const now = new Date().toISOString();
  const subs: string[] = [];
  for (let i = 0; i < subscriptions; i++) {
    const account = newId();
    const id = newId();
    await database.db.insertInto('accounts').values({
      id: account, kind: 'personal', organization_id: null, organization_role: null, email: `${account}@bench.test`, email_normalized: `${account}@bench.test`,
      display_name: 'Bench', country: 'FI', password_hash: null, email_verified_at: now, operator_admin: 0, oidc_subject: null, created_at: now, updated_at: now,
    }).execute();
    await database.db.insertInto('subscriptions').values({
      id, account_id: account, offer: 'pass', redemption_id: null, status: 'active', credit_currency: 'USD', validity_days: 30, starts_at: now,
      ends_at: now, external_id: null, profile: '{}', failure_reason: null, disabled_reason: null, stopped_at: null, created_at: now, updated_at: now,
    }).execute();
    subs.push(id);
  }
  await database.close();
  const batches = Math.ceil(count / batchSize);
  const dupShare = dupShareTimes100 / 100;
  const params = (b: number) => {
    const values: unknown[] = [];
    // In event id order, as the service inserts them, so overlapping batches lock in one order.
    const events = batchOf(b, batchSize, dupShare, subs).sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    for (const e of events) values.push(newId(), e.subscriptionId, 'usage', -e.amount, 'USD', e.id, e.meter, e.occurredAt, now);
    return values;
  };
  const sqlOf = (slot: (i: number) => string) => `insert into credit_ledger (${COLUMNS.join(',')}) values ${
    Array.from({ length: batchSize }, (_, r) => `(${COLUMNS.map((_, c) => slot(r * COLUMNS.length + c + 1)).join(',')})`).join(',')
  } on conflict (usage_event_id) do nothing`;

  let ms: number;
  if (database.dialect === 'sqlite') {
    const sqlite = openSqlite(url.slice('sqlite:'.length));
    const insert = sqlite.prepare(sqlOf(() => '?'));
    const started = performance.now();
    for (let b = 0; b < batches; b++) sqlite.transaction(() => insert.run(params(b)))();
    ms = performance.now() - started;
    sqlite.close();
  } else {
    const pool = new pg.Pool({ connectionString: url, max: clients });
    const text = sqlOf((i) => `$${i}`);
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      for (let b = next++; b < batches; b = next++) await pool.query(text, params(b));
    }));
    ms = performance.now() - started;
    await pool.end();
  }
  reportToParent({ ms, count: batches * batchSize });
}

if (mode === 'bare') await bare(databaseUrl, rest.map(Number) as [number, number, number, number, number]);
else throw new Error(`unknown mode ${mode}`);
