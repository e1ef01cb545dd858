// Queries on the hot path, built and compiled once, then run with new values.
//
// Kysely builds an operation tree and compiles it to SQL on every call. For the point look-ups and
// single-row writes of redeeming and activating, that cost about ten times what SQLite took to run
// them. A prepared query is written with the same typed builder, but its values are named parameters;
// it is compiled on first use for each dialect, and later calls only fill the values in.
//
// On SQLite a prepared query also skips Kysely's executor when it can: better-sqlite3 runs a statement
// synchronously, and the executor's connection lock and promise hops around it cost about three times
// what the statement itself took (4 of 6 µs for a point read; a redemption and activation run ~30 of
// them with provisioning). There is one connection: a query inside a transaction holds it already, and
// one outside any transaction can run at once when the connection is in no transaction (another
// request's transaction, open across its awaits, would otherwise take it in); else it waits its turn
// through Kysely as before.
import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Db, DbOrTrx } from './database.ts';

export interface PreparedQuery<P, O> {
  /** Every row the query returns. */
  rows(db: DbOrTrx, params: P): Promise<O[]>;
  /** The first row, or undefined. */
  first(db: DbOrTrx, params: P): Promise<O | undefined>;
  /** How many rows an insert, update or delete changed. */
  affected(db: DbOrTrx, params: P): Promise<number>;
}

type Slot = { param: string } | { value: unknown };

const MARKER = '\u0000cloudpass-param:';

/**
 * `build` receives stand-ins for the parameters: use each only as a value (in `where`, `set`, `values`,
 * `limit`), never to choose a column or shape the query, since the query is built once. A stand-in that
 * does not end up as a bound parameter is refused on first use. The stand-ins have the keys of the
 * parameters passed (those not undefined), so `values(params)` inserts exactly the columns given; each
 * set of keys is compiled once.
 */
export function prepared<P extends object, O>(build: (db: Db, params: P) => Compilable<O>): PreparedQuery<P, O> {
  const compiledFor = new WeakMap<object, Map<string, { compiled: CompiledQuery<O>; slots: Slot[] }>>();

  function compiledQuery(db: DbOrTrx, keys: string[]) {
    const dialect = db.getExecutor().adapter; // one adapter per database handle, shared by its transactions
    let shapes = compiledFor.get(dialect);
    if (!shapes) compiledFor.set(dialect, (shapes = new Map()));
    const shape = keys.join(',');
    let entry = shapes.get(shape);
    if (!entry) shapes.set(shape, (entry = compile(db, keys)));
    return entry;
  }

  function compile(db: DbOrTrx, keys: string[]) {
    const used = new Set<string>();
    const standIns = new Proxy(Object.fromEntries(keys.map((key) => [key, MARKER + key])), {
      get: (target, name) => {
        used.add(String(name));
        return target[String(name)] ?? MARKER + String(name);
      },
    }) as P;
    const compiled = build(db, standIns).compile();
    const slots: Slot[] = compiled.parameters.map((value) =>
      typeof value === 'string' && value.startsWith(MARKER) ? { param: value.slice(MARKER.length) } : { value });
    for (const name of used) {
      if (!slots.some((slot) => 'param' in slot && slot.param === name)) {
        throw new Error(`prepared query: "${name}" must be used as a value; it did not become a bound parameter`);
      }
    }
    return { compiled, slots };
  }

  async function execute(db: DbOrTrx, params: P): Promise<QueryResult<O>> {
    const values = params as Record<string, unknown>;
    const { compiled, slots } = compiledQuery(db, Object.keys(values).filter((key) => values[key] !== undefined));
    const parameters = slots.map((slot) => ('param' in slot ? values[slot.param] : slot.value));
    const direct = directSqlite.get(db.getExecutor().adapter);
    if (direct && (db.isTransaction || !direct.connection.inTransaction)) return runOnSqlite<O>(direct, compiled.sql, parameters);
    return db.executeQuery<O>({ ...compiled, parameters });
  }

  return {
    rows: async (db, params) => (await execute(db, params)).rows,
    first: async (db, params) => (await execute(db, params)).rows[0],
    affected: async (db, params) => Number((await execute(db, params)).numAffectedRows ?? 0n),
  };
}

interface DirectSqlite {
  connection: SQLite.Database;
  /** The connection's statement cache, shared with Kysely's driver. */
  prepare(sql: string): SQLite.Statement;
}

const directSqlite = new WeakMap<object, DirectSqlite>();

/** Lets prepared queries on `db` (a SQLite handle, and its transactions) run straight on its one connection. */
export function runPreparedDirectly(db: Db, direct: DirectSqlite): void {
  directSqlite.set(db.getExecutor().adapter, direct);
}

/** What Kysely's SQLite driver answers for the same statement. */
function runOnSqlite<O>(direct: DirectSqlite, sql: string, parameters: unknown[]): QueryResult<O> {
  const statement = direct.prepare(sql);
  if (statement.reader) return { rows: statement.all(parameters) as O[] };
  const { changes, lastInsertRowid } = statement.run(parameters);
  return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
}
