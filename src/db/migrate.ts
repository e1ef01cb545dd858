import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';
import type { Db } from './database.ts';
import * as initialSchema from './migrations/20261127T100000-initial-schema.ts';

// Listed here rather than read from the folder, so migrations load the same under tsx, tests and bundlers.
const migrations: Record<string, Migration> = {
  '20261127T100000-initial-schema': initialSchema,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export async function migrateToLatest(db: Db): Promise<string[]> {
  const result = await new Migrator({ db, provider }).migrateToLatest();
  return unwrap(result);
}

export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await new Migrator({ db, provider }).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

function unwrap({ error, results }: MigrationResultSet): string[] {
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
