// Backup and restore of the database. SQLite: an online copy through SQLite's backup API while `serve`
// and `worker` keep running, and a restore that refuses to replace a database in use or holding data.
// PostgreSQL has its own tools (pg_dump, pg_restore); for it we only say which command to run.
import { chmodSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { connectDatabase } from './connect.ts';
import { knownMigrations, migrateToLatest, pendingMigrations } from './migrate.ts';

/** A refusal the operator can act on: one line, no stack. */
export class BackupError extends Error {}

/** `sqlite:<path>` → the path; undefined for PostgreSQL. */
export function sqlitePathOf(databaseUrl: string): string | undefined {
  return databaseUrl.startsWith('sqlite:') ? resolve(databaseUrl.slice('sqlite:'.length)) : undefined;
}

export interface BackupResult { pages: number; migrations: number }

/**
 * Copies the live database at `path` to `out`, consistent as of one moment: the pages are copied in one
 * step inside a read transaction, which in WAL mode never blocks the writers of `serve` or `worker`
 * (copied in small steps, every write by another process would restart the copy). Written next to
 * `out` first and renamed, so a failed copy leaves no file that looks like a backup.
 */
export async function backupSqlite(path: string, out: string): Promise<BackupResult> {
  if (!existsSync(path)) throw new BackupError(`no database at ${path}`);
  const target = resolve(out);
  if (existsSync(target)) throw new BackupError(`${out} exists; give a new file name`);
  if (!existsSync(dirname(target))) throw new BackupError(`the folder of ${out} does not exist`);
  const partial = join(dirname(target), `.${basename(target)}.partial`);
  rmSync(partial, { force: true });
  const source = new SQLite(path, { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    const progress = await source.backup(partial, { progress: () => 0x7fffffff });
    chmodSync(partial, 0o600); // it holds everything the database holds
    selfContained(partial);
    const copy = inspect(partial);
    renameSync(partial, target);
    return { pages: progress.totalPages, migrations: copy.migrations.length };
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    source.close();
  }
}

/** The commands to run on PostgreSQL instead, for the configured URL (its password left out). */
export function postgresBackupAdvice(databaseUrl: string, out: string): string {
  const { url, hadPassword } = withoutPassword(databaseUrl);
  return [
    'DATABASE_URL is a PostgreSQL database: back it up with pg_dump (consistent while cloudpass runs):',
    `  pg_dump --format=custom --file=${shellQuote(out)} ${shellQuote(url)}`,
    'and restore it into an empty database with:',
    `  pg_restore --no-owner --exit-on-error --dbname=${shellQuote(url)} ${shellQuote(out)}`,
    'then run `cloudpass migrate`.',
    ...(hadPassword ? ['The password is left out here: give it in PGPASSWORD or ~/.pgpass.'] : []),
  ].join('\n');
}

export function postgresRestoreAdvice(databaseUrl: string, file: string): string {
  const { url, hadPassword } = withoutPassword(databaseUrl);
  return [
    'DATABASE_URL is a PostgreSQL database: restore a pg_dump backup with pg_restore, into an empty database, with cloudpass stopped:',
    `  pg_restore --no-owner --exit-on-error --dbname=${shellQuote(url)} ${shellQuote(file)}`,
    'then run `cloudpass migrate`.',
    ...(hadPassword ? ['The password is left out here: give it in PGPASSWORD or ~/.pgpass.'] : []),
  ].join('\n');
}

export interface RestoreResult {
  /** Whether a database with data was replaced (only with `force`). */
  replaced: boolean;
  /** Migrations applied after the restore, when the backup came from an older version. */
  applied: string[];
}

/**
 * Puts the backup `file` in place of the database at `path`. Refused while any process has the database
 * open (serve, worker, a shell), and when it holds data unless `force`. The backup is checked first
 * (readable, intact, migrations this version knows), copied next to the database, then renamed over it;
 * pending migrations are applied and the result checked current.
 */
export async function restoreSqlite(file: string, path: string, options: { force?: boolean } = {}): Promise<RestoreResult> {
  if (!existsSync(file)) throw new BackupError(`no backup at ${file}`);
  const backup = inspect(file);
  const unknown = backup.migrations.filter((name) => !knownMigrations.includes(name));
  if (unknown.length) throw new BackupError(`the backup is from a newer cloudpass (migrations ${unknown.join(', ')}); restore it with that version`);

  let replaced = false;
  if (existsSync(path) && statSync(path).size > 0) {
    const rows = rowsIfNotInUse(path);
    if (rows > 0 && !options.force) throw new BackupError(`the database at ${path} holds data (${rows} rows); add --force to replace it`);
    replaced = rows > 0;
  }

  const partial = join(dirname(path), `.${basename(path)}.restoring`);
  rmSync(partial, { force: true });
  const source = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial, { progress: () => 0x7fffffff });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    source.close();
  }
  chmodSync(partial, 0o600);
  // The old database was closed cleanly (checked above); a log or index file left of it must not be
  // read as the new one's.
  rmSync(`${path}-wal`, { force: true });
  rmSync(`${path}-shm`, { force: true });
  renameSync(partial, path);

  const database = connectDatabase(`sqlite:${path}`);
  try {
    const applied = await migrateToLatest(database.db);
    const pending = await pendingMigrations(database.db);
    if (pending.length) throw new BackupError(`restored, but migrations are still pending: ${pending.join(', ')}`);
    return { replaced, applied };
  } finally {
    await database.close();
  }
}

/** A rollback-journal file: one file to keep or move, with no write-ahead log or index beside it. */
function selfContained(file: string) {
  const db = new SQLite(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** Opens a backup read-only and checks it: a SQLite file, intact, made by cloudpass. */
function inspect(file: string): { migrations: string[] } {
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw new BackupError(`${file} cannot be opened as a SQLite database: ${(error as Error).message}`);
  }
  try {
    const check = db.pragma('quick_check', { simple: true }) as string;
    if (check !== 'ok') throw new BackupError(`${file} is damaged: ${check}`);
    const table = db.prepare("select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'").get();
    if (!table) throw new BackupError(`${file} is not a cloudpass database (no migrations table)`);
    const rows = db.prepare('select name from kysely_migration order by name').all() as { name: string }[];
    return { migrations: rows.map((r) => r.name) };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} is not a readable SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * Rows in the database's own tables (migration bookkeeping aside), refusing when another connection has
 * it open: every connection to a WAL database holds a shared lock, so an exclusive lock is granted only
 * to a lone connection (the busy timeout is 0: no waiting for one to close).
 */
function rowsIfNotInUse(path: string): number {
  let db: SQLite.Database;
  try {
    db = new SQLite(path, { fileMustExist: true, timeout: 0 });
  } catch (error) {
    throw new BackupError(`the database at ${path} cannot be opened: ${(error as Error).message}`);
  }
  try {
    try {
      db.pragma('locking_mode = EXCLUSIVE');
      db.exec('BEGIN EXCLUSIVE');
    } catch (error) {
      if ((error as { code?: string }).code === 'SQLITE_BUSY') {
        throw new BackupError(`the database at ${path} is in use (stop serve and every worker first)`);
      }
      throw error;
    }
    const tables = db.prepare("select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'").all() as { name: string }[];
    let rows = 0;
    for (const { name } of tables) rows += (db.prepare(`select count(*) as n from "${name.replaceAll('"', '""')}"`).get() as { n: number }).n;
    db.exec('COMMIT');
    return rows;
  } finally {
    db.close();
  }
}

function withoutPassword(databaseUrl: string): { url: string; hadPassword: boolean } {
  const url = new URL(databaseUrl);
  const hadPassword = url.password !== '';
  url.password = '';
  return { url: url.href, hadPassword };
}

const shellQuote = (text: string) => (/^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`);
