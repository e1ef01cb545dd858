// `cloudpass worker`: only the worker, as separate processes sharing the database; stops cleanly on SIGTERM.
import { SWEEP_JOB } from './modules/lifecycle/lifecycle.service.ts';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { buildApp, type App } from './app.ts';
import { createAccount } from './testing/factories.ts';
import { createTestDatabase, databaseTargets, TEST_SECRET, testConfig, type TestDatabase } from './testing/harness.ts';
import { killSpawned, spawnCloudpass } from './testing/server.ts';
import { activate, createPass, profileOf } from './modules/subscriptions/subscriptions.testing.ts';

const root = fileURLToPath(new URL('../', import.meta.url));
after(killSpawned);

const startWorker = (databaseUrl: string) =>
  spawnCloudpass(['worker', '--concurrency', '2'], { DATABASE_URL: databaseUrl, PROVISION_DELAY_MS: '0' });

for (const target of databaseTargets()) {
  describe(`cloudpass worker [${target.name}]`, { skip: target.skip }, () => {
    let database: TestDatabase | undefined;
    let app: App | undefined;
    after(async () => {
      await app?.close();
      await database?.drop();
    });

    test('two worker processes provision every subscription once, then stop cleanly on SIGTERM', { timeout: 120_000 }, async () => {
      database = await createTestDatabase(target.name);
      const config = testConfig(database.url);
      app = await buildApp({ config, database: database.handle, logger: false });
      const db = database.handle.db;
      const workers = [startWorker(database.url), startWorker(database.url)];
      const startedBy = Date.now() + 60_000;
      while (!workers.every((w) => /job worker started/.test(w.output()))) {
        if (Date.now() > startedBy) assert.fail(`workers did not start:\n${workers.map((w) => w.output()).join('\n---\n')}`);
        await sleep(100);
      }
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const account = await createAccount(app, config);
        const pass = await createPass(app, account);
        const response = await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) }, randomUUID());
        assert.equal(response.statusCode, 202, response.body);
        ids.push(response.json().id);
      }
      const deadline = Date.now() + 60_000;
      for (;;) {
        const open = await db.selectFrom('jobs').select('id').where('done_at', 'is', null).where('failed_at', 'is', null)
          // The lifecycle's sweep comes back every few seconds for as long as a worker runs.
          .where('type', '<>', SWEEP_JOB).execute();
        const active = await db.selectFrom('subscriptions').select('id').where('id', 'in', ids).where('status', '=', 'active').execute();
        if (open.length === 0 && active.length === ids.length) break;
        if (Date.now() > deadline) assert.fail(`workers did not finish:\n${workers.map((w) => w.output()).join('\n---\n')}`);
        await sleep(100);
      }
      for (const worker of workers) worker.child.kill('SIGTERM');
      for (const worker of workers) assert.equal(await worker.exited, 0, worker.output());
      assert.ok(workers.every((w) => /"msg":"worker stopped"/.test(w.output())));
      const activations = await db.selectFrom('audit_events').select('subject_id')
        .where('action', '=', 'subscription.activated').where('subject_id', 'in', ids).execute();
      assert.equal(activations.length, ids.length);
      assert.equal(new Set(activations.map((a) => a.subject_id)).size, ids.length);
    });

    test('a bad --concurrency is refused with a one-line reason', async () => {
      const child = spawn(process.execPath, ['bin/cloudpass.js', 'worker', '--concurrency', 'lots'], {
        cwd: root, env: { ...process.env, DATABASE_URL: 'sqlite::memory:', CLOUDPASS_SECRET: TEST_SECRET }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString(); });
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      assert.notEqual(code, 0);
      assert.match(stderr.trim(), /^error: concurrency: expected a whole number from 1 to 64$/);
    });
  });
}
