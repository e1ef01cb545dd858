import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';
import { connectDatabase } from '../../db/connect.ts';
import { addMs, iso } from '../../lib/clock.ts';
import { describeEachDatabase, manualClock } from '../../testing/harness.ts';
import * as repo from './jobs.repository.ts';
import { createJobWorker, type JobHandler, type JobLog } from './job-worker.ts';

const silent: JobLog = { info: () => {}, warn: () => {}, error: () => {} };

function recordingLog() {
  const lines: Array<{ level: string; msg: string }> = [];
  const at = (level: string) => (_obj: object, msg: string) => { lines.push({ level, msg }); };
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } };
}

/** Polls `check` until it holds, failing after `ms` (a bound, not a timed assertion). */
async function eventually(check: () => Promise<boolean>, ms = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const clock = manualClock();

describeEachDatabase('job queue', (ctx, target) => {
  const setup = () => {
    const { app } = ctx();
    return { db: app.services.db, dialect: app.services.jobs.dialect };
  };
  const uniqueType = (name: string) => `test.${name}.${Math.random().toString(36).slice(2, 8)}`;

  test('an enqueued job is claimed, run with its payload, and marked done', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('hello');
    const seen: unknown[] = [];
    const handlers: Record<string, JobHandler> = { [type]: { run: async (payload) => { seen.push(payload); } } };
    const id = await db.transaction().execute((trx) => repo.enqueueJob(trx, { type, payload: { greeting: 'hi' } }, clock.now()));
    const worker = createJobWorker({ db, dialect, clock, handlers, log: silent, workerId: 'w1' });
    assert.equal(await worker.runDue(), 1);
    assert.deepEqual(seen, [{ greeting: 'hi' }]);
    const job = await repo.findJob(db, id);
    assert.equal(job?.done_at, iso(clock.now()));
    assert.equal(job?.attempts, 1);
    assert.equal(job?.first_attempt_at, iso(clock.now()));
    assert.equal(await worker.runDue(), 0, 'a done job is not run again');
  });

  test('jobs that finish together are recorded together: one transaction for many outcomes', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('together');
    const count = 40;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => { open = resolve; });
    let started = 0;
    const handlers: Record<string, JobHandler> = {
      [type]: { run: async (payload) => { started++; await gate; return (payload as { i: number }).i % 2 ? { retryAt: addMs(clock.now(), 60_000) } : undefined; } },
    };
    for (let i = 0; i < count; i++) await repo.enqueueJob(db, { type, payload: { i } }, clock.now());
    let transactions = 0;
    const counting = new Proxy(db, {
      get: (target, key) => {
        if (key === 'transaction') transactions++;
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const worker = createJobWorker({ db: counting, dialect, clock, handlers, log: silent, concurrency: count });
    const running = worker.runDue();
    await eventually(async () => started === count, 20_000, 'every job to start');
    open();
    assert.equal(await running, count);
    const jobs = await repo.listJobs(db, { type });
    assert.equal(jobs.filter((j) => j.done_at !== null).length, count / 2);
    assert.equal(jobs.filter((j) => j.done_at === null && j.locked_by === null && j.run_at === iso(addMs(clock.now(), 60_000))).length, count / 2);
    assert.ok(transactions <= 3, `${count} outcomes took ${transactions} transactions`);
  });

  test('a job enqueued in a transaction that rolls back never runs', async () => {
    const { db } = setup();
    const type = uniqueType('rolled-back');
    await assert.rejects(db.transaction().execute(async (trx) => {
      await repo.enqueueJob(trx, { type, payload: {} }, clock.now());
      throw new Error('the work failed');
    }));
    assert.equal((await repo.listJobs(db, { type })).length, 0);
  });

  test('a job scheduled for later is not claimed before its time', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('later');
    let runs = 0;
    await repo.enqueueJob(db, { type, payload: {}, runAt: iso(addMs(clock.now(), 60_000)) }, clock.now());
    const worker = createJobWorker({ db, dialect, clock, handlers: { [type]: { run: async () => { runs++; } } }, log: silent });
    await worker.runDue();
    assert.equal(runs, 0);
    clock.advance(60_000);
    await worker.runDue();
    assert.equal(runs, 1);
  });

  test('a job held by a crashed worker is taken again once its lease runs out, and the dead worker cannot overwrite it', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('crash');
    const id = await repo.enqueueJob(db, { type, payload: {} }, clock.now());
    // Worker A claims the job and then "crashes": it never reports back.
    const claimed = await repo.claimJobs(db, dialect, { workerId: 'A', limit: 10, now: iso(clock.now()), lockedUntil: iso(addMs(clock.now(), 60_000)) });
    assert.deepEqual(claimed.filter((j) => j.type === type).map((j) => j.id), [id]);

    let runs = 0;
    const b = createJobWorker({ db, dialect, clock, handlers: { [type]: { run: async () => { runs++; } } }, log: silent, workerId: 'B', leaseMs: 60_000 });
    await b.runDue();
    assert.equal(runs, 0, 'the lease is still held');
    clock.advance(60_001);
    await b.runDue();
    assert.equal(runs, 1, 'taken again after the lease');
    const job = await repo.findJob(db, id);
    assert.equal(job?.locked_by, 'B');
    assert.equal(job?.attempts, 2);
    assert.ok(job?.done_at);

    assert.equal(await repo.markFailed(db, id, 'A', iso(clock.now()), 'late'), false, 'the crashed worker no longer holds it');
    assert.equal(await repo.reschedule(db, id, 'A', iso(clock.now()), 'late'), false);
    assert.equal((await repo.findJob(db, id))?.failed_at, null);
  });

  test('a long handler keeps its lease renewed, so no other worker takes the job', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('long');
    const id = await repo.enqueueJob(db, { type, payload: {} }, clock.now());
    let release!: () => void;
    const running = new Promise<void>((resolve) => { release = resolve; });
    let started!: () => void;
    const didStart = new Promise<void>((resolve) => { started = resolve; });
    const leaseMs = 90;
    const a = createJobWorker({
      db, dialect, clock, log: silent, workerId: 'long-A', leaseMs,
      handlers: { [type]: { run: async () => { started(); await running; } } },
    });
    const finished = a.runDue();
    await didStart;
    // Time moves past the first lease; the renewal (every lease/3, real time) pushes locked_until on.
    clock.advance(leaseMs * 2);
    await eventually(async () => ((await repo.findJob(db, id))?.locked_until ?? '') > iso(clock.now()), 5000, 'a renewed lease');
    const stolen = await repo.claimJobs(db, dialect, { workerId: 'thief', limit: 100, now: iso(clock.now()), lockedUntil: iso(addMs(clock.now(), 1000)) });
    assert.equal(stolen.filter((j) => j.id === id).length, 0);
    release();
    await finished;
    assert.ok((await repo.findJob(db, id))?.done_at);
  });

  test('stop() lets the handlers in flight finish and records their outcome', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('in-flight');
    const id = await repo.enqueueJob(db, { type, payload: {} }, clock.now());
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    let started!: () => void;
    const didStart = new Promise<void>((resolve) => { started = resolve; });
    const worker = createJobWorker({
      db, dialect, clock, log: silent, pollMs: 5,
      handlers: { [type]: { run: async () => { started(); await gate; } } },
    });
    worker.start();
    await didStart;
    let stopped = false;
    const stopping = worker.stop().then(() => { stopped = true; });
    await sleep(50);
    assert.equal(stopped, false, 'still waiting for the handler');
    assert.equal((await repo.findJob(db, id))?.done_at, null);
    release();
    await stopping;
    assert.ok((await repo.findJob(db, id))?.done_at, 'the handler finished and its job is done');
  });

  test('a failing handler is retried with backoff; it never stops other jobs', async () => {
    const { db, dialect } = setup();
    const bad = uniqueType('bad');
    const good = uniqueType('good');
    const badId = await repo.enqueueJob(db, { type: bad, payload: {} }, clock.now());
    const goodId = await repo.enqueueJob(db, { type: good, payload: {} }, clock.now());
    let goodRuns = 0;
    const worker = createJobWorker({
      db, dialect, clock, log: silent, random: () => 1,
      handlers: {
        [bad]: { run: async () => { throw new Error('platform unreachable'); } },
        [good]: { run: async () => { goodRuns++; } },
      },
    });
    const start = clock.now();
    await worker.runDue();
    assert.equal(goodRuns, 1);
    assert.ok((await repo.findJob(db, goodId))?.done_at);
    let job = await repo.findJob(db, badId);
    assert.equal(job?.last_error, 'platform unreachable');
    assert.equal(job?.run_at, iso(addMs(start, 1000)));
    assert.equal(job?.locked_by, null);
    clock.advance(1000);
    await worker.runDue();
    job = await repo.findJob(db, badId);
    assert.equal(job?.attempts, 2);
    assert.equal(job?.run_at, iso(addMs(start, 1000 + 2000)), 'the second wait is twice the first');
    assert.equal(job?.first_attempt_at, iso(start));
  });

  test('a handler may put its job back for later without it counting as a failure', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('later-again');
    const id = await repo.enqueueJob(db, { type, payload: {} }, clock.now());
    let runs = 0;
    const worker = createJobWorker({
      db, dialect, clock, log: silent,
      handlers: { [type]: { run: async (_p, { job }) => { runs++; return runs === 1 ? { retryAt: addMs(job.firstAttemptAt, 5000) } : undefined; } } },
    });
    const start = clock.now();
    await worker.runDue();
    const job = await repo.findJob(db, id);
    assert.equal(job?.run_at, iso(addMs(start, 5000)));
    assert.equal(job?.last_error, null);
    clock.advance(5000);
    await worker.runDue();
    assert.equal(runs, 2);
    assert.ok((await repo.findJob(db, id))?.done_at);
  });

  test('after 24 hours of failures the job fails for good and its onGiveUp runs once', async () => {
    const { db, dialect } = setup();
    const type = uniqueType('doomed');
    const id = await repo.enqueueJob(db, { type, payload: { what: 'x' } }, clock.now());
    const gaveUp: unknown[] = [];
    const { lines, log } = recordingLog();
    const worker = createJobWorker({
      db, dialect, clock, log,
      handlers: { [type]: { run: async () => { throw new Error('still down'); }, onGiveUp: async (payload) => { gaveUp.push(payload); } } },
    });
    const start = clock.now();
    let tries = 0;
    for (;;) {
      await worker.runDue();
      tries++;
      const job = await repo.findJob(db, id);
      if (job?.failed_at) break;
      assert.equal(gaveUp.length, 0);
      assert.ok(tries < 100, 'gives up eventually');
      const wait = new Date(job!.run_at).getTime() - clock.now().getTime();
      assert.ok(wait > 0 && wait <= 60 * 60 * 1000, `wait ${wait}`);
      clock.set(new Date(job!.run_at));
    }
    const job = await repo.findJob(db, id);
    assert.ok(new Date(job!.failed_at!).getTime() - start.getTime() >= 24 * 60 * 60 * 1000);
    assert.equal(job?.last_error, 'still down');
    assert.deepEqual(gaveUp, [{ what: 'x' }]);
    assert.ok(lines.some((l) => l.level === 'error' && /failed for good/.test(l.msg)));
    clock.advance(10 * 60 * 60 * 1000);
    await worker.runDue();
    assert.equal(gaveUp.length, 1, 'a failed job is never run again');
  });

  test('a job of a type nobody handles is retried like a failure, not lost', async () => {
    const { db, dialect } = setup();
    const id = await repo.enqueueJob(db, { type: uniqueType('unknown'), payload: {} }, clock.now());
    await createJobWorker({ db, dialect, clock, handlers: {}, log: silent }).runDue();
    const job = await repo.findJob(db, id);
    assert.match(job?.last_error ?? '', /no handler/);
    assert.equal(job?.done_at, null);
  });

  test('the worker loop survives a database that fails every poll, and stops cleanly', async () => {
    // An empty SQLite file: every claim fails ("no such table") as a lost database would.
    const dir = mkdtempSync(join(tmpdir(), 'cloudpass-broken-'));
    const broken = connectDatabase(`sqlite:${join(dir, 'empty.db')}`);
    const { lines, log } = recordingLog();
    const worker = createJobWorker({ db: broken.db, dialect: broken.dialect, clock, handlers: {}, log, pollMs: 10 });
    try {
      worker.start();
      await eventually(async () => lines.filter((l) => l.level === 'error').length >= 2, 5000, 'two failed polls');
    } finally {
      await worker.stop();
      await broken.close();
      rmSync(dir, { recursive: true, force: true });
    }
    assert.ok(lines.some((l) => /job queue unavailable/.test(l.msg)));
  });

  test(`two workers on separate connections run each of 200 jobs exactly once [${target}]`, async () => {
    const { database } = ctx();
    const { db, dialect } = setup();
    const type = uniqueType('many');
    const ids = new Set<string>();
    for (let i = 0; i < 200; i++) ids.add(await repo.enqueueJob(db, { type, payload: { i } }, clock.now()));
    const runs = new Map<string, string[]>();
    const handler: (name: string) => JobHandler = (name) => ({
      run: async (_payload, { job }) => {
        runs.set(job.id, [...(runs.get(job.id) ?? []), name]);
        await sleep(Math.random() * 3);
      },
    });
    const second = connectDatabase(database.url, { poolSize: 10 });
    try {
      const a = createJobWorker({ db, dialect, clock, log: silent, pollMs: 5, concurrency: 8, workerId: 'A', handlers: { [type]: handler('A') } });
      const b = createJobWorker({ db: second.db, dialect, clock, log: silent, pollMs: 5, concurrency: 8, workerId: 'B', handlers: { [type]: handler('B') } });
      a.start();
      b.start();
      try {
        await eventually(async () => {
          const done = await db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n'))
            .where('type', '=', type).where('done_at', 'is not', null).executeTakeFirstOrThrow();
          return Number(done.n) === 200;
        }, 60_000, '200 jobs done');
      } finally {
        await Promise.all([a.stop(), b.stop()]);
      }
    } finally {
      await second.close();
    }
    assert.equal(runs.size, 200);
    for (const id of ids) assert.equal(runs.get(id)?.length, 1, `job ${id} ran ${runs.get(id)?.length} times`);
    const byWorker = [...runs.values()].flat();
    if (target === 'postgres') {
      assert.ok(byWorker.includes('A') && byWorker.includes('B'), 'both workers took part');
    }
  });
}, { clock });
