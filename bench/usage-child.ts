// One side of the usage benchmark, run in its own process by usage.bench.ts:
//   serve <databaseUrl> <subscriptions>                  cloudpass serving HTTP (with its job worker) on a fresh
//                                                        database with that many active subscriptions; prints
//                                                        {"ready", port, key, subscriptions} and, after SIGTERM,
//                                                        its ChildResult (peak RSS)
//   bare <databaseUrl> <subscriptions> <count> <batch> <dupShare> <clients>
//                                                        the same events inserted with the bare driver
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { buildApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { connectDatabase, openSqlite } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { newId } from '../src/lib/ids.ts';
import { jobWorkerTask } from '../src/worker.ts';
import { apiKeyHeader, createAccount } from '../src/testing/factories.ts';
import { activate, createPass, moveSubscription, profileOf } from '../src/modules/subscriptions/subscriptions.testing.ts';
import { batchOf } from './usage-events.ts';
import { reportToParent } from './support.ts';

const [mode, databaseUrl, ...rest] = process.argv.slice(2);
if (!databaseUrl) throw new Error('usage: usage-child.ts serve|bare <databaseUrl> …');

async function serve(url: string, subscriptions: number) {
  const config = loadConfig({ DATABASE_URL: url, CLOUDPASS_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent', PUBLIC_URL: 'http://127.0.0.1:3000' });
  const database = connectDatabase(url, { backgroundCheckpoints: true });
  await migrateToLatest(database.db);
  const app = await buildApp({ config, database, logger: false });
  // Setup, not timed: accounts with active passes of plenty of credit, and a platform key.
  const ids: string[] = [];
  for (let i = 0; i < subscriptions; i++) {
    const account = await createAccount(app, config);
    const pass = await createPass(app, account, { credit: 1_000_000_000_000 });
    const id = (await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) })).json().id as string;
    await moveSubscription(app, id, { to: 'active', endsAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    ids.push(id);
  }
  const key = (await apiKeyHeader(app, 'platform')).slice('Bearer '.length);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const worker = jobWorkerTask(app);
  const { port } = app.server.address() as { port: number };
  console.log(JSON.stringify({ ready: true, port, key, subscriptions: ids }));
  await new Promise<void>((resolve) => process.once('SIGTERM', () => resolve()));
  // The parent reads the totals from the database after this process is gone.
  await worker.stop();
  await app.close();
  await database.close();
  reportToParent({ ms: 0, count: 0 });
}

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

if (mode === 'serve') await serve(databaseUrl, Number(rest[0]));
else if (mode === 'bare') await bare(databaseUrl, rest.map(Number) as [number, number, number, number, number]);
else throw new Error(`unknown mode ${mode}`);
