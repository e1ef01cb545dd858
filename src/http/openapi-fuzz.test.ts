// Generated attacks from the app's own OpenAPI description (issue 12): for every operation in
// `app.swagger()`, requests built from its schemas (valid, boundary and invalid values) are sent as an
// operator key, a platform key, a signed-in recipient and nobody. Every answer must be described: its
// status listed for the operation, its body valid against the schema of that status and media type (ajv),
// never a 5xx; and a refused request (4xx) must leave every table as it was. The operations are read from
// the description, so routes added later are covered without touching this file.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { describeEachDatabase, type TestContext } from '../testing/harness.ts';
import { apiKeyHeader, createAccount, signedInCookie, uniqueEmail } from '../testing/factories.ts';
import { hashPassword } from '../modules/accounts/passwords.ts';
import { SINGLE_LINE_PATTERN, MULTI_LINE_PATTERN } from './schemas.ts';

const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const PASSWORD = 'plum-orbit-canvas-7';
const ROLES = ['operator', 'platform', 'recipient', 'nobody'] as const;
type Role = (typeof ROLES)[number];
type Mode = 'valid' | 'boundary' | 'invalid';
type Json = Record<string, unknown>;

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

interface Parameter { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema: Json }
interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Json;
  responses: Record<string, { content?: Record<string, { schema?: Json }> }>;
  streams: boolean;
}

interface Pools {
  idsByTable: Map<string, string[]>;
  allIds: string[];
  settledSubscriptionIds: string[];
  emails: string[];
  codes: string[];
  domains: string[];
}

interface FuzzRequest {
  role: Role;
  mode: Mode;
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
}

function operationsOf(doc: Json): Operation[] {
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const [method, raw] of Object.entries(item)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const op = raw as Json;
      const content = (op.requestBody as Json | undefined)?.content as Record<string, { schema: Json }> | undefined;
      const responses = op.responses as Operation['responses'];
      operations.push({
        method: method.toUpperCase(), path, parameters: (op.parameters as Parameter[] | undefined) ?? [],
        body: content?.['application/json']?.schema, responses,
        streams: Object.values(responses).some((r) => r.content && 'text/event-stream' in r.content),
      });
    }
  }
  return operations;
}

// ---- values from schemas -------------------------------------------------------------------------------

const CONTROL = ['\u0000', '\u0001', '\u0008', '\u001b', '\u007f', '\u0085', '\u009f', '\u202a', '\u202e', '\u2066', '\u2069', '\r', '\n', '\r\n', '\t'];
const ODD_TEXT = ['', ' ', '0', '-1', 'null', 'true', '%00', '../../etc/passwd', "' OR 1=1 --", '"; drop table accounts; --', '<script>alert(1)</script>',
  '${7*7}', '{{7*7}}', '\ud83c\udf89', '\ud800', 'Z\u0301\u0302\u0303', '\u200b', '\ufeff', 'ａｄｍｉｎ', 'İ', 'ß', '\u3000', 'x'.repeat(5000)];
const WRONG_TYPES: unknown[] = [null, 0, -1, 1.5, true, false, [], {}, 'string', [null], { a: 1 }, 1e308, -0];

/** Own `__proto__` and `constructor` members, as a JSON body can carry them. */
const POLLUTION = JSON.parse('{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}') as Json;

const SHARED_PATTERNS = new Set([SINGLE_LINE_PATTERN, MULTI_LINE_PATTERN]);

/** Lone surrogates as U+FFFD, as a client must send them in a URL. */
const wellFormed = (text: string) => text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

function patternRegex(pattern: string): RegExp { return new RegExp(pattern, 'u'); }

/** A plausible value for a text field, by its name, from what the database holds. */
function hint(name: string, pools: Pools, pathTable: string | undefined): fc.Arbitrary<string> | undefined {
  const pick = (list: string[]) => (list.length ? fc.integer({ min: 0, max: list.length - 1 }).map((i) => list[i] ?? list[0]!) : undefined);
  const lower = name.toLowerCase();
  if (lower === 'email' || lower === 'loginhint') return fc.oneof(pick(pools.emails) ?? fc.constant('a@example.test'), fc.constant(uniqueEmail('fuzz')));
  if (lower.includes('password')) return fc.oneof(fc.constant(PASSWORD), fc.constant('correct-horse-battery-' + Math.random().toString(36).slice(2, 6)));
  if (lower === 'country') return fc.constantFrom('FI', 'SE', 'US', 'fi', 'XX', 'DE');
  if (lower === 'currency') return fc.constantFrom('EUR', 'USD', 'eur', 'XXX');
  if (lower === 'code' || lower === 'codes') return pick(pools.codes) ?? fc.constant('AAAA-AAAA-AAAA-AAAA');
  if (lower === 'redeemby') return fc.integer({ min: -2, max: 400 }).map((d) => new Date(Date.now() + d * 86_400_000).toISOString().slice(0, 10));
  if (lower === 'domain') return fc.oneof(pick(pools.domains) ?? fc.constant('example.test'), fc.constant(`fuzz${Math.floor(Math.random() * 1e6)}.example.test`));
  if (lower === 'issuer') return fc.constantFrom('https://127.0.0.1/', 'http://localhost:1/', 'https://[::1]/', 'https://10.0.0.1/', 'not a url');
  if (lower === 'limit') return fc.integer({ min: 1, max: 600 }).map(String);
  if (lower === 'id' || lower.endsWith('id')) {
    const table = lower === 'id' ? pathTable : `${lower.slice(0, -2)}s`;
    const list = (table && pools.idsByTable.get(table)) || pools.allIds;
    return pick(list);
  }
  return undefined;
}

interface GenContext { pools: Pools; pathTable?: string; streams?: boolean }

function stringArb(schema: Json, mode: Mode, name: string, ctx: GenContext): fc.Arbitrary<unknown> {
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const pattern = typeof schema.pattern === 'string' ? schema.pattern : undefined;
  if (mode === 'invalid') {
    return fc.oneof(
      fc.tuple(fc.constantFrom(...CONTROL), fc.string({ maxLength: 8 }), fc.nat(3)).map(([c, s, at]) => at === 0 ? c + s : at === 1 ? s + c : `${s}${c}${s}`),
      fc.constantFrom(...WRONG_TYPES),
      fc.constant('y'.repeat((maxLength ?? 10_000) + 1)),
    );
  }
  if (mode === 'boundary') {
    const edges = [minLength, ...(maxLength !== undefined ? [maxLength, maxLength + 1] : [255, 256, 1000])];
    return fc.oneof(
      fc.constantFrom(...edges).chain((n) => fc.constantFrom('a', 'é', '字', '🎉', ' ').map((ch) => ch.repeat(Math.max(0, n)))),
      fc.constantFrom(...ODD_TEXT),
      fc.string({ unit: 'binary', maxLength: 30 }),
    );
  }
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.format === 'date-time') return fc.date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true }).map((d) => d.toISOString());
  const named = hint(name, ctx.pools, ctx.pathTable);
  if (named && (!pattern || SHARED_PATTERNS.has(pattern))) return fc.oneof({ weight: 4, arbitrary: named }, { weight: 1, arbitrary: fc.string({ minLength, maxLength: Math.min(maxLength ?? 30, 30) }) });
  if (pattern && !SHARED_PATTERNS.has(pattern)) return fc.stringMatching(patternRegex(pattern)).filter((s) => s.length >= minLength && (maxLength === undefined || s.length <= maxLength));
  const re = pattern ? patternRegex(pattern) : undefined;
  return fc.string({ minLength, maxLength: Math.min(maxLength ?? 40, 40), unit: fc.constantFrom('a', 'B', '3', ' ', '-', '@', '.', 'ä', '字', '🎉', '\n') })
    .filter((s) => !re || re.test(s));
}

function numberArb(schema: Json, mode: Mode, name: string): fc.Arbitrary<unknown> {
  const integer = schema.type === 'integer';
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' ? schema.maximum : undefined;
  if (mode === 'invalid') return fc.constantFrom('1', null, true, [], {}, ...(integer ? [1.5] : []), ...(min !== undefined ? [min - 1] : []), ...(max !== undefined ? [max + 1] : []));
  if (mode === 'boundary') return fc.constantFrom(0, -1, 1, 2 ** 31, -(2 ** 31), Number.MAX_SAFE_INTEGER, ...(min !== undefined ? [min] : []), ...(max !== undefined ? [max] : []));
  const lower = name.toLowerCase();
  // Small counts keep generated batches cheap; the schema's own bounds still hold.
  const softMax = lower === 'count' ? 5 : 400;
  const lo = min ?? (lower === 'amount' || lower === 'count' || lower.endsWith('days') || lower.startsWith('passes') ? 1 : -5);
  const hi = Math.max(lo, Math.min(max ?? softMax, lo + softMax));
  return integer ? fc.integer({ min: lo, max: hi }) : fc.double({ min: lo, max: hi, noNaN: true });
}

/** A value for `schema`: valid, or with one boundary or invalid value at one place. */
function valueArb(schema: Json | undefined, mode: Mode, name: string, ctx: GenContext, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.constant(undefined);
  if ('const' in schema) return mode === 'invalid' ? fc.constantFrom(...WRONG_TYPES) : fc.constant(schema.const);
  const union = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (union) {
    if (mode === 'invalid' && union.every((s) => s.type !== 'string')) return fc.constantFrom('x', ...WRONG_TYPES.filter((v) => typeof v !== 'object' || v === null));
    return fc.oneof(...union.map((member) => valueArb(member, mode, name, ctx, depth + 1)));
  }
  if (Array.isArray(schema.enum) && mode !== 'boundary') {
    return mode === 'invalid' ? fc.constantFrom('not-in-the-list', 'OPEN', '', 1, null) : fc.constantFrom(...(schema.enum as unknown[]));
  }
  switch (schema.type) {
    case 'string': return stringArb(schema, mode, name, ctx);
    case 'integer': case 'number': return numberArb(schema, mode, name);
    case 'boolean': return mode === 'invalid' ? fc.constantFrom('true', 1, 0, null) : fc.boolean();
    case 'null': return mode === 'invalid' ? fc.constantFrom(0, '', 'null') : fc.constant(null);
    case 'array': {
      const items = schema.items as Json | undefined;
      const minItems = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxItems = Math.min(typeof schema.maxItems === 'number' ? schema.maxItems : 4, 4);
      if (mode === 'valid') return fc.array(valueArb(items, 'valid', name, ctx, depth + 1), { minLength: minItems, maxLength: Math.max(minItems, maxItems) });
      return fc.oneof(
        fc.tuple(fc.array(valueArb(items, 'valid', name, ctx, depth + 1), { maxLength: 3 }), valueArb(items, mode, name, ctx, depth + 1)).map(([ok, odd]) => [...ok, odd]),
        ...(mode === 'invalid' ? [fc.constantFrom('a', 1, null, { 0: 'a' })] : [fc.constant([]), fc.constant(Array.from({ length: 1001 }, (_, i) => `v${i}`))]),
      );
    }
    case 'object': default: {
      const properties = (schema.properties as Record<string, Json> | undefined) ?? {};
      const required = new Set((schema.required as string[] | undefined) ?? []);
      const names = Object.keys(properties);
      const record = (odd: string | undefined, oddMode: Mode) => fc.tuple(
        ...names.map((key) => fc.tuple(
          fc.constant(key),
          required.has(key) || key === odd ? fc.constant(true) : fc.boolean(),
          valueArb(properties[key], key === odd ? oddMode : 'valid', key, ctx, depth + 1),
        )),
      ).map((entries) => Object.fromEntries(entries.filter(([, present, value]) => present && value !== undefined).map(([key, , value]) => [key, value])));
      if (mode === 'valid' || names.length === 0) {
        if (mode === 'invalid') return fc.constantFrom('x', 1, null, [], [{}]);
        return record(undefined, 'valid');
      }
      const structural: fc.Arbitrary<unknown>[] = mode === 'invalid'
        ? [fc.constantFrom('x', 1, null, [], true),
          ...(required.size ? [fc.constantFrom(...required).chain((drop) => record(undefined, 'valid').map((value) => {
            const copy = { ...value };
            delete copy[drop];
            return copy;
          }))] : []),
          record(undefined, 'valid').map((value) => ({ ...value, ...POLLUTION, unexpected: 'extra' }))]
        : [];
      return fc.oneof(fc.constantFrom(...names).chain((odd) => record(odd, mode)), ...structural);
    }
  }
}

// ---- requests ---------------------------------------------------------------------------------------------

function pathTableOf(path: string): string | undefined {
  const segments = path.split('/').filter(Boolean);
  const at = segments.findIndex((s) => s.startsWith('{'));
  if (at <= 0) return undefined;
  const before = segments.slice(Math.max(0, at - 2), at).filter((s) => !s.startsWith('{') && s !== 'v1' && s !== 'api');
  return before.join('_');
}

function requestArb(op: Operation, role: Role, ctx: GenContext, auth: Record<Role, Record<string, string>>): fc.Arbitrary<FuzzRequest> {
  const modeArb = fc.constantFrom<Mode>('valid', 'valid', 'valid', 'valid', 'boundary', 'boundary', 'invalid', 'invalid', 'invalid');
  return modeArb.chain((mode) => {
    const params = op.parameters.filter((p) => p.in === 'path' || p.in === 'query' || p.in === 'header');
    // One place carries the boundary or invalid value; everything else is valid.
    const oddAt = fc.integer({ min: -1, max: params.length });
    return oddAt.chain((odd) => {
      const paramArbs = params.map((p, i) => {
        const paramMode: Mode = mode !== 'valid' && odd === i ? mode : 'valid';
        const paramCtx = { ...ctx, pathTable: p.in === 'path' ? pathTableOf(op.path) : undefined };
        let arb = valueArb(p.schema, paramMode, p.name, paramCtx);
        if (p.in === 'path' && ctx.streams && paramMode === 'valid' && ctx.pools.settledSubscriptionIds.length) {
          // A live-status stream stays open until a final status: only settled subscriptions, or ids of nothing.
          arb = fc.oneof(fc.constantFrom(...ctx.pools.settledSubscriptionIds), fc.string({ minLength: 1, maxLength: 30 }));
        }
        const present = p.required || p.in === 'path' ? fc.constant(true) : fc.boolean();
        return fc.tuple(fc.constant(p), present, arb);
      });
      const bodyMode: Mode = mode !== 'valid' && (odd === params.length || odd === -1) ? mode : 'valid';
      const bodyArb = op.body ? valueArb(op.body, bodyMode, 'body', ctx) : fc.constant(undefined);
      // Besides the schema: bodies that are not JSON, a wrong media type, no body, another site's Origin.
      const wrapper = fc.constantFrom('json', 'json', 'json', 'json', 'json', 'json', 'json', 'json', 'garbage', 'text', 'none', 'origin');
      // What the client accepts: JSON mostly, sometimes anything, a browser's HTML, CSV, or nothing said.
      const acceptArb = fc.constantFrom('application/json', 'application/json', 'application/json', '*/*', 'text/html,application/xhtml+xml;q=0.9', 'text/csv', '');
      return fc.tuple(fc.tuple(...paramArbs), bodyArb, mode === 'valid' ? fc.constant('json') : wrapper, acceptArb).map(([values, body, wrap, accept]): FuzzRequest => {
        let url = op.path;
        const query = new URLSearchParams();
        const headerValues: Record<string, string> = {};
        for (const [p, present, value] of values) {
          const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
          if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(text === '' ? '-' : wellFormed(text)));
          else if (p.in === 'query' && present && value !== undefined) query.set(p.name, text);
          // Only what HTTP can carry in a header (Node refuses the rest before the app sees it).
          else if (p.in === 'header' && present && value !== undefined && /^[\t\x20-\x7e]*$/.test(text)) headerValues[p.name] = text;
        }
        const qs = query.toString();
        const headers: Record<string, string> = { ...(accept ? { accept } : {}), ...headerValues, ...auth[role] };
        // Nobody sometimes brings credentials that are not valid: a made-up key, a made-up session cookie.
        if (role === 'nobody' && mode !== 'valid') {
          if (wrap === 'garbage') headers.authorization = 'Bearer cp_live_not-a-real-key';
          if (wrap === 'text') headers.cookie = 'cloudpass_session=not-a-real-session; other=1';
        }
        let payload: string | undefined;
        if (op.body && wrap !== 'none') {
          headers['content-type'] = wrap === 'text' ? 'text/plain' : 'application/json';
          payload = wrap === 'garbage' ? '{"unterminated": ' : JSON.stringify(body === undefined ? {} : body);
        }
        if (wrap === 'origin') headers.origin = 'https://evil.example';
        return { role, mode, method: op.method, url: qs ? `${url}?${qs}` : url, headers, payload };
      });
    });
  });
}

// ---- the state of every table ------------------------------------------------------------------------------

/** Columns that change on any request by design, not rows a refused request wrote. */
const VOLATILE: Record<string, string[]> = { sessions: ['last_seen_at', 'expires_at'], api_keys: ['last_used_at'] };

async function tableNames(ctx: TestContext, dialect: string): Promise<string[]> {
  const db = ctx.app.services.db;
  const rows = dialect === 'sqlite'
    ? await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`.execute(db)
    : await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%' and table_name not like 'fuzz_%'`.execute(db);
  return rows.rows.map((r) => r.name).sort();
}

async function fingerprint(ctx: TestContext, dialect: string, tables: string[]): Promise<Map<string, string>> {
  const db = ctx.app.services.db;
  const out = new Map<string, string>();
  if (dialect === 'postgres') {
    const parts = tables.map((t) => {
      const drop = (VOLATILE[t] ?? []).map((c) => ` - '${c}'`).join('');
      return `select '${t}' as t, count(*)::text || ':' || md5(coalesce(string_agg((to_jsonb(x)${drop})::text, ',' order by (to_jsonb(x)${drop})::text), '')) as h from "${t}" x`;
    });
    const rows = await sql<{ t: string; h: string }>`${sql.raw(parts.join(' union all '))}`.execute(db);
    for (const row of rows.rows) out.set(row.t, row.h);
    return out;
  }
  for (const t of tables) {
    const rows = await sql<Json>`select * from ${sql.table(t)}`.execute(db);
    const lines = rows.rows.map((row) => {
      const copy = { ...row };
      for (const c of VOLATILE[t] ?? []) delete copy[c];
      return JSON.stringify(copy);
    }).sort();
    out.set(t, `${lines.length}:${createHash('md5').update(lines.join(',')).digest('hex')}`);
  }
  return out;
}

/**
 * How often each table has been written, counted by row triggers into a counter table in the same
 * transaction: a write that is rolled back is no change, one that commits moves its table's count. On
 * SQLite the table and triggers are TEMP (this connection only, the database file untouched); on
 * PostgreSQL they are created in the test's own database.
 */
async function changeCounters(ctx: TestContext, dialect: string, tables: string[]): Promise<() => Promise<Map<string, number>>> {
  const db = ctx.app.services.db;
  const run = (statement: string) => sql`${sql.raw(statement)}`.execute(db);
  if (dialect === 'sqlite') {
    await run('create temp table fuzz_changes (t text primary key, n integer not null default 0)');
    for (const t of tables) {
      await run(`insert into fuzz_changes (t) values ('${t}')`);
      for (const event of ['insert', 'update', 'delete']) {
        await run(`create temp trigger "fuzz_${t}_${event}" after ${event} on main."${t}" begin update fuzz_changes set n = n + 1 where t = '${t}'; end`);
      }
    }
  } else {
    await run('create table fuzz_changes (t text primary key, n bigint not null default 0)');
    await run("create function fuzz_changed() returns trigger language plpgsql as $$ begin update fuzz_changes set n = n + 1 where t = TG_TABLE_NAME; return null; end $$");
    for (const t of tables) {
      await run(`insert into fuzz_changes (t) values ('${t}')`);
      await run(`create trigger fuzz_changed after insert or update or delete on "${t}" for each row execute function fuzz_changed()`);
    }
  }
  return async () => new Map((await sql<{ t: string; n: number | string }>`select t, n from fuzz_changes`.execute(db)).rows.map((r) => [r.t, Number(r.n)]));
}

function changedCounts(before: Map<string, number>, after: Map<string, number>): string[] {
  return [...after.keys()].filter((t) => before.get(t) !== after.get(t));
}

function changedTables(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after.keys()].filter((t) => before.get(t) !== after.get(t));
}

// ---- the run -----------------------------------------------------------------------------------------------

describeEachDatabase('OpenAPI fuzz', (ctx, target) => {
  test(`${REQUESTS} generated requests: every answer described, no 5xx, refused requests change nothing`, { timeout: 600_000 }, async () => {
    const { app, config } = ctx();
    const dialect = ctx().database.handle.dialect;
    const doc = app.swagger() as unknown as Json;
    const operations = operationsOf(doc);
    assert.ok(operations.length >= 40, `the description lists ${operations.length} operations`);

    // People and things for the requests to find.
    const passwordHash = await hashPassword(PASSWORD);
    const recipient = await createAccount(app, config, { passwordHash, country: 'FI' });
    await createAccount(app, config, { passwordHash, country: 'SE', operatorAdmin: true });
    const operatorKey = await apiKeyHeader(app, 'operator');
    const platformKey = await apiKeyHeader(app, 'platform');
    const auth: Record<Role, Record<string, string>> = {
      operator: { authorization: operatorKey }, platform: { authorization: platformKey },
      recipient: { cookie: recipient.cookie }, nobody: {},
    };
    const codes: string[] = [];
    const seedJson = async (method: 'POST' | 'PUT' | 'PATCH', url: string, body: unknown, headers: Record<string, string>) => {
      const response = await app.inject({ method, url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      assert.ok(response.statusCode < 300, `seed ${method} ${url}: ${response.statusCode} ${response.body}`);
      return response.json<Json>();
    };
    const redeemBy = new Date(Date.now() + 90 * 86_400_000).toISOString().slice(0, 10);
    for (const [i, name] of ['Fuzz pass', 'Fuzz spare', 'Fuzz other'].entries()) {
      const campaign = await seedJson('POST', '/api/v1/campaigns', { name, credit: { amount: 10_000, currency: 'EUR' }, validityDays: 30, redeemBy, passesPerAccount: 3 }, auth.operator);
      const batch = await seedJson('POST', `/api/v1/campaigns/${campaign.id as string}/codes`, { count: 8 + i }, auth.operator);
      codes.push(...(batch.codes as string[]));
    }
    const redemption = await seedJson('POST', '/api/v1/redemptions', { code: codes[0], country: 'FI' }, auth.recipient);
    await seedJson('POST', '/api/v1/redemptions', { code: codes[1], country: 'FI' }, auth.recipient);
    const profile = { firstName: 'Fuzz', lastName: 'Person', email: recipient.email, country: 'FI' };
    const subscription = await seedJson('POST', '/api/v1/subscriptions', { offer: 'pass', redemptionId: redemption.id, profile }, auth.recipient);
    await seedJson('POST', `/api/v1/subscriptions/${subscription.id as string}/cancel`, {}, auth.recipient);
    await seedJson('POST', '/api/v1/support/cases', { category: 'account', subject: 'Fuzz', description: 'A case\nfor the fuzz' }, auth.recipient);
    await seedJson('POST', '/api/v1/organizations', {
      name: 'Fuzz Org', domain: 'fuzz.example.test', admin: { email: uniqueEmail('orgadmin'), password: PASSWORD, displayName: 'Org Admin', country: 'FI' },
    }, {});

    const tables = await tableNames(ctx(), dialect);
    const pools: Pools = { idsByTable: new Map(), allIds: [], settledSubscriptionIds: [], emails: [], codes, domains: [] };
    const db = app.services.db;
    const refreshPools = async () => {
      pools.idsByTable.clear();
      for (const t of tables) {
        const columns = dialect === 'sqlite'
          ? (await sql<{ name: string }>`select name from pragma_table_info(${t})`.execute(db)).rows.map((r) => r.name)
          : (await sql<{ name: string }>`select column_name as name from information_schema.columns where table_name = ${t} and table_schema = current_schema()`.execute(db)).rows.map((r) => r.name);
        if (!columns.includes('id')) continue;
        const ids = (await sql<{ id: string }>`select id from ${sql.table(t)} limit 60`.execute(db)).rows.map((r) => String(r.id));
        pools.idsByTable.set(t, ids);
      }
      pools.allIds = [...pools.idsByTable.values()].flat();
      pools.settledSubscriptionIds = (await sql<{ id: string }>`select id from subscriptions where status not in ('pending', 'provisioning')`.execute(db)).rows.map((r) => r.id);
      pools.emails = (await sql<{ email: string }>`select email from accounts limit 40`.execute(db)).rows.map((r) => r.email);
      pools.domains = (await sql<{ domain: string }>`select domain from organization_domains limit 20`.execute(db)).rows.map((r) => r.domain);
    };

    // Response schemas, compiled once each.
    const ajv = addFormats(new Ajv({ strict: false, allErrors: false, validateFormats: true }));
    const validators = new Map<Json, ValidateFunction>();
    const validatorOf = (schema: Json) => {
      let validate = validators.get(schema);
      if (!validate) validators.set(schema, (validate = ajv.compile(schema)));
      return validate;
    };

    const byStatus = new Map<number, number>();
    const byMode = new Map<string, number>();
    const findings: string[] = [];
    const finding = (request: FuzzRequest, response: LightMyRequestResponse | undefined, what: string) => {
      if (findings.length < 200) {
        findings.push(`${what}\n    ${request.role}/${request.mode} ${request.method} ${request.url} ${request.payload?.slice(0, 300) ?? ''}`
          + (response ? `\n    -> ${response.statusCode} ${String(response.headers['content-type'] ?? '')} ${response.body.slice(0, 300)}` : ''));
      }
    };
    const checkResponse = (op: Operation, request: FuzzRequest, response: LightMyRequestResponse) => {
      const status = response.statusCode;
      if (status >= 500) finding(request, response, `server error ${status}`);
      const described = op.responses[String(status)];
      if (!described) return finding(request, response, `status ${status} is not described for ${op.method} ${op.path}`);
      const mediaType = String(response.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (!described.content) {
        if (response.body !== '') finding(request, response, `status ${status} has no body in the description`);
        return;
      }
      const media = described.content[mediaType];
      if (!media) return finding(request, response, `media type "${mediaType}" is not described for ${status} (${Object.keys(described.content).join(', ')})`);
      if (!media.schema || mediaType === 'text/event-stream' || mediaType === 'text/csv') return;
      let body: unknown;
      try { body = JSON.parse(response.body); } catch { return finding(request, response, 'body is not JSON'); }
      const validate = validatorOf(media.schema);
      if (!validate(body)) finding(request, response, `body does not match the schema of ${status}: ${ajv.errorsText(validate.errors)}`);
    };

    const perRound = operations.length * ROLES.length;
    const rounds = Math.ceil(REQUESTS / perRound);
    let sent = 0;
    let refusedChecked = 0;
    const counters = await changeCounters(ctx(), dialect, tables);
    const volatile = tables.filter((t) => VOLATILE[t]);
    // The check itself can fail: a write between two looks is seen by both the counters and the comparison.
    const counted = await counters();
    const looked = await fingerprint(ctx(), dialect, tables);
    await signedInCookie(app, config, recipient.id);
    assert.deepEqual(changedCounts(counted, await counters()), ['sessions'], 'the counters see a write');
    assert.deepEqual(changedTables(looked, await fingerprint(ctx(), dialect, tables)), ['sessions']);
    let counts = counted;
    let volatileState = new Map<string, string>();
    const started = Date.now();
    let fingerprintMs = 0;
    let poolMs = 0;
    const opTime = new Map<string, number>();
    for (let round = 0; round < rounds; round++) {
      const tp = performance.now();
      await refreshPools();
      // A fresh session each round: the fuzz may sign the recipient out or change its password.
      auth.recipient.cookie = await signedInCookie(app, config, recipient.id);
      counts = await counters();
      volatileState = await fingerprint(ctx(), dialect, volatile);
      const genCtx: GenContext = { pools };
      const batch: Array<{ op: Operation; request: FuzzRequest }> = [];
      for (const [opIndex, op] of operations.entries()) {
        for (const [roleIndex, role] of ROLES.entries()) {
          const [request] = fc.sample(requestArb(op, role, { ...genCtx, streams: op.streams }, auth), { seed: SEED + round * 100_003 + opIndex * 101 + roleIndex, numRuns: 1 });
          batch.push({ op, request: request! });
        }
      }
      poolMs += performance.now() - tp;
      const order = fc.sample(fc.shuffledSubarray(batch.map((_, i) => i), { minLength: batch.length }), { seed: SEED + round, numRuns: 1 })[0]!;
      for (const index of order) {
        const { op, request } = batch[index]!;
        let response: LightMyRequestResponse;
        const t0 = performance.now();
        try {
          response = await app.inject({ method: request.method as 'GET', url: request.url, headers: request.headers, payload: request.payload });
        } catch (error) {
          finding(request, undefined, `inject failed: ${(error as Error).message}`);
          continue;
        }
        sent++;
        const t1 = performance.now();
        const slowKey = `${op.method} ${op.path}`;
        opTime.set(slowKey, (opTime.get(slowKey) ?? 0) + t1 - t0);
        byStatus.set(response.statusCode, (byStatus.get(response.statusCode) ?? 0) + 1);
        byMode.set(`${request.role}/${request.mode}`, (byMode.get(`${request.role}/${request.mode}`) ?? 0) + 1);
        checkResponse(op, request, response);
        if (response.statusCode >= 400) refusedChecked++;
        // A table whose count did not move was not written. One that moved was, and a refused request may
        // only have written columns that change on any request (a session's last use): those tables are compared.
        const now = await counters();
        const written = changedCounts(counts, now);
        if (written.length) {
          const moved = written.filter((t) => VOLATILE[t]);
          const after = moved.length ? await fingerprint(ctx(), dialect, moved) : new Map<string, string>();
          if (response.statusCode >= 400) {
            const changed = [...written.filter((t) => !VOLATILE[t]), ...moved.filter((t) => after.get(t) !== volatileState.get(t))];
            if (changed.length) finding(request, response, `refused with ${response.statusCode} but changed ${changed.join(', ')}`);
          }
          for (const [t, h] of after) volatileState.set(t, h);
        }
        counts = now;
        fingerprintMs += performance.now() - t1;
      }
    }
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    const statuses = [...byStatus.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}: ${n}`).join(', ');
    console.log(`[${target}] OpenAPI fuzz: ${sent} requests over ${operations.length} operations in ${seconds} s (seed ${SEED}); `
      + `refused ${refusedChecked} checked for unchanged tables (${tables.length} tables)\n  by status: ${statuses}\n  by role/mode: ${[...byMode.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', ')}`);
    const slowest = [...opTime.entries()].sort(([, a], [, b]) => b - a).slice(0, 5).map(([k, ms]) => `${k} ${(ms / 1000).toFixed(1)} s`).join(', ');
    console.log(`  time: requests ${([...opTime.values()].reduce((a, b) => a + b, 0) / 1000).toFixed(1)} s, table checks ${(fingerprintMs / 1000).toFixed(1)} s, generating ${(poolMs / 1000).toFixed(1)} s; slowest operations: ${slowest}`);
    assert.ok(sent >= REQUESTS, `sent ${sent} requests`);
    assert.equal(findings.length, 0, `${findings.length} findings:\n${findings.slice(0, 40).join('\n')}`);
  });
});
