// One side of the codes benchmark, run in its own process by codes.bench.ts:
//   service <databaseUrl> <count> <csvFile>   the CLI's `codes generate --out` path through the real services
//   bare    <databaseUrl> <count>             the same rows written with the bare driver, nothing else
// Setup (migrations, the campaign) is not timed. Prints a ChildResult as JSON on the last line.
import { createReadStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { connectDatabase } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { createMetrics } from '../src/lib/metrics.ts';
import { systemClock } from '../src/lib/clock.ts';
import { newId } from '../src/lib/ids.ts';
import { cliActor } from '../src/cli/support.ts';
import { exportCodes } from '../src/cli/codes.ts';
import { CODES_PER_CHUNK } from '../src/modules/codes/codes.service.ts';
import { createServices } from '../src/services.ts';
import { reportToParent } from './support.ts';

const [mode, databaseUrl, countText, csvFile] = process.argv.slice(2);
const count = Number(countText);
if (!databaseUrl || !Number.isSafeInteger(count) || count < 1) throw new Error('usage: codes-child.ts service|bare <databaseUrl> <count> [csvFile]');

if (mode === 'service') await measureService(databaseUrl, csvFile ?? '');
else if (mode === 'bare') await measureBare(databaseUrl);
else throw new Error(`unknown mode ${mode}`);

async function measureService(url: string, out: string) {
  if (!out) throw new Error('service mode needs the path of a new CSV file');
  const config = loadConfig({ DATABASE_URL: url, CLOUDPASS_SECRET: randomBytes(32).toString('hex'), LOG_LEVEL: 'silent' });
  const database = connectDatabase(url, { poolSize: 2 });
  await migrateToLatest(database.db);
  const services = createServices({ config, db: database.db, dialect: database.dialect, clock: systemClock, metrics: createMetrics() });
  const campaign = await services.campaigns.create({ name: 'Benchmark', credit: { amount: 10_000, currency: 'USD' }, validityDays: 30, redeemBy: '2099-12-31' }, cliActor);

  const started = performance.now();
  const { count: written } = await exportCodes(services.codes, { campaignId: campaign.id, count, out });
  const ms = performance.now() - started;

  const stored = (await services.campaigns.get(campaign.id)).stats.issued;
  const rows = await countLines(out) - 1;
  if (written !== count || stored !== count || rows !== count) throw new Error(`asked ${count}, wrote ${written}, stored ${stored}, CSV rows ${rows}`);
  await services.close();
  await database.close();
  reportToParent({ ms, count });
}

/** The same table (real migrations), campaign and batch rows, random 64-hex keys, one prepared statement or multi-row insert, same chunk size. */
async function measureBare(url: string) {
  const database = connectDatabase(url, { poolSize: 1 });
  await migrateToLatest(database.db);
  const now = new Date().toISOString();
  const campaignId = newId();
  const batchId = newId();
  await database.db.insertInto('campaigns').values({
    id: campaignId, name: 'Benchmark', credit_amount: 10_000, credit_currency: 'USD', validity_days: 30, redeem_by: '2099-12-31',
    countries: null, passes_per_account: 1, status: 'active', created_at: now, updated_at: now,
  }).execute();
  await database.db.insertInto('code_batches').values({ id: batchId, campaign_id: campaignId, size: count, created_at: now, created_by: 'bench' }).execute();
  await database.close();

  const row = (key: string) => [key, campaignId, batchId, key.slice(-4).toUpperCase(), 'issued', now];
  const keys = (n: number) => {
    const bytes = randomBytes(32 * n);
    return Array.from({ length: n }, (_, i) => bytes.toString('hex', i * 32, i * 32 + 32));
  };
  const ms = database.dialect === 'sqlite' ? bareSqlite(url.slice('sqlite:'.length), row, keys) : await barePostgres(url, row, keys);
  reportToParent({ ms, count });
}

type Row = (key: string) => unknown[];

function bareSqlite(path: string, row: Row, keys: (n: number) => string[]): number {
  const sqlite = new SQLite(path);
  // The pragmas src/db/connect.ts sets, so both sides write to the same kind of database.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const insert = sqlite.prepare('insert into pass_codes (code_hash, campaign_id, batch_id, last4, state, created_at) values (?, ?, ?, ?, ?, ?)');
  const insertChunk = sqlite.transaction((chunk: string[]) => { for (const key of chunk) insert.run(...row(key)); });
  const started = performance.now();
  for (let done = 0; done < count; done += CODES_PER_CHUNK) insertChunk(keys(Math.min(CODES_PER_CHUNK, count - done)));
  const ms = performance.now() - started;
  sqlite.close();
  return ms;
}

async function barePostgres(url: string, row: Row, keys: (n: number) => string[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const statements = new Map<number, string>();
  const statement = (n: number) => {
    if (!statements.has(n)) {
      const values = Array.from({ length: n }, (_, r) => `(${Array.from({ length: 6 }, (_, c) => `$${r * 6 + c + 1}`).join(', ')})`);
      statements.set(n, `insert into pass_codes (code_hash, campaign_id, batch_id, last4, state, created_at) values ${values.join(', ')}`);
    }
    return statements.get(n) as string;
  };
  const started = performance.now();
  for (let done = 0; done < count; done += CODES_PER_CHUNK) {
    const chunk = keys(Math.min(CODES_PER_CHUNK, count - done));
    await client.query('begin');
    await client.query(statement(chunk.length), chunk.flatMap(row));
    await client.query('commit');
  }
  const ms = performance.now() - started;
  await client.end();
  return ms;
}

async function countLines(path: string): Promise<number> {
  let lines = 0;
  for await (const chunk of createReadStream(path)) {
    for (const byte of chunk as Buffer) if (byte === 10) lines++;
  }
  return lines;
}
