// The boundary check on small trees written to a temporary folder: it passes on a clean one, and fails
// on each kind of violation, through its function and through the command npm test runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { checkBoundaries, readAllowlist } from './check-boundaries.mjs';

const script = fileURLToPath(new URL('./check-boundaries.mjs', import.meta.url));
const folders = [];
after(() => { for (const folder of folders) rmSync(folder, { recursive: true, force: true }); });

// Two modules, orders and stock: orders uses stock through its service, and its repository joins the
// stock table with a reason in the allowlist. A test file may reach into anything.
const clean = {
  'src/db/database.ts': `
    import type { Kysely } from 'kysely';
    import type { OrderTable } from '../modules/orders/orders.table.ts';
    import type { StockTable } from '../modules/stock/stock.table.ts';
    export interface Database { orders: OrderTable; stock: StockTable }
    export type Db = Kysely<Database>;`,
  'src/lib/clock.ts': `export const now = () => new Date();`,
  'src/http/server.ts': `
    import Fastify from 'fastify';
    import { orderRoutes } from '../modules/orders/orders.routes.ts';
    export const app = Fastify().register(orderRoutes);`,
  'src/modules/orders/orders.table.ts': `export interface OrderTable { id: string; item: string }`,
  'src/modules/orders/orders.repository.ts': `
    import type { Db } from '../../db/database.ts';
    export const insertOrder = (db: Db, id: string, item: string) => db.insertInto('orders').values({ id, item }).execute();
    export const ordersInStock = (db: Db) =>
      db.selectFrom('orders as o').innerJoin('stock', 'stock.item', 'o.item').selectAll().execute();`,
  'src/modules/orders/orders.service.ts': `
    import type { Db } from '../../db/database.ts';
    import { now } from '../../lib/clock.ts';
    import { insertOrder } from './orders.repository.ts';
    import { take } from '../stock/stock.service.ts';
    export interface Order { id: string }
    export async function placeOrder(db: Db, id: string, item: string): Promise<Order> {
      await db.transaction().execute(async (trx) => { await take(trx, item); await insertOrder(trx, id, item); });
      void now();
      return { id };
    }`,
  'src/modules/orders/orders.routes.tsx': `
    import type { FastifyInstance } from 'fastify';
    import { placeOrder } from './orders.service.ts';
    export async function orderRoutes(app: FastifyInstance) { app.post('/orders', async () => <p>{String(placeOrder)}</p>); }`,
  'src/modules/stock/stock.table.ts': `export interface StockTable { item: string; count: number }`,
  'src/modules/stock/stock.repository.ts': `
    import { sql } from 'kysely';
    import type { Db } from '../../db/database.ts';
    export const takeOne = (db: Db, item: string) =>
      db.updateTable('stock').set({ count: sql\`count - 1\` }).where('item', '=', item).execute();
    export const restock = (db: Db) => sql\`update stock set count = count + 1\`.execute(db);`,
  'src/modules/stock/stock.service.ts': `
    import type { Db } from '../../db/database.ts';
    import { takeOne } from './stock.repository.ts';
    export const take = (db: Db, item: string) => takeOne(db, item);`,
  'src/modules/stock/stock.test.ts': `
    import { insertOrder } from '../orders/orders.repository.ts';
    import type { OrderTable } from '../orders/orders.table.ts';
    export const seed = (db: any, row: OrderTable) => db.insertInto('orders').values(row).execute().then(() => insertOrder);`,
  'scripts/boundaries-allowlist.json': JSON.stringify({
    reads: [{ from: 'src/modules/orders/orders.repository.ts', table: 'stock', reason: 'an order shows whether its item is in stock' }],
  }),
};

// The same tree with one of each violation.
const violating = {
  ...clean,
  'src/lib/clock.ts': `
    import type { Order } from '../modules/orders/orders.service.ts';
    export const now = (_order?: Order) => new Date();`,
  'src/db/database.ts': `${clean['src/db/database.ts']}
    import { placeOrder } from '../modules/orders/orders.service.ts';
    export const everything = placeOrder;`,
  'src/modules/orders/orders.service.ts': `${clean['src/modules/orders/orders.service.ts']}
    import { takeOne } from '../stock/stock.repository.ts';
    import type { StockTable } from '../stock/stock.table.ts';
    export const peek = (row: StockTable) => [row, takeOne];`,
  'src/modules/orders/orders.repository.ts': `${clean['src/modules/orders/orders.repository.ts']}
    import { sql } from 'kysely';
    export const emptyStock = (db: Db) => sql\`UPDATE stock SET count = 0\`.execute(db);`,
  'src/modules/stock/stock.repository.ts': `${clean['src/modules/stock/stock.repository.ts']}
    export const forget = (db: Db, id: string) => db.deleteFrom('orders').where('id', '=', id).execute();
    export const ordered = (db: Db) => db.selectFrom('orders').select('item').execute();`,
  'src/modules/stock/stock.service.ts': `${clean['src/modules/stock/stock.service.ts']}
    import type { FastifyRequest } from 'fastify';
    import type { Order } from '../orders/orders.service.ts';
    export const forRequest = (request: FastifyRequest, order: Order) => [request, order];
    export const counts = (db: Db) => db.selectFrom('stock').selectAll().execute();`,
};

const expected = [
  ['db-imports-module', 'src/db/database.ts', 'src/modules/orders/orders.service.ts'],
  ['foreign-repository-import', 'src/modules/orders/orders.service.ts', 'src/modules/stock/stock.repository.ts'],
  ['foreign-table-import', 'src/modules/orders/orders.service.ts', 'src/modules/stock/stock.table.ts'],
  ['foreign-table-read', 'src/modules/stock/stock.repository.ts', 'orders'],
  ['foreign-table-write', 'src/modules/orders/orders.repository.ts', 'stock'],
  ['foreign-table-write', 'src/modules/stock/stock.repository.ts', 'orders'],
  ['lib-imports-app', 'src/lib/clock.ts', 'src/modules/orders/orders.service.ts'],
  ['module-cycle', 'src/modules/orders', 'src/modules/stock'],
  ['module-cycle', 'src/modules/stock', 'src/modules/orders'],
  ['service-imports-http', 'src/modules/stock/stock.service.ts', 'fastify'],
  ['sql-outside-repository', 'src/modules/stock/stock.service.ts', 'stock'],
];

function tree(files) {
  const root = mkdtempSync(join(tmpdir(), 'cloudpass-boundaries-'));
  folders.push(root);
  write(root, files);
  return root;
}

function write(root, files) {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

const check = (root) => checkBoundaries(root, { allowlist: readAllowlist(join(root, 'scripts/boundaries-allowlist.json')) });
const keys = (violations) => violations.map((v) => [v.rule, v.from, v.to]);
const run = (root, ...args) => {
  const result = spawnSync(process.execPath, [script, '--root', root, ...args], { encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
};

describe('boundary check', () => {
  test('passes on a clean tree', () => {
    const root = tree(clean);
    assert.deepEqual(check(root), { violations: [], unusedAllowlist: [] });
    const { status, output } = run(root);
    assert.equal(status, 0, output);
    assert.match(output, /boundaries: ok: 0 new, none known/);
  });

  test('finds each kind of violation, and the command fails saying where', () => {
    const root = tree(violating);
    assert.deepEqual(keys(check(root).violations), expected);

    const { status, output } = run(root);
    assert.equal(status, 1, output);
    assert.match(output, new RegExp(`boundaries: ${expected.length} new violations`));
    for (const [rule] of expected) assert.match(output, new RegExp(`${rule}: `));
    assert.match(output, /src\/modules\/orders\/orders\.service\.ts:\d+ imports src\/modules\/stock\/stock\.repository\.ts/);
    assert.match(output, /src\/modules\/stock\/stock\.repository\.ts:\d+ deleteFrom\('orders'\): orders belongs to module orders/);
    assert.match(output, /src\/modules\/orders\/orders\.repository\.ts:\d+ sql: update\('stock'\): stock belongs to module stock/);
    assert.match(output, /src\/modules\/stock\/stock\.service\.ts:\d+ imports fastify/);
    assert.match(output, /and back: orders → stock/);
  });

  test('a known violation passes, a new one fails, and a fixed one must leave the baseline', () => {
    const root = tree(violating);
    assert.equal(run(root, '--write-baseline').status, 0);
    const baseline = JSON.parse(readFileSync(join(root, 'scripts/boundaries-baseline.json'), 'utf8'));
    assert.deepEqual(baseline.violations.map((v) => [v.rule, v.from, v.to]), expected);
    let result = run(root);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, new RegExp(`0 new, ${expected.length} known`));

    write(root, { 'src/modules/stock/stock.routes.ts': `import { insertOrder } from '../orders/orders.repository.ts';\nexport const x = insertOrder;` });
    result = run(root);
    assert.equal(result.status, 1, result.output);
    assert.match(result.output, /boundaries: 1 new violation:\n\n {2}foreign-repository-import: .*\n {4}src\/modules\/stock\/stock\.routes\.ts:1 imports src\/modules\/orders\/orders\.repository\.ts/);
    rmSync(join(root, 'src/modules/stock/stock.routes.ts'));

    write(root, { 'src/lib/clock.ts': clean['src/lib/clock.ts'] });
    result = run(root);
    assert.equal(result.status, 1, result.output);
    assert.match(result.output, /1 violation is fixed but still listed/);
    assert.match(result.output, /"rule":"lib-imports-app"/);
    result = run(root, '--prune-baseline');
    assert.equal(result.status, 0, result.output);
    assert.equal(run(root).status, 0);
  });

  test('type-only imports count, test files are exempt, and an allowed read must still happen', () => {
    const root = tree({
      ...clean,
      'src/modules/stock/stock.service.ts': `${clean['src/modules/stock/stock.service.ts']}\nexport type Pick = import('../orders/orders.service.ts').Order;`,
      'src/modules/orders/orders.repository.ts': `
        import type { Db } from '../../db/database.ts';
        export const insertOrder = (db: Db, id: string, item: string) => db.insertInto('orders').values({ id, item }).execute();`,
    });
    const { violations, unusedAllowlist } = check(root);
    assert.deepEqual(keys(violations), [
      ['module-cycle', 'src/modules/orders', 'src/modules/stock'],
      ['module-cycle', 'src/modules/stock', 'src/modules/orders'],
    ]);
    assert.deepEqual(unusedAllowlist.map((a) => a.table), ['stock']);
    const { status, output } = run(root);
    assert.equal(status, 1);
    assert.match(output, /allows reads that no longer happen/);
  });

  test('an allowlisted read needs its reason', () => {
    const root = tree({
      ...clean,
      'scripts/boundaries-allowlist.json': JSON.stringify({ reads: [{ from: 'src/modules/orders/orders.repository.ts', table: 'stock' }] }),
    });
    const { status, output } = run(root);
    assert.equal(status, 2);
    assert.match(output, /every read needs "from", "table" and a one-line "reason"/);
  });
});
