// The database floor under the redemption storm: for every recipient, the SQL that one redeem+activate
// pair makes the server run, sent straight through the driver, with no HTTP, no Fastify and no Kysely.
// The storm's requests/s cannot go above this figure, so it shows how much of each request's cost is
// the database's own and how much is everything on top of it. It gives context and is not a target.
//
// The statements follow src/http/auth.ts and src/modules/sessions (the session and its account),
// redemptions.repository.ts, subscriptions.repository.ts, credit.repository.ts, jobs.repository.ts and
// audit.service.ts, with the same ids (newId) and the same shapes of values. Per pair:
//   redeem:   session+account by token hash; code+campaign by code hash;
//             transaction { [PostgreSQL: lock the account row FOR NO KEY UPDATE]; bind the issued code (1 row);
//                           count the account's live redemptions of the campaign; insert the redemption; insert audit }
//   activate: session+account again; idempotency key (account, key); redemption+campaign by id;
//             transaction { insert subscription; insert credit grant; mark the redemption activated (1 row);
//                           insert the provisioning job; insert audit; insert the idempotency key }
// SQLite: one better-sqlite3 connection set up as `cloudpass serve` sets up its own (src/db/connect.ts:
// the same pragmas and the background WAL checkpointer), with prepared statements reused for each SQL
// text, one pair after another, because a connection runs one statement at a time.
// PostgreSQL: a pg Pool of 10 like the server's, with `concurrency` async clients, where each statement
// is one unnamed round trip, as Kysely sends it.
// The session tokens and codes are hashed before the clock starts. That hashing is CPU work and not
// database work.
import { resolve } from 'node:path';
import type SQLite from 'better-sqlite3';
import pg from 'pg';
import { loadPg, openSqlite, startCheckpointer } from '../src/db/connect.ts';
import { iso } from '../src/lib/clock.ts';
import { newId } from '../src/lib/ids.ts';
import { hashSessionToken } from '../src/modules/sessions/sessions.service.ts';
import { hashRequest, toSubscriptionView } from '../src/modules/subscriptions/subscriptions.service.ts';

/** What the floor needs of a seeded recipient: the session token (stored hashed) and the code's keyed hash. */
export interface FloorRecipient { token: string; codeHash: string }

export interface FloorResult {
  pairs: number;
  seconds: number;
  /** Clients running pairs at once: 1 on SQLite, `concurrency` on PostgreSQL. */
  clients: number;
  /** Milliseconds per pair, sorted. */
  latencies: number[];
}

type Row = Record<string, unknown>;

/** The little the pair needs of a driver: a row, a write's row count, and a transaction on one connection. */
interface Connection {
  one(sql: string, params: unknown[]): Promise<Row | undefined>;
  run(sql: string, params: unknown[]): Promise<number>;
}
interface FloorDriver extends Connection {
  dialect: 'sqlite' | 'postgres';
  transaction(work: (tx: Connection) => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

/** Runs every recipient's pair on the freshly seeded database at `databaseUrl` and times it. */
export async function measureDatabaseFloor(databaseUrl: string, recipients: FloorRecipient[], concurrency: number): Promise<FloorResult> {
  const driver = databaseUrl.startsWith('sqlite:') ? sqliteDriver(databaseUrl.slice('sqlite:'.length)) : postgresDriver(databaseUrl);
  const pairs = recipients.map((r) => ({ tokenHash: hashSessionToken(r.token), codeHash: r.codeHash }));
  const clients = driver.dialect === 'sqlite' ? 1 : concurrency;
  const latencies: number[] = [];
  let next = 0;
  try {
    const started = performance.now();
    await Promise.all(Array.from({ length: clients }, async () => {
      while (next < pairs.length) {
        const pair = pairs[next++]!;
        const t0 = performance.now();
        const redemptionId = await redeem(driver, pair.tokenHash, pair.codeHash);
        await activate(driver, pair.tokenHash, redemptionId);
        latencies.push(performance.now() - t0);
      }
    }));
    const seconds = (performance.now() - started) / 1000;
    return { pairs: pairs.length, seconds, clients, latencies: latencies.sort((a, b) => a - b) };
  } finally {
    await driver.close();
  }
}

// ---- the pair --------------------------------------------------------------------------------

async function redeem(db: FloorDriver, tokenHash: string, codeHash: string): Promise<string> {
  const account = await signedIn(db, tokenHash);
  const code = must(await db.one(SQL.codeWithCampaign, [codeHash]), 'code');
  const accountId = String(account.id);
  const campaignId = String(code.campaign_id);
  const now = iso(new Date());
  const id = newId();
  await db.transaction(async (tx) => {
    if (db.dialect === 'postgres') await tx.one(SQL.lockAccount, [accountId]);
    changedOne(await tx.run(SQL.bindIssuedCode, ['redeemed', accountId, now, codeHash, 'issued']), 'bind the code');
    const live = Number(must(await tx.one(SQL.countLiveRedemptions, [accountId, campaignId, 'released']), 'count').count);
    if (live >= Number(code.passes_per_account)) throw new Error('pass limit reached');
    await tx.run(SQL.insertRedemption, [id, codeHash, code.last4, accountId, campaignId, 'FI', 'redeemed', now, null, null, null]);
    await tx.run(SQL.insertAudit, auditValues(account, 'code.redeemed', 'pass_code', codeHash, {
      redemptionId: id, campaignId, accountId, country: 'FI', last4: code.last4,
    }));
  });
  return id;
}

async function activate(db: FloorDriver, tokenHash: string, redemptionId: string): Promise<void> {
  const account = await signedIn(db, tokenHash);
  const accountId = String(account.id);
  const key = redemptionId; // the storm sends the redemption id as its Idempotency-Key
  if (await db.one(SQL.idempotencyKey, [accountId, key])) throw new Error('idempotency key already used');
  const redemption = must(await db.one(SQL.redemptionForActivation, [redemptionId]), 'redemption');
  const profile = { firstName: 'Storm', lastName: 'Person', email: String(account.email), country: 'FI' };
  const now = iso(new Date());
  const id = newId();
  const credit = { amount: Number(redemption.credit_amount), currency: String(redemption.credit_currency) };
  const subscription = {
    id, account_id: accountId, offer: 'pass' as const, redemption_id: redemptionId, status: 'pending' as const,
    credit_currency: credit.currency, validity_days: Number(redemption.validity_days), starts_at: null, ends_at: null,
    external_id: null, profile: JSON.stringify(profile), failure_reason: null, created_at: now, updated_at: now,
  };
  const view = toSubscriptionView({ ...subscription, disabled_reason: null, stopped_at: null, campaign_name: String(redemption.campaign_name) },
    { granted: credit.amount, adjusted: 0, used: 0, remaining: credit.amount }, 0);
  await db.transaction(async (tx) => {
    await tx.run(SQL.insertSubscription, Object.values(subscription));
    await tx.run(SQL.insertLedgerEntry, [newId(), id, 'grant', credit.amount, credit.currency.toUpperCase(), null, now]);
    await tx.run(SQL.insertBalance, [id, credit.currency.toUpperCase(), credit.amount, 0, 0, credit.amount]);
    changedOne(await tx.run(SQL.markActivated, ['activated', now, id, redemptionId, 'redeemed']), 'activate the redemption');
    await tx.run(SQL.insertJob, [newId(), 'subscription.provision', JSON.stringify({ subscriptionId: id }), now, 0, null, null, null, now, null, null, null]);
    await tx.run(SQL.insertAudit, auditValues(account, 'subscription.created', 'subscription', id, {
      offer: 'pass', redemptionId, credit, validityDays: subscription.validity_days,
    }));
    const requestHash = hashRequest({ offer: 'pass', redemptionId, profile });
    await tx.run(SQL.insertIdempotencyKey, [accountId, key, requestHash, 202, JSON.stringify(view), now]);
  });
}

async function signedIn(db: Connection, tokenHash: string): Promise<Row> {
  return must(await db.one(SQL.sessionWithAccount, [tokenHash]), 'session');
}

function auditValues(account: Row, action: string, subjectType: string, subjectId: string, details: object): unknown[] {
  return [newId(), iso(new Date()), 'account', account.id, account.email, action, subjectType, subjectId, JSON.stringify(details)];
}

function must(row: Row | undefined, what: string): Row {
  if (!row) throw new Error(`database floor: no ${what} row`);
  return row;
}

function changedOne(rows: number, what: string): void {
  if (rows !== 1) throw new Error(`database floor: ${what} changed ${rows} rows, not 1`);
}


// ---- the statements (? placeholders; numbered for PostgreSQL) ----------------------------------

const SQL = {
  sessionWithAccount: `select a.*, s.token_hash, s.account_id, s.csrf_secret, s.data, s.created_at as session_created_at,
      s.last_seen_at, s.expires_at, o.name as organization_name
    from sessions s left join accounts a on a.id = s.account_id left join organizations o on o.id = a.organization_id
    where s.token_hash = ?`,
  codeWithCampaign: `select c.*, p.code_hash, p.campaign_id, p.batch_id, p.last4, p.state, p.created_at as code_created_at,
      p.redeemed_at, p.account_id, p.revoked_at
    from pass_codes p join campaigns c on c.id = p.campaign_id where p.code_hash = ?`,
  lockAccount: 'select id from accounts where id = ? for no key update',
  bindIssuedCode: 'update pass_codes set state = ?, account_id = ?, redeemed_at = ? where code_hash = ? and state = ?',
  countLiveRedemptions: 'select count(*) as count from redemptions where account_id = ? and campaign_id = ? and state <> ?',
  insertRedemption: `insert into redemptions (id, code_hash, code_last4, account_id, campaign_id, country, state, redeemed_at,
    activated_at, released_at, subscription_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertAudit: `insert into audit_events (id, at, actor_type, actor_id, actor_label, action, subject_type, subject_id, details)
    values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  idempotencyKey: 'select * from idempotency_keys where account_id = ? and "key" = ?',
  redemptionForActivation: `select r.id, r.account_id, r.country, r.state, r.redeemed_at, r.subscription_id, r.code_last4, r.campaign_id,
      c.name as campaign_name, c.credit_amount, c.credit_currency, c.validity_days
    from redemptions r join campaigns c on c.id = r.campaign_id where r.id = ?`,
  insertSubscription: `insert into subscriptions (id, account_id, offer, redemption_id, status, credit_currency, validity_days,
    starts_at, ends_at, external_id, profile, failure_reason, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertLedgerEntry: `insert into credit_ledger (id, subscription_id, kind, amount, currency, usage_event_id, created_at)
    values (?, ?, ?, ?, ?, ?, ?)`,
  // The ledger's totals, written with every entry (as credit.repository.ts does; the first entry inserts them).
  insertBalance: 'insert into credit_balances (subscription_id, currency, granted, adjusted, used, balance) values (?, ?, ?, ?, ?, ?)',
  markActivated: 'update redemptions set state = ?, activated_at = ?, subscription_id = ? where id = ? and state = ?',
  insertJob: `insert into jobs (id, type, payload, run_at, attempts, locked_by, locked_until, last_error, created_at, done_at,
    failed_at, first_attempt_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  insertIdempotencyKey: `insert into idempotency_keys (account_id, "key", request_hash, response_status, response_body, created_at)
    values (?, ?, ?, ?, ?, ?)`,
};

// ---- drivers ---------------------------------------------------------------------------------

function sqliteDriver(path: string): FloorDriver {
  const sqlite = openSqlite(path);
  const checkpointer = startCheckpointer(sqlite, resolve(path)); // as the server's connection (backgroundCheckpoints)
  const statements = new Map<string, SQLite.Statement>();
  const prepared = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, statement = sqlite.prepare(sql));
    return statement;
  };
  const connection: Connection = {
    one: async (sql, params) => prepared(sql).get(...params) as Row | undefined,
    run: async (sql, params) => prepared(sql).run(...params).changes,
  };
  return {
    dialect: 'sqlite',
    ...connection,
    // One client at a time on one connection, so a plain begin/commit cannot interleave with another pair.
    async transaction(work) {
      prepared('begin').run();
      try {
        await work(connection);
        prepared('commit').run();
      } catch (error) {
        prepared('rollback').run();
        throw error;
      }
    },
    async close() {
      await checkpointer.stop();
      sqlite.close();
    },
  };
}

function postgresDriver(url: string): FloorDriver {
  loadPg(); // sets pg's int8 and numeric parsers, as the server has them
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // The bench drops the database with (force) once it is done: an idle client the server then cuts off
  // must not crash the bench (an 'error' event with no listener is thrown), as it does not crash the server.
  pool.on('error', () => {});
  const numbered = new Map<string, string>();
  const text = (sql: string) => {
    let converted = numbered.get(sql);
    if (converted === undefined) {
      let n = 0;
      numbered.set(sql, converted = sql.replace(/\?/g, () => `$${++n}`));
    }
    return converted;
  };
  const on = (client: pg.Pool | pg.PoolClient): Connection => ({
    one: async (sql, params) => (await client.query(text(sql), params)).rows[0] as Row | undefined,
    run: async (sql, params) => (await client.query(text(sql), params)).rowCount ?? 0,
  });
  return {
    dialect: 'postgres',
    ...on(pool),
    async transaction(work) {
      const client = await pool.connect();
      try {
        await client.query('begin');
        await work(on(client));
        await client.query('commit');
      } catch (error) {
        await client.query('rollback').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
