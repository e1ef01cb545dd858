// `cloudpass backup` and `cloudpass restore`, as an operator runs them: the built command, against a
// database a `serve` process is writing to. A backup taken in the middle of a redemption storm restores
// to a consistent database: every redemption with its code bound, every activation with its one
// subscription and its one grant, migrations current; and restore refuses what it must.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, test } from 'node:test';
import { buildApp } from '../app.ts';
import { createAccount, type TestAccount } from '../testing/factories.ts';
import { createTestDatabase, testConfig } from '../testing/harness.ts';
import { freePort, killSpawned, spawnCloudpass } from '../testing/server.ts';
import { createCampaignWithCodes } from '../modules/redemptions/redemptions.testing.ts';
import { profileOf } from '../modules/subscriptions/subscriptions.testing.ts';
import { backupSqlite, BackupError, restoreSqlite } from './backup.ts';
import { connectDatabase, type DatabaseHandle } from './connect.ts';
import { pendingMigrations } from './migrate.ts';

after(killSpawned);

/** Codes and accounts seeded: more than the storm uses, which runs on until the backup is done. */
const PAIRS = 400;
const CLIENTS = 8;

async function runCommand(args: string[], env: Record<string, string>) {
  const command = spawnCloudpass(args, env);
  const code = await command.exited;
  return { code, output: command.output() };
}

/** What must hold in any snapshot of a cloudpass database, whatever moment it was taken at. */
async function assertConsistent(handle: DatabaseHandle) {
  const { db } = handle;
  assert.deepEqual(await pendingMigrations(db), [], 'migrations current');
  const codes = await db.selectFrom('pass_codes').selectAll().execute();
  const redemptions = await db.selectFrom('redemptions').selectAll().execute();
  const subscriptions = await db.selectFrom('subscriptions').selectAll().execute();
  const ledger = await db.selectFrom('credit_ledger').selectAll().execute();
  const campaigns = new Map((await db.selectFrom('campaigns').selectAll().execute()).map((c) => [c.id, c]));
  const codeByHash = new Map(codes.map((c) => [c.code_hash, c]));

  for (const redemption of redemptions.filter((r) => r.state !== 'released')) {
    const code = codeByHash.get(redemption.code_hash);
    assert.equal(code?.state, 'redeemed', `the code of redemption ${redemption.id} is bound`);
    assert.equal(code.account_id, redemption.account_id, `to the redeeming account (${redemption.id})`);
  }
  const held = redemptions.filter((r) => r.state !== 'released').map((r) => r.code_hash);
  assert.equal(new Set(held).size, held.length, 'a code is held by one redemption at most');
  assert.equal(codes.filter((c) => c.state === 'redeemed').length, held.length, 'every redeemed code has its redemption');

  const subscriptionsByRedemption = new Map<string, number>();
  for (const s of subscriptions) if (s.redemption_id) subscriptionsByRedemption.set(s.redemption_id, (subscriptionsByRedemption.get(s.redemption_id) ?? 0) + 1);
  for (const redemption of redemptions) {
    const count = subscriptionsByRedemption.get(redemption.id) ?? 0;
    if (redemption.state === 'activated') {
      assert.equal(count, 1, `activated redemption ${redemption.id} has one subscription`);
      assert.ok(subscriptions.some((s) => s.id === redemption.subscription_id && s.redemption_id === redemption.id), 'both ways');
    } else {
      assert.equal(count, 0, `redemption ${redemption.id} (${redemption.state}) has no subscription`);
    }
  }

  const grants = ledger.filter((e) => e.kind === 'grant');
  for (const s of subscriptions) {
    const own = grants.filter((g) => g.subscription_id === s.id);
    const campaign = campaigns.get(redemptions.find((r) => r.id === s.redemption_id)?.campaign_id ?? '');
    assert.equal(own.length, 1, `subscription ${s.id} has one grant`);
    assert.equal(own[0]?.amount, campaign?.credit_amount, 'of its campaign\'s credit');
  }
  const usage = ledger.filter((e) => e.kind === 'usage').reduce((sum, e) => sum + e.amount, 0);
  const total = ledger.reduce((sum, e) => sum + e.amount, 0);
  assert.equal(total, grants.reduce((sum, e) => sum + e.amount, 0) + usage, 'ledger sums: grants minus usage');
  assert.ok(ledger.every((e) => subscriptions.some((s) => s.id === e.subscription_id)), 'no entry without its subscription');
  return { redemptions: redemptions.length, subscriptions: subscriptions.length };
}

test('a backup taken during a redemption storm restores to a consistent database', { timeout: 240_000 }, async () => {
  const database = await createTestDatabase('sqlite');
  const dir = mkdtempSync(join(tmpdir(), 'cloudpass-backup-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = testConfig(database.url, { PUBLIC_URL: base });
  const seeder = await buildApp({ config, database: database.handle, logger: false });
  const campaign = await createCampaignWithCodes(seeder, config, { count: PAIRS, creditAmount: 2500 });
  const accounts: TestAccount[] = [];
  for (let i = 0; i < PAIRS; i++) accounts.push(await createAccount(seeder, config));
  await seeder.close();
  await database.handle.close(); // only serve has it open from now on

  let pairsDone = 0;
  const server = spawnCloudpass(['serve'], { DATABASE_URL: database.url, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, PROVISION_DELAY_MS: '0', LOG_LEVEL: 'warn' });
  try {
    for (let ready = false; !ready;) {
      if (server.child.exitCode !== null) assert.fail(`serve exited:\n${server.output()}`);
      ready = (await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200;
      if (!ready) await sleep(50);
    }

    let done = 0;
    const failures: string[] = [];
    const post = (path: string, account: TestAccount, body: object, headers: Record<string, string> = {}) =>
      fetch(`${base}/api/v1${path}`, {
        method: 'POST', body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', origin: base, cookie: account.cookie, ...headers },
      });
    const pair = async (i: number) => {
      const account = accounts[i]!;
      const redeemed = await post('/redemptions', account, { code: campaign.codes[i], country: 'FI' });
      if (redeemed.status !== 201) return failures.push(`redeem ${redeemed.status} ${await redeemed.text()}`);
      const { id } = (await redeemed.json()) as { id: string };
      const activated = await post('/subscriptions', account, { offer: 'pass', redemptionId: id, profile: profileOf(account) }, { 'idempotency-key': randomUUID() });
      if (activated.status !== 202) return failures.push(`activate ${activated.status} ${await activated.text()}`);
      done++;
    };
    let next = 0;
    let stopAt = PAIRS;
    const storm = Promise.all(Array.from({ length: CLIENTS }, async () => {
      while (next < stopAt && failures.length === 0) await pair(next++);
    }));

    // The backup runs in its own process while the storm writes, once a third of the pairs are in.
    while (done < 30 && failures.length === 0) await sleep(10);
    const backupFile = join(dir, 'mid-storm.db');
    const backup = await runCommand(['backup', '--out', backupFile], { DATABASE_URL: database.url });
    const doneAfterBackup = done;
    stopAt = Math.min(PAIRS, next + 30); // the storm goes on a little, then stops
    assert.equal(backup.code, 0, backup.output);
    assert.match(backup.output, /^backed up .* to .*mid-storm\.db: \d+ pages, \d+ migrations/m);
    await storm;
    assert.deepEqual(failures, []);
    pairsDone = done;
    assert.ok(doneAfterBackup < done, `the backup finished while the storm was still running (${doneAfterBackup} of ${done} pairs)`);

    // A second backup to the same file is refused: a backup is never overwritten.
    const again = await runCommand(['backup', '--out', backupFile], { DATABASE_URL: database.url });
    assert.notEqual(again.code, 0);
    assert.match(again.output, /error: .*mid-storm\.db exists; give a new file name/);

    // Restore into a new database: consistent as of some moment during the storm.
    const restoredPath = join(dir, 'restored.db');
    const restore = await runCommand(['restore', backupFile], { DATABASE_URL: `sqlite:${restoredPath}` });
    assert.equal(restore.code, 0, restore.output);
    assert.match(restore.output, /migrations: the database is up to date/);
    const restored = connectDatabase(`sqlite:${restoredPath}`);
    try {
      const figures = await assertConsistent(restored);
      assert.ok(figures.redemptions > 0 && figures.redemptions < done, `a snapshot from mid-storm (${figures.redemptions} redemptions of ${done})`);
    } finally {
      await restored.close();
    }

    // Over the database serve has open: refused, whatever the flags.
    const inUse = await runCommand(['restore', backupFile, '--force'], { DATABASE_URL: database.url });
    assert.notEqual(inUse.code, 0);
    assert.match(inUse.output, /error: the database at .* is in use/);
  } finally {
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
  }

  // Stopped, with data: refused without --force; with it, the live database goes back to the snapshot.
  const live = connectDatabase(database.url);
  let final: { subscriptions: number };
  try {
    final = await assertConsistent(live);
  } finally {
    await live.close();
  }
  assert.equal(final.subscriptions, pairsDone);
  const backupFile = join(dir, 'mid-storm.db');
  const refused = await runCommand(['restore', backupFile], { DATABASE_URL: database.url });
  assert.notEqual(refused.code, 0);
  assert.match(refused.output, /error: the database at .* holds data \(\d+ rows\); add --force to replace it/);
  const forced = await runCommand(['restore', backupFile, '--force'], { DATABASE_URL: database.url });
  assert.equal(forced.code, 0, forced.output);
  assert.match(forced.output, /the data it held is replaced/);
  const back = connectDatabase(database.url);
  try {
    assert.ok((await assertConsistent(back)).subscriptions < pairsDone);
  } finally {
    await back.close();
  }
  rmSync(dir, { recursive: true, force: true });
  await database.drop().catch(() => {});
});

test('restore checks the backup before touching anything', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cloudpass-backup-'));
  try {
    const notSqlite = join(dir, 'notes.txt');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(notSqlite, 'not a database');
    await assert.rejects(restoreSqlite(notSqlite, join(dir, 'target.db')), (error: unknown) => error instanceof BackupError && /not a readable SQLite database/.test(error.message));
    await assert.rejects(restoreSqlite(join(dir, 'missing.db'), join(dir, 'target.db')), /no backup at/);
    // A SQLite file that is not cloudpass's.
    const other = connectDatabase(`sqlite:${join(dir, 'other.db')}`);
    await other.db.schema.createTable('t').addColumn('x', 'integer').execute();
    await other.close();
    await assert.rejects(restoreSqlite(join(dir, 'other.db'), join(dir, 'target.db')), /not a cloudpass database/);
    assert.equal(existsSync(join(dir, 'target.db')), false, 'nothing written');
    await assert.rejects(backupSqlite(join(dir, 'missing.db'), join(dir, 'out.db')), /no database at/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on PostgreSQL, backup and restore print the pg_dump and pg_restore commands', async () => {
  const url = 'postgres://cloudpass:s3cret@db.internal:5432/cloudpass';
  const backup = await runCommand(['backup', '--out', '/var/backups/cloud pass.dump'], { DATABASE_URL: url });
  assert.equal(backup.code, 3, 'nothing written: not a success');
  assert.match(backup.output, /pg_dump --format=custom --file='\/var\/backups\/cloud pass\.dump' postgres:\/\/cloudpass@db\.internal:5432\/cloudpass/);
  assert.doesNotMatch(backup.output, /s3cret/);
  assert.match(backup.output, /PGPASSWORD/);
  const restore = await runCommand(['restore', 'x.dump'], { DATABASE_URL: url });
  assert.equal(restore.code, 3);
  assert.match(restore.output, /pg_restore --no-owner --exit-on-error --dbname=postgres:\/\/cloudpass@db\.internal:5432\/cloudpass x\.dump/);
});
