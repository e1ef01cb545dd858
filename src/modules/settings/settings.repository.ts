import type { DbOrTrx } from '../../db/database.ts';

export async function findSetting(db: DbOrTrx, key: string): Promise<{ value: string; updated_at: string } | undefined> {
  return db.selectFrom('settings').select(['value', 'updated_at']).where('key', '=', key).executeTakeFirst();
}

/** Insert or replace; `on conflict … do update` reads the same on SQLite and PostgreSQL. */
export async function saveSetting(db: DbOrTrx, key: string, value: string, now: string): Promise<void> {
  await db.insertInto('settings').values({ key, value, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: now }))
    .execute();
}
