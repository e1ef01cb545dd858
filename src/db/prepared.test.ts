import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseTargets, createTestDatabase, type TestDatabase } from '../testing/harness.ts';
import { prepared } from './prepared.ts';

const findSetting = prepared((db, p: { key: string }) => db.selectFrom('settings').select(['key', 'value']).where('key', '=', p.key));
const insertSetting = prepared((db, row: { key: string; value: string; updated_at: string }) => db.insertInto('settings').values(row));
/** A constant beside the parameters stays a constant. */
const renameUnlessFrozen = prepared((db, p: { key: string; value: string }) =>
  db.updateTable('settings').set({ value: p.value }).where('key', '=', p.key).where('value', '<>', 'frozen'));

for (const target of databaseTargets()) {
  describe(`prepared queries [${target.name}]`, { skip: target.skip }, () => {
    let database: TestDatabase;
    before(async () => { database = await createTestDatabase(target.name); });
    after(async () => { await database.drop(); });

    test('run again and again with new values, inside and outside transactions', async () => {
      const { db } = database.handle;
      for (let i = 0; i < 3; i++) assert.equal(await insertSetting.affected(db, { key: `k${i}`, value: `v${i}`, updated_at: '2026-11-27T00:00:00Z' }), 1);
      assert.deepEqual(await findSetting.first(db, { key: 'k1' }), { key: 'k1', value: 'v1' });
      assert.equal(await findSetting.first(db, { key: 'missing' }), undefined);
      await db.transaction().execute(async (trx) => {
        assert.equal(await renameUnlessFrozen.affected(trx, { key: 'k2', value: 'frozen' }), 1);
        assert.deepEqual(await findSetting.rows(trx, { key: 'k2' }), [{ key: 'k2', value: 'frozen' }]);
      });
      assert.equal(await renameUnlessFrozen.affected(db, { key: 'k2', value: 'thawed' }), 0, "the constant 'frozen' was kept");
    });

    test('values(row) inserts the columns given; another set of columns is compiled on its own', async () => {
      const { db } = database.handle;
      const insertJob = prepared((db, row: { id: string; type: string; payload: string; run_at: string; attempts: number; created_at: string; last_error?: string }) =>
        db.insertInto('jobs').values(row));
      const job = { type: 't', payload: '{}', run_at: '2026-11-27T00:00:00Z', attempts: 0, created_at: '2026-11-27T00:00:00Z' };
      await insertJob.affected(db, { id: 'j1', ...job });
      await insertJob.affected(db, { id: 'j2', ...job, last_error: 'timed out' });
      await insertJob.affected(db, { id: 'j3', ...job, last_error: undefined });
      const rows = await db.selectFrom('jobs').select(['id', 'last_error']).where('id', 'in', ['j1', 'j2', 'j3']).orderBy('id').execute();
      assert.deepEqual(rows, [{ id: 'j1', last_error: null }, { id: 'j2', last_error: 'timed out' }, { id: 'j3', last_error: null }]);
    });

    test('a query outside a transaction never runs inside another request\'s open transaction', async () => {
      const { db } = database.handle;
      const at = '2026-11-27T00:00:00Z';
      let opened!: () => void;
      const isOpen = new Promise<void>((resolve) => { opened = resolve; });
      let release!: () => void;
      const released = new Promise<void>((resolve) => { release = resolve; });
      const failing = db.transaction().execute(async (trx) => {
        await insertSetting.affected(trx, { key: 'rolled-back', value: 'x', updated_at: at });
        opened();
        await released;
        throw new Error('roll back');
      });
      await isOpen;
      // Issued while the transaction is open across an await: on SQLite's one connection they wait for it.
      const outsideWrite = insertSetting.affected(db, { key: 'kept', value: 'y', updated_at: at });
      const outsideRead = findSetting.first(db, { key: 'rolled-back' });
      release();
      await assert.rejects(failing, /roll back/);
      assert.equal(await outsideWrite, 1);
      assert.equal(await outsideRead, undefined, 'the open transaction\'s write was not seen');
      assert.deepEqual(await findSetting.first(db, { key: 'kept' }), { key: 'kept', value: 'y' }, 'not rolled back with it');
      assert.equal(await findSetting.first(db, { key: 'rolled-back' }), undefined);
    });

    test('inserts, updates and reads with returning answer as through Kysely', async () => {
      const { db } = database.handle;
      const upsert = prepared((db, p: { key: string; value: string; at: string }) => db.insertInto('settings')
        .values({ key: p.key, value: p.value, updated_at: p.at })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value: p.value, updated_at: p.at }))
        .returning(['key', 'value']));
      assert.deepEqual(await upsert.rows(db, { key: 'r1', value: 'a', at: '2026-11-27T00:00:00Z' }), [{ key: 'r1', value: 'a' }]);
      await db.transaction().execute(async (trx) => {
        assert.deepEqual(await upsert.first(trx, { key: 'r1', value: 'b', at: '2026-11-27T00:00:01Z' }), { key: 'r1', value: 'b' });
        assert.equal(await renameUnlessFrozen.affected(trx, { key: 'r1', value: 'c' }), 1);
        assert.equal(await renameUnlessFrozen.affected(trx, { key: 'none', value: 'c' }), 0);
      });
      assert.deepEqual(await findSetting.first(db, { key: 'r1' }), { key: 'r1', value: 'c' });
      await assert.rejects(insertSetting.affected(db, { key: 'r1', value: 'again', updated_at: '2026-11-27T00:00:00Z' }),
        (error: { code?: string }) => error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || error.code === '23505');
    });

    test('a stand-in used to shape the query, not as a value, is refused', async () => {
      const shaped = prepared((db, p: { column: 'key' | 'value' }) => db.selectFrom('settings').select(p.column));
      await assert.rejects(shaped.rows(database.handle.db, { column: 'key' }), /"column" must be used as a value/);
    });
  });
}
