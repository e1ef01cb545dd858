import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { sessionCookieName } from '../../http/auth.ts';
import { createAccount } from '../../testing/factories.ts';
import { describeEachDatabase, manualClock } from '../../testing/harness.ts';
import { activate, createPass, profileOf } from '../subscriptions/subscriptions.testing.ts';
import { IDEMPOTENCY_KEY_TTL_MS } from '../subscriptions/subscriptions.service.ts';
import { runHousekeeping } from './housekeeping.ts';
import { FINISHED_JOB_TTL_MS } from './jobs.service.ts';
import type { JobLog } from './job-worker.ts';

const silent: JobLog = { info: () => {}, warn: () => {}, error: () => {} };
const HOUR_MS = 60 * 60 * 1000;
const clock = manualClock();

describeEachDatabase('housekeeping', (ctx) => {
  test('expired sessions, day-old idempotency keys and week-old finished jobs go; what is still live stays', async () => {
    const { app, config } = ctx();
    const { db, sessions, housekeeping } = app.services;
    const account = await createAccount(app, config);
    const pass = await createPass(app, account);
    const key = randomUUID();
    assert.equal((await activate(app, account, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) }, key)).statusCode, 202);
    const worker = app.services.jobs.createWorker({ log: silent });
    await worker.runDue(); // the provisioning job runs (and puts itself back for the built-in delay)
    clock.advance(10_000);
    await worker.runDue();
    const idle = await sessions.start(account.id);

    clock.advance(IDEMPOTENCY_KEY_TTL_MS + HOUR_MS);
    const fresh = await sessions.start(account.id);
    const first = await runHousekeeping(housekeeping, silent);
    assert.ok(first['expired sessions']! >= 1, 'the idle session went');
    assert.ok(first['idempotency keys']! >= 1);
    assert.equal(await sessions.resume(idle.token), undefined);
    assert.ok(await sessions.resume(fresh.token), 'a live session stays');
    const keys = await db.selectFrom('idempotency_keys').select('key').where('account_id', '=', account.id).execute();
    assert.deepEqual(keys, []);
    const signedIn = { cookie: `${sessionCookieName(config)}=${fresh.token}` };
    const replay = await activate(app, signedIn, { offer: 'pass', redemptionId: pass.redemptionId, profile: profileOf(account) }, key);
    assert.equal(replay.statusCode, 200, 'a forgotten key still makes nothing twice: the existing subscription');

    const doneJobs = () => db.selectFrom('jobs').select('id').where('done_at', 'is not', null).execute();
    assert.ok((await doneJobs()).length > 0);
    clock.advance(FINISHED_JOB_TTL_MS);
    const later = await runHousekeeping(housekeeping, silent);
    assert.ok(later['finished jobs']! >= 1);
    assert.deepEqual(await doneJobs(), []);
    assert.deepEqual(await runHousekeeping(housekeeping, silent), { 'expired sessions': 0, 'idempotency keys': 0, 'finished jobs': 0, 'spent support case requests': 0 },
      'running again deletes nothing more');
  });

  test('a failing task is logged and the others still run', async () => {
    const warnings: string[] = [];
    const log: JobLog = { ...silent, warn: (_obj, msg) => { warnings.push(msg); } };
    const deleted = await runHousekeeping([
      { name: 'broken', run: async () => { throw new Error('database away'); } },
      { name: 'fine', run: async () => 3 },
    ], log);
    assert.deepEqual(deleted, { fine: 3 });
    assert.deepEqual(warnings, ['housekeeping task failed; will try again']);
  });
}, { clock, env: { PROVISION_DELAY_MS: '5000' } });
