// The console's recipients at 100,000: a program of that many redeemed passes (half activated, with a
// subscription and a credit grant each), then the operator's reads through the API in process: the first
// page, a page deep in the list (by its cursor), an email look-up, a campaign's page and a state's page
// (each the median of RECIPIENTS_RUNS), and all 100,000 as a streamed CSV. SQLite always; PostgreSQL too
// when BENCH_DATABASE_URL or TEST_DATABASE_URL is set. RECIPIENTS_COUNT changes the size.
import { sql } from 'kysely';
import { buildApp, type App } from '../src/app.ts';
import { connectDatabase } from '../src/db/connect.ts';
import { migrateToLatest } from '../src/db/migrate.ts';
import { newId } from '../src/lib/ids.ts';
import { apiKeyHeader } from '../src/testing/factories.ts';
import { testConfig } from '../src/testing/harness.ts';
import { formatCount, freshDatabase, postgresAdminUrl, type BenchReport } from './support.ts';

export const description = 'the recipients list and its CSV at 100,000 recipients: pages by cursor, email, campaign and state, and the streamed CSV';

const COUNT = Number(process.env.RECIPIENTS_COUNT ?? 100_000);
const RUNS = Number(process.env.RECIPIENTS_RUNS ?? 9);
const CAMPAIGNS = 20;
const MAX_PAGE_MS = 100;
const MAX_CSV_MS = 30_000;

export async function run(): Promise<BenchReport> {
  const report: BenchReport = { lines: [], targets: [] };
  for (const kind of postgresAdminUrl() ? ['sqlite', 'postgres'] as const : ['sqlite'] as const) {
    const database = await freshDatabase(kind);
    const handle = connectDatabase(database.url, { poolSize: kind === 'postgres' ? 10 : undefined });
    try {
      await migrateToLatest(handle.db);
      const app = await buildApp({ config: testConfig(database.url), database: handle, logger: false });
      await app.ready();
      const seeded = performance.now();
      const { campaignIds, someEmail } = await seed(app);
      // As autovacuum (PostgreSQL) or a long-running instance would have: statistics for the planner.
      if (kind === 'postgres') await sql`analyze`.execute(handle.db);
      report.lines.push(`${kind}: ${formatCount(COUNT)} recipients seeded in ${((performance.now() - seeded) / 1000).toFixed(1)} s`);
      const auth = { authorization: await apiKeyHeader(app, 'operator') };
      const get = async (query: string) => {
        const started = performance.now();
        const response = await app.inject({ method: 'GET', url: `/api/v1/recipients${query}`, headers: auth });
        if (response.statusCode !== 200) throw new Error(`${query} answered ${response.statusCode}: ${response.body.slice(0, 200)}`);
        return { ms: performance.now() - started, body: response.json<{ items: unknown[]; nextCursor: string | null }>() };
      };
      const deepCursor = await cursorAt(app, COUNT - 100);
      const cases: Array<[string, string]> = [
        ['first page (50)', ''],
        [`page at row ${formatCount(COUNT - 100)} (cursor)`, `?cursor=${deepCursor}`],
        ['email look-up', `?email=${encodeURIComponent(someEmail)}`],
        ['one campaign, first page', `?campaignId=${campaignIds[7]}`],
        ['state "redeemed", first page', '?state=redeemed'],
        ['500 a page', '?limit=500'],
      ];
      for (const [label, query] of cases) {
        await get(query);
        const times: number[] = [];
        for (let i = 0; i < RUNS; i++) times.push((await get(query)).ms);
        times.sort((a, b) => a - b);
        const median = times[Math.floor(times.length / 2)]!;
        report.lines.push(`${kind}: ${label}: median ${median.toFixed(1)} ms`);
        report.targets.push({ label: `${kind}: ${label} under ${MAX_PAGE_MS} ms`, met: median < MAX_PAGE_MS });
      }
      const started = performance.now();
      const csv = await app.inject({ method: 'GET', url: '/api/v1/recipients', headers: { ...auth, accept: 'text/csv' } });
      const csvMs = performance.now() - started;
      const rows = csv.body.split('\n').length - 2;
      report.lines.push(`${kind}: CSV of ${formatCount(rows)} recipients (${(csv.body.length / 1e6).toFixed(1)} MB) in ${(csvMs / 1000).toFixed(1)} s`);
      report.targets.push({ label: `${kind}: the whole CSV (${formatCount(COUNT)} rows) under ${MAX_CSV_MS / 1000} s`, met: rows === COUNT && csvMs < MAX_CSV_MS });
      await app.close();
    } finally {
      await handle.close();
      await database.drop();
    }
  }
  return report;
}

/** The program, written straight into the tables in batches: accounts, campaigns, redemptions, subscriptions, grants. */
async function seed(app: App): Promise<{ campaignIds: string[]; someEmail: string }> {
  const db = app.services.db;
  const base = Date.parse('2026-06-01T00:00:00Z');
  const at = (i: number) => new Date(base + i * 60_000).toISOString();
  const campaignIds = Array.from({ length: CAMPAIGNS }, () => newId());
  await db.insertInto('campaigns').values(campaignIds.map((id, i) => ({
    id, name: `Campaign ${i}`, credit_amount: 10000, credit_currency: 'USD', validity_days: 30, redeem_by: '2099-12-31', countries: null,
    passes_per_account: 1, status: 'active' as const, created_at: at(0), updated_at: at(0),
  }))).execute();
  await db.insertInto('code_batches').values(campaignIds.map((id) => ({ id, campaign_id: id, size: COUNT / CAMPAIGNS, created_at: at(0), created_by: 'bench' }))).execute();
  const BATCH = 500;
  for (let start = 0; start < COUNT; start += BATCH) {
    const n = Math.min(BATCH, COUNT - start);
    const rows = Array.from({ length: n }, (_, k) => {
      const i = start + k;
      const accountId = newId();
      const redemptionId = newId();
      const activated = i % 2 === 0;
      const subscriptionId = activated ? newId() : null;
      return { i, accountId, redemptionId, subscriptionId, email: `person${i}@example.test`, campaignId: campaignIds[i % CAMPAIGNS]! };
    });
    await db.transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values(rows.map((r) => ({
        id: r.accountId, kind: 'personal' as const, organization_id: null, organization_role: null, email: r.email, email_normalized: r.email,
        display_name: `Person ${r.i}`, country: 'FI', password_hash: null, email_verified_at: at(r.i), operator_admin: 0, oidc_subject: null,
        created_at: at(r.i), updated_at: at(r.i),
      }))).execute();
      await trx.insertInto('pass_codes').values(rows.map((r) => ({
        code_hash: `hash-${r.redemptionId}`, campaign_id: r.campaignId, batch_id: r.campaignId, last4: String(r.i % 10000).padStart(4, '0'),
        state: 'redeemed' as const, created_at: at(0), redeemed_at: at(r.i), account_id: r.accountId, revoked_at: null,
      }))).execute();
      const active = rows.filter((r) => r.subscriptionId);
      await trx.insertInto('subscriptions').values(active.map((r) => ({
        id: r.subscriptionId!, account_id: r.accountId, offer: 'pass' as const, redemption_id: r.redemptionId, status: 'active' as const,
        credit_currency: 'USD', validity_days: 30, starts_at: at(r.i), ends_at: new Date(base + r.i * 60_000 + 30 * 86_400_000).toISOString(),
        external_id: `ext-${r.i}`, profile: '{}', failure_reason: null, created_at: at(r.i), updated_at: at(r.i),
      }))).execute();
      await trx.insertInto('redemptions').values(rows.map((r) => ({
        id: r.redemptionId, code_hash: `hash-${r.redemptionId}`, code_last4: String(r.i % 10000).padStart(4, '0'), account_id: r.accountId,
        campaign_id: r.campaignId, country: 'FI', state: r.subscriptionId ? 'activated' as const : 'redeemed' as const, redeemed_at: at(r.i),
        activated_at: r.subscriptionId ? at(r.i) : null, released_at: null, subscription_id: r.subscriptionId,
      }))).execute();
      await trx.insertInto('credit_ledger').values(active.map((r) => ({
        id: newId(), subscription_id: r.subscriptionId!, kind: 'grant' as const, amount: 10000, currency: 'USD', usage_event_id: null, created_at: at(r.i),
      }))).execute();
    });
  }
  return { campaignIds, someEmail: `person${Math.floor(COUNT / 3)}@example.test` };
}

/** The cursor a client holds after paging down to `row` (newest first). */
async function cursorAt(app: App, row: number): Promise<string> {
  const r = await app.services.db.selectFrom('redemptions').select(['redeemed_at', 'id']).orderBy('redeemed_at', 'desc').orderBy('id', 'desc').offset(row).limit(1).executeTakeFirstOrThrow();
  return Buffer.from(JSON.stringify([r.redeemed_at, r.id])).toString('base64url');
}
