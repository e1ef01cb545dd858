// Recurring jobs: one row each, armed by every worker at start, run again every interval whatever happens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeEachDatabase, manualClock } from '../../testing/harness.ts';
import type { JobLog } from './job-worker.ts';
import { createJobQueue, createJobService } from './jobs.service.ts';

const silent: JobLog = { info: () => {}, warn: () => {}, error: () => {} };
const clock = manualClock();

describeEachDatabase('recurring jobs', (ctx) => {
  test('one row however many workers arm it; runs every interval, a failing run included; a failed row is armed again', async () => {
    const { app } = ctx();
    const { db } = app.services;
    const type = `test.recurring.${Math.random().toString(36).slice(2, 8)}`;
    let runs = 0;
    const service = createJobService({
      db, dialect: app.services.jobs.dialect, clock, queue: createJobQueue({ clock }), handlers: {},
      recurring: { [type]: { everyMs: 15_000, async run() { runs++; if (runs === 2) throw new Error('a bad run'); } } },
    });
    const rows = () => db.selectFrom('jobs').selectAll().where('type', '=', type).execute();
    const one = service.createWorker({ log: silent });
    const two = service.createWorker({ log: silent });
    await Promise.all([one.runDue(), two.runDue()]);
    assert.equal((await rows()).length, 1, 'one row');
    assert.equal(runs, 1, 'run once');
    await one.runDue();
    assert.equal(runs, 1, 'not again before its interval');
    clock.advance(15_000);
    await Promise.all([one.runDue(), two.runDue()]);
    assert.equal(runs, 2, 'once more after the interval (this run fails)');
    clock.advance(15_000);
    await one.runDue();
    assert.equal(runs, 3, 'a failing run does not stop it');
    const [row] = await rows();
    assert.equal(row!.failed_at, null);

    await db.updateTable('jobs').set({ failed_at: clock.now().toISOString() }).where('type', '=', type).execute();
    await service.ensureRecurring();
    const [armed] = await rows();
    assert.equal(armed!.failed_at, null, 'armed again at start');
    await service.createWorker({ log: silent }).runDue();
    assert.equal(runs, 4);
  });
}, { clock });
