import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sql } from 'kysely';
import { connectDatabase } from './connect.ts';

describe('SQLite connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cloudpass-connect-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const pragma = async (db: ReturnType<typeof connectDatabase>['db'], name: string) =>
    Object.values((await sql<Record<string, number>>`pragma ${sql.raw(name)}`.execute(db)).rows[0]!)[0];

  test('with background checkpoints, a thread copies the log into the database file while the connection keeps writing', async () => {
    const path = join(dir, 'checkpoints.db');
    const handle = connectDatabase(`sqlite:${path}`, { backgroundCheckpoints: true });
    const { db } = handle;
    try {
      assert.equal(await pragma(db, 'wal_autocheckpoint'), 20_000, 'the connection itself only checkpoints as a backstop');
      await sql`create table filler (id integer primary key, body text not null)`.execute(db);
      const sizeBefore = statSync(path).size;
      await db.transaction().execute(async (trx) => {
        for (let i = 0; i < 500; i++) await sql`insert into filler (body) values (${'x'.repeat(2000)})`.execute(trx);
      });
      // Well under the backstop: only the thread can have moved these pages into the database file.
      const deadline = Date.now() + 10_000;
      while (statSync(path).size <= sizeBefore + 500 * 2000) {
        if (Date.now() > deadline) assert.fail('the log was never checkpointed into the database file');
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await handle.close();
    }
  });

  test('without them, SQLite checkpoints inside commits as usual', async () => {
    const handle = connectDatabase(`sqlite:${join(dir, 'plain.db')}`);
    try {
      assert.equal(await pragma(handle.db, 'wal_autocheckpoint'), 1000);
      assert.equal(await pragma(handle.db, 'journal_mode'), 'wal');
    } finally {
      await handle.close();
    }
  });
});
