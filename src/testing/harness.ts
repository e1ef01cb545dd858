// Test support: a fresh, migrated database per test file, on SQLite always and on PostgreSQL when
// TEST_DATABASE_URL is set; an app built in process for app.inject.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { buildApp, type App } from '../app.ts';
import { loadConfig, type Config } from '../config.ts';
import { connectDatabase, type DatabaseHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { systemClock, type Clock } from '../lib/clock.ts';

export interface DatabaseTarget {
  name: 'sqlite' | 'postgres';
  /** Why this target is skipped, when it is. */
  skip?: string;
}

export const testRedisUrl = process.env.TEST_REDIS_URL || undefined;
export const redisSkipReason = testRedisUrl ? undefined : 'TEST_REDIS_URL is not set: Redis tests skipped';

export function databaseTargets(): DatabaseTarget[] {
  return [
    { name: 'sqlite' },
    { name: 'postgres', skip: process.env.TEST_DATABASE_URL ? undefined : 'TEST_DATABASE_URL is not set: PostgreSQL tests skipped' },
  ];
}

export interface TestDatabase {
  url: string;
  handle: DatabaseHandle;
  drop(): Promise<void>;
}

/** A new, empty, migrated database: a temporary SQLite file, or a new PostgreSQL database dropped afterwards. */
export interface EmptyDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A new, empty database: a SQLite file in a temporary folder, or a new PostgreSQL database on the server
 * of `adminUrl` (TEST_DATABASE_URL by default), dropped by `drop()`. Benchmarks use it too.
 */
export async function createEmptyDatabase(target: DatabaseTarget['name'], adminUrl = process.env.TEST_DATABASE_URL): Promise<EmptyDatabase> {
  if (target === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'cloudpass-test-'));
    return { url: `sqlite:${join(dir, 'test.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!adminUrl) throw new Error('no PostgreSQL server configured (TEST_DATABASE_URL)');
  const name = `cloudpass_test_${randomBytes(6).toString('hex')}`;
  await withAdminClient(adminUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: async () => { await withAdminClient(adminUrl, (client) => client.query(`drop database if exists ${name} with (force)`)); },
  };
}

/** A new, empty, migrated database with an open handle; `drop()` closes and removes it. */
export async function createTestDatabase(target: DatabaseTarget['name']): Promise<TestDatabase> {
  const empty = await createEmptyDatabase(target);
  const handle = connectDatabase(empty.url, { poolSize: target === 'postgres' ? 20 : undefined });
  await migrateToLatest(handle.db);
  return { url: empty.url, handle, drop: async () => { await handle.close(); await empty.drop(); } };
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export function testConfig(databaseUrl: string, env: Record<string, string | undefined> = {}): Config {
  return loadConfig({
    DATABASE_URL: databaseUrl, CLOUDPASS_SECRET: TEST_SECRET, PUBLIC_URL: 'http://localhost:3000', LOG_LEVEL: 'silent',
    PROVISION_DELAY_MS: '0', ...env,
  });
}

export interface TestContext {
  app: App;
  database: TestDatabase;
  config: Config;
}

/**
 * Declares a suite once per database target. `setup` gives each suite its own fresh database and app;
 * the suite body reads them through the getter after `before` has run.
 */
export function describeEachDatabase(
  title: string,
  body: (ctx: () => TestContext, target: DatabaseTarget['name']) => void,
  options: {
    env?: Record<string, string>; clock?: Clock; sleep?: (ms: number) => Promise<unknown>;
    signInAddressLimits?: { softLimit: number; hardLimit: number };
  } = {},
) {
  for (const target of databaseTargets()) {
    describe(`${title} [${target.name}]`, { skip: target.skip }, () => {
      let context: TestContext | undefined;
      before(async () => {
        const database = await createTestDatabase(target.name);
        const config = testConfig(database.url, options.env);
        const app = await buildApp({ config, database: database.handle, logger: false, clock: options.clock ?? systemClock, sleep: options.sleep,
          signInAddressLimits: options.signInAddressLimits });
        await app.ready();
        context = { app, database, config };
      });
      after(async () => {
        await context?.app.close();
        await context?.database.drop();
      });
      body(() => {
        if (!context) throw new Error('the test context is ready only inside tests');
        return context;
      }, target.name);
    });
  }
}

/** A clock tests can move forward. */
export function manualClock(start = new Date('2026-11-27T12:00:00.000Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance(ms: number) { now += ms; },
    set(date: Date) { now = date.getTime(); },
  };
}
