// Crash: the real server (`node bin/cloudpass.js serve`) is killed with SIGKILL after Sign up and before
// provisioning completes; after a restart the subscription becomes active and nothing is doubled.
import { SWEEP_JOB } from '../lifecycle/lifecycle.service.ts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { buildApp, type App } from '../../app.ts';
import { createAccount } from '../../testing/factories.ts';
import { createTestDatabase, databaseTargets, testConfig, type TestDatabase } from '../../testing/harness.ts';
import { freePort, killSpawned, spawnCloudpass, type CloudpassProcess } from '../../testing/server.ts';
import { createPass, profileOf } from '../subscriptions/subscriptions.testing.ts';
import { ACTIVE_SUBJECT } from './provisioning.mails.ts';

const PROVISION_DELAY_MS = '4000';

/** Polls until `check` gives a value, failing after `ms` (a bound, not a timed assertion). */
async function eventually<T>(what: string, check: () => Promise<T | undefined>, ms: number, output?: () => string): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${output ? `\nserver output:\n${output()}` : ''}`);
    await sleep(50);
  }
}

interface Server extends CloudpassProcess {
  url: string;
}

after(killSpawned);

async function startServer(databaseUrl: string): Promise<Server> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const { child, output, exited } = spawnCloudpass(['serve'], {
    DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: url, PROVISION_DELAY_MS,
  });
  await eventually('the server to be ready', async () => {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}:\n${output()}`);
    const response = await fetch(`${url}/readyz`);
    return response.ok ? true : undefined;
  }, 120_000, output);
  return { url, child, output, exited };
}

for (const target of databaseTargets()) {
  describe(`crash during provisioning [${target.name}]`, { skip: target.skip }, () => {
    let database: TestDatabase | undefined;
    let app: App | undefined;
    after(async () => {
      await app?.close();
      await database?.drop();
    });

    test('SIGKILL after Sign up: on restart the subscription becomes active, and nothing is doubled', { timeout: 180_000 }, async () => {
      database = await createTestDatabase(target.name);
      const config = testConfig(database.url, { PROVISION_DELAY_MS });
      // An in-process app on the same database only to create test data; it runs no worker.
      app = await buildApp({ config, database: database.handle, logger: false });
      const db = database.handle.db;
      const account = await createAccount(app, config, { displayName: 'Ada Lovelace' });
      const pass = await createPass(app, account, { credit: 7500, currency: 'EUR', days: 30 });

      let server = await startServer(database.url);
      const signUp = (url: string) => fetch(`${url}/api/v1/subscriptions`, {
        method: 'POST',
        headers: { cookie: account.cookie, 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify({ offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) }),
      });
      const idempotencyKey = randomUUID();
      const response = await signUp(server.url);
      assert.equal(response.status, 202, await response.clone().text());
      const subscriptionId = ((await response.json()) as { id: string }).id;

      // The server's worker has taken the job and started provisioning; the built-in delay is not over.
      // Depending on the instant of the kill, the job is either put back for later or still leased to the
      // dead worker (then the restarted one takes it once the lease runs out): both must end active.
      await eventually('provisioning to start', async () => {
        const row = await db.selectFrom('subscriptions').select('status').where('id', '=', subscriptionId).executeTakeFirst();
        return row?.status === 'provisioning' ? true : undefined;
      }, 30_000, server.output);
      server.child.kill('SIGKILL');
      assert.equal(await server.exited, null, 'killed by a signal');
      const atCrash = await db.selectFrom('subscriptions').select('status').where('id', '=', subscriptionId).executeTakeFirstOrThrow();
      assert.equal(atCrash.status, 'provisioning', 'killed before provisioning completed');

      server = await startServer(database.url);
      const current = server;
      const active = await eventually('the subscription to become active', async () => {
        const view = await fetch(`${current.url}/api/v1/subscriptions/${subscriptionId}`, { headers: { cookie: account.cookie } });
        const body = (await view.json()) as { status: string; externalId: string | null };
        return body.status === 'active' ? body : undefined;
      }, 90_000, current.output);
      assert.match(active.externalId ?? '', /^builtin-/);
      await eventually('the activation email and every job done', async () => {
        const open = await db.selectFrom('jobs').select('id').where('done_at', 'is', null).where('failed_at', 'is', null)
          // The lifecycle's sweep comes back every few seconds for as long as the service runs.
          .where('type', '<>', SWEEP_JOB).execute();
        const mails = await db.selectFrom('mail_outbox').select('id').where('to_address', '=', account.email).where('subject', '=', ACTIVE_SUBJECT).execute();
        return open.length === 0 && mails.length > 0 ? true : undefined;
      }, 30_000, current.output);

      // Signing up again with the same key answers with the same subscription.
      const repeat = await signUp(current.url);
      assert.ok([200, 202].includes(repeat.status), String(repeat.status));
      assert.equal(((await repeat.json()) as { id: string }).id, subscriptionId);

      current.child.kill('SIGTERM');
      assert.equal(await current.exited, 0, `a clean stop on SIGTERM\n${current.output()}`);

      const subscriptions = await db.selectFrom('subscriptions').select(['id', 'status']).where('account_id', '=', account.id).execute();
      assert.deepEqual(subscriptions, [{ id: subscriptionId, status: 'active' }]);
      const ledger = await db.selectFrom('credit_ledger').selectAll().where('subscription_id', '=', subscriptionId).execute();
      assert.deepEqual(ledger.map((e) => [e.kind, Number(e.amount), e.currency]), [['grant', 7500, 'EUR']]);
      const activations = await db.selectFrom('audit_events').select('id')
        .where('subject_id', '=', subscriptionId).where('action', '=', 'subscription.activated').execute();
      assert.equal(activations.length, 1);
      const mails = await db.selectFrom('mail_outbox').selectAll().where('to_address', '=', account.email).where('subject', '=', ACTIVE_SUBJECT).execute();
      assert.equal(mails.length, 1);
      const jobs = await db.selectFrom('jobs').selectAll().where('type', '=', 'subscription.provision').execute();
      assert.equal(jobs.length, 1);
      assert.ok(jobs[0]!.done_at);
    });
  });
}
