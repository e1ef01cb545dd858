import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import SQLite from 'better-sqlite3';
import type pg from 'pg';
import { Kysely, PostgresDialect, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Database, Db } from './database.ts';
import { runPreparedDirectly } from './prepared.ts';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseHandle {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
}

let pgDriver: typeof pg | undefined;
/** pg, loaded by the first PostgreSQL connection: a process on SQLite never pays its ~100 ms of loading. */
export function loadPg(): typeof pg {
  if (pgDriver) return pgDriver;
  const driver = createRequire(import.meta.url)('pg') as typeof pg;
  // int8 (counts, sums) and numeric come back from pg as strings; every such value we read fits a double.
  driver.types.setTypeParser(20, (v) => Number(v));
  driver.types.setTypeParser(1700, (v) => Number(v));
  return (pgDriver = driver);
}

export interface ConnectOptions {
  /** PostgreSQL: connections in the pool. */
  poolSize?: number;
  /** SQLite: checkpoint the write-ahead log from a background thread (long-running processes: serve, worker). */
  backgroundCheckpoints?: boolean;
}

export function connectDatabase(url: string, options: ConnectOptions = {}): DatabaseHandle {
  if (url.startsWith('sqlite:')) return connectSqlite(url.slice('sqlite:'.length), options);
  const pool = new (loadPg().Pool)({ connectionString: url, max: options.poolSize ?? 10 });
  // An idle client that errors (server restart) must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, dialect: 'postgres', close: () => db.destroy() };
}

/** A better-sqlite3 connection as cloudpass uses it: write-ahead log, foreign keys, a busy timeout. */
export function openSqlite(path: string): SQLite.Database {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const sqlite = new SQLite(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  return sqlite;
}

function connectSqlite(path: string, options: ConnectOptions): DatabaseHandle {
  const sqlite = openSqlite(path);
  const checkpointer = options.backgroundCheckpoints && path !== ':memory:' ? startCheckpointer(sqlite, resolve(path)) : undefined;
  const statements = cachingStatements(sqlite);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: statements }) });
  runPreparedDirectly(db, { connection: sqlite, prepare: (sql) => statements.prepare(sql) as SQLite.Statement });
  return {
    db, dialect: 'sqlite',
    close: async () => {
      await checkpointer?.stop();
      await db.destroy();
    },
  };
}

/** SQLite's own threshold (pages), used again whenever the background checkpointer is not running. */
const AUTOCHECKPOINT_PAGES = 1000;
/** While it runs, the connection still checkpoints by itself past this, should the thread fall behind. */
const BACKSTOP_CHECKPOINT_PAGES = 20_000;
const CHECKPOINT_INTERVAL_MS = 250;

/**
 * SQLite checkpoints the write-ahead log inside whichever COMMIT crosses the threshold: on the one thread
 * that serves every request, copying pages and syncing the file. That made commits cost twice as much
 * under load. A thread with its own connection checkpoints (PASSIVE: it never blocks a writer) a few
 * times a second instead; if the thread dies, the connection goes back to checkpointing itself.
 */
export function startCheckpointer(sqlite: SQLite.Database, path: string) {
  const worker = new Worker(CHECKPOINTER_SOURCE, {
    eval: true,
    workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path, intervalMs: CHECKPOINT_INTERVAL_MS },
    // It holds one connection and a timer: a small heap keeps its share of the server's memory small.
    resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 },
  });
  worker.unref();
  sqlite.pragma(`wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
  const exited = new Promise<void>((done) => worker.once('exit', () => {
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${AUTOCHECKPOINT_PAGES}`);
    done();
  }));
  worker.on('error', () => { /* it exits; the connection checkpoints by itself again */ });
  return {
    async stop() {
      worker.ref(); // keeps the process alive until the thread has closed its connection
      worker.postMessage('stop');
      await exited;
    },
  };
}

const CHECKPOINTER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
const timer = setInterval(() => db.pragma('wal_checkpoint(PASSIVE)'), workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query afresh, and preparing was a fifth of the server's CPU under load. Statements
 * run synchronously, so one prepared statement per SQL text can be reused (least recently used evicted);
 * one still being iterated (a stream) is busy, and then a fresh one is prepared.
 */
export function cachingStatements(sqlite: SQLite.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => { cache.clear(); sqlite.close(); },
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached) {
        if (cached.busy) return sqlite.prepare(sql);
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = sqlite.prepare(sql);
      cache.set(sql, statement);
      if (cache.size > size) cache.delete(cache.keys().next().value!);
      return statement;
    },
  };
}
