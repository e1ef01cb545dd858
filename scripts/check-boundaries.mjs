#!/usr/bin/env node
// `npm run check:boundaries`: the module boundaries of STYLE.md, checked on the parsed source (oxc-parser).
//
// dependency-cruiser would be the ready-made tool for the import rules, but it cannot read our code: it
// accepts typescript only below 7 (we are on the native 7, with no JS API), its swc parser stops at the
// JSX of our .tsx pages, and babel would strip the type-only imports we also count. The table rules need
// a parser anyway, so one small script checks both.
//
// Today's violations are listed in scripts/boundaries-baseline.json; the check fails on any violation not
// listed there, and on a listed one that is gone (remove its line: the list only shrinks). Reads of
// another module's table that are meant to stay are listed, each with its reason, in
// scripts/boundaries-allowlist.json.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';

export const RULES = {
  'foreign-repository-import': 'only a module itself (and tests) may import its repository; call its service instead',
  'foreign-table-import': 'only a module itself, src/db/ and tests may import its table types',
  'service-imports-http': 'a service knows nothing of HTTP: no fastify, @fastify/* (but the plain libraries in HTTP_FREE_PACKAGES), src/http/ or src/web/',
  'lib-imports-app': 'src/lib/ is shared by everything and imports nothing from src/modules/, src/http/ or src/web/',
  'db-imports-module': 'src/db/ imports only table types (import type … from *.table.ts) from modules',
  'module-cycle': 'modules must not import each other in a cycle (type-only imports count)',
  'foreign-table-write': "a repository writes only its own module's tables; call the owner's service with your transaction",
  'foreign-table-read': "a repository reads another module's table only where scripts/boundaries-allowlist.json says why",
  'sql-outside-repository': 'SQL lives in repositories (src/db/ and tests aside)',
};

/** @fastify/* packages that are plain libraries, not Fastify plugins: a service may use them. */
const HTTP_FREE_PACKAGES = new Set([
  '@fastify/csrf', // CSRF tokens from a secret: no request, no reply (sessions mint and check them)
]);

const WRITE_METHODS = new Set(['insertInto', 'replaceInto', 'updateTable', 'deleteFrom', 'mergeInto']);
const READ_METHODS = new Set([
  'selectFrom', 'innerJoin', 'leftJoin', 'rightJoin', 'fullJoin', 'crossJoin',
  'innerJoinLateral', 'leftJoinLateral', 'crossJoinLateral', 'using',
]);
// Raw SQL: a write verb and its table, or a table read with FROM/JOIN. A DELETE FROM is matched whole
// (as a write) before its FROM could be taken for a read.
const RAW_SQL = /\b(?:(insert\s+(?:or\s+\w+\s+)?into|replace\s+into|merge\s+into|delete\s+from|update)|(from|join))\s+(?:only\s+)?["`]?(\w+)/gi;

const SOURCE = /\.(?:ts|tsx|mts|cts|js|mjs|cjs|jsx)$/;
const isTest = (file) => /\.test\.tsx?$/.test(file) || /\.testing\.tsx?$/.test(file) || file.startsWith('src/testing/');
const isRepository = (file) => file.endsWith('.repository.ts');
const isTableFile = (file) => file.endsWith('.table.ts');
const isService = (file) => file.endsWith('.service.ts');
const moduleOf = (file) => /^src\/modules\/([^/]+)\//.exec(file)?.[1];
const packageName = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

function listSources(root, dir) {
  const abs = join(root, dir);
  if (!existsSync(abs)) return [];
  return readdirSync(abs, { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : listSources(root, path);
    return SOURCE.test(entry.name) ? [path] : [];
  });
}

function walk(node, visit) {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  if (typeof node.type === 'string') visit(node);
  for (const key in node) {
    const value = node[key];
    if (value !== null && typeof value === 'object') walk(value, visit);
  }
}

const stringOf = (node) => (node?.type === 'Literal' && typeof node.value === 'string' ? node.value : undefined);

function parseFile(root, file) {
  const text = readFileSync(join(root, file), 'utf8');
  const result = parseSync(file, text, { sourceType: 'module' });
  if (result.errors.length > 0) {
    throw new Error(`${file}: cannot parse: ${result.errors.map((e) => e.message).join('; ')}`);
  }
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const lineAt = (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (lineStarts[mid] <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
  return { program: result.program, lineAt };
}

/** Every import of a file: the specifier, whether only types come through it, and its line. */
function importsOf({ program, lineAt }) {
  const found = [];
  const add = (spec, typeOnly, node) => { if (spec !== undefined) found.push({ spec, typeOnly, line: lineAt(node.start) }); };
  const allOf = (specifiers, kind) => specifiers.length > 0 && specifiers.every((s) => s[kind] === 'type');
  walk(program, (node) => {
    switch (node.type) {
      case 'ImportDeclaration':
        add(stringOf(node.source), node.importKind === 'type' || allOf(node.specifiers, 'importKind'), node);
        break;
      case 'ExportNamedDeclaration':
        if (node.source) add(stringOf(node.source), node.exportKind === 'type' || allOf(node.specifiers, 'exportKind'), node);
        break;
      case 'ExportAllDeclaration':
        add(stringOf(node.source), node.exportKind === 'type', node);
        break;
      case 'ImportExpression':
        add(stringOf(node.source), false, node);
        break;
      case 'TSImportType':
        add(stringOf(node.source ?? node.argument?.literal ?? node.argument), true, node);
        break;
      case 'TSExternalModuleReference':
        add(stringOf(node.expression), false, node);
        break;
    }
  });
  return found;
}

/** Table name -> owning module, from the `Database` interface of src/db/database.ts. */
export function tableOwners(root) {
  const file = 'src/db/database.ts';
  if (!existsSync(join(root, file))) throw new Error(`${file} is missing: it names the tables and their owners`);
  const parsed = parseFile(root, file);
  const typeSources = new Map();
  for (const node of parsed.program.body) {
    if (node.type !== 'ImportDeclaration') continue;
    for (const specifier of node.specifiers) typeSources.set(specifier.local.name, stringOf(node.source));
  }
  const owners = new Map();
  walk(parsed.program, (node) => {
    if (node.type !== 'TSInterfaceDeclaration' || node.id.name !== 'Database') return;
    for (const member of node.body.body) {
      const table = member.key?.name ?? stringOf(member.key);
      const typeName = member.typeAnnotation?.typeAnnotation?.typeName?.name;
      const source = typeSources.get(typeName);
      if (table === undefined || source === undefined) continue;
      const target = toRepoPath(root, resolve(join(root, dirname(file)), source));
      const owner = isTableFile(target) ? moduleOf(target) : undefined;
      if (owner) owners.set(table, owner);
    }
  });
  if (owners.size === 0) throw new Error(`${file}: found no tables in interface Database`);
  return owners;
}

const toRepoPath = (root, abs) => relative(root, abs).split(sep).join('/');

/** Tables a file reads and writes, through Kysely's builder and raw SQL text. */
function tableAccesses({ program, lineAt }, tables) {
  const found = [];
  const add = (table, write, how, node) => {
    const name = table.split(/\s+as\s+/i)[0].trim().split('.').pop();
    if (tables.has(name)) found.push({ table: name, write, how, line: lineAt(node.start) });
  };
  const rawSql = (text, node) => {
    for (const match of text.matchAll(RAW_SQL)) {
      add(match[3], match[1] !== undefined, `sql: ${(match[1] ?? match[2]).toLowerCase().replace(/\s+/g, ' ')}`, node);
    }
  };
  walk(program, (node) => {
    if (node.type === 'CallExpression' && node.callee.type === 'MemberExpression' && !node.callee.computed) {
      const method = node.callee.property.name;
      const first = node.arguments[0];
      const names = first?.type === 'ArrayExpression' ? first.elements.map(stringOf) : [stringOf(first)];
      if (WRITE_METHODS.has(method) || READ_METHODS.has(method)) {
        for (const name of names) if (name !== undefined) add(name, WRITE_METHODS.has(method), method, node);
      } else if (method === 'raw' && names[0] !== undefined) {
        rawSql(names[0], node);
      } else if (method === 'table' && node.callee.object.name === 'sql' && names[0] !== undefined) {
        add(names[0], false, 'sql.table', node);
      }
    } else if (node.type === 'TaggedTemplateExpression') {
      const tag = node.tag.type === 'MemberExpression' ? node.tag.object : node.tag;
      if (tag.type === 'Identifier' && tag.name === 'sql') {
        rawSql(node.quasi.quasis.map((q) => q.value.cooked ?? q.value.raw).join(' ? '), node);
      }
    }
  });
  return found;
}

/**
 * Every boundary violation under `root`. Each has `rule`, `from`, `to` (its key in the baseline) and
 * `where` (file:line and what was found there, for the report). `unusedAllowlist`: allowed reads that
 * no longer happen.
 */
export function checkBoundaries(root, { allowlist = [] } = {}) {
  const files = listSources(root, 'src').sort();
  const tables = tableOwners(root);
  const byKey = new Map();
  const report = (rule, from, to, where) => {
    const key = `${rule}\u0000${from}\u0000${to}`;
    if (!byKey.has(key)) byKey.set(key, { rule, from, to, where: [] });
    byKey.get(key).where.push(where);
  };
  const moduleEdges = new Map(); // "a\0b" -> [file:line imports file]
  const allowlistUsed = new Set();

  for (const file of files) {
    const parsed = parseFile(root, file);
    const test = isTest(file);
    const ownModule = moduleOf(file);

    for (const { spec, typeOnly, line } of importsOf(parsed)) {
      const relativeSpec = spec.startsWith('.');
      const target = relativeSpec ? toRepoPath(root, resolve(join(root, dirname(file)), spec)) : undefined;
      const pkg = relativeSpec ? undefined : packageName(spec);
      const at = `${file}:${line}`;
      const targetModule = target && moduleOf(target);

      if (target && targetModule && targetModule !== ownModule && !test) {
        if (isRepository(target)) report('foreign-repository-import', file, target, `${at} imports ${target}`);
        if (isTableFile(target) && !file.startsWith('src/db/')) report('foreign-table-import', file, target, `${at} imports ${target}`);
        if (ownModule) {
          const edge = `${ownModule}\u0000${targetModule}`;
          if (!moduleEdges.has(edge)) moduleEdges.set(edge, []);
          moduleEdges.get(edge).push(`${at} imports ${target}${typeOnly ? ' (types)' : ''}`);
        }
      }
      if (isService(file)) {
        if ((pkg === 'fastify' || pkg?.startsWith('@fastify/')) && !HTTP_FREE_PACKAGES.has(pkg)) report('service-imports-http', file, pkg, `${at} imports ${spec}`);
        if (target?.startsWith('src/http/') || target?.startsWith('src/web/')) report('service-imports-http', file, target, `${at} imports ${target}`);
      }
      if (file.startsWith('src/lib/') && target && /^src\/(modules|http|web)\//.test(target)) {
        report('lib-imports-app', file, target, `${at} imports ${target}`);
      }
      if (file.startsWith('src/db/') && !test && targetModule && !(isTableFile(target) && typeOnly)) {
        report('db-imports-module', file, target, `${at} imports ${target}${typeOnly ? '' : ' (not type-only)'}`);
      }
    }

    if (test || file.startsWith('src/db/')) continue;
    for (const access of tableAccesses(parsed, tables)) {
      const owner = tables.get(access.table);
      const at = `${file}:${access.line} ${access.how}('${access.table}')`;
      if (!isRepository(file)) {
        report('sql-outside-repository', file, access.table, `${at}: SQL outside a repository`);
      } else if (owner !== ownModule) {
        const rule = access.write ? 'foreign-table-write' : 'foreign-table-read';
        const allowed = access.write ? undefined : allowlist.find((a) => a.from === file && a.table === access.table);
        if (allowed) allowlistUsed.add(allowed);
        else report(rule, file, access.table, `${at}: ${access.table} belongs to module ${owner}`);
      }
    }
  }

  // An import between modules is a violation when the imported module also reaches back to the importer.
  const next = new Map();
  for (const edge of moduleEdges.keys()) {
    const [a, b] = edge.split('\u0000');
    if (!next.has(a)) next.set(a, new Set());
    next.get(a).add(b);
  }
  const pathBetween = (from, to) => {
    const previous = new Map([[from, undefined]]);
    const queue = [from];
    while (queue.length > 0) {
      const current = queue.shift();
      if (current === to) {
        const path = [];
        for (let at = to; at !== undefined; at = previous.get(at)) path.unshift(at);
        return path;
      }
      for (const following of next.get(current) ?? []) {
        if (!previous.has(following)) { previous.set(following, current); queue.push(following); }
      }
    }
    return undefined;
  };
  for (const [edge, imports] of moduleEdges) {
    const [a, b] = edge.split('\u0000');
    const back = pathBetween(b, a);
    if (!back) continue;
    for (const where of imports) report('module-cycle', `src/modules/${a}`, `src/modules/${b}`, `${where}; and back: ${back.join(' → ')}`);
  }

  return {
    violations: [...byKey.values()].sort((x, y) => (keyOf(x) < keyOf(y) ? -1 : keyOf(x) > keyOf(y) ? 1 : 0)),
    unusedAllowlist: allowlist.filter((a) => !allowlistUsed.has(a)),
  };
}

const keyOf = (v) => `${v.rule}\u0000${v.from}\u0000${v.to}`;

export function readAllowlist(path) {
  if (!existsSync(path)) return [];
  const entries = JSON.parse(readFileSync(path, 'utf8')).reads ?? [];
  for (const entry of entries) {
    if (typeof entry.from !== 'string' || typeof entry.table !== 'string' || typeof entry.reason !== 'string' || entry.reason.trim() === '') {
      throw new Error(`${path}: every read needs "from", "table" and a one-line "reason": ${JSON.stringify(entry)}`);
    }
  }
  return entries;
}

export function readBaseline(path) {
  if (!existsSync(path)) return [];
  return JSON.parse(readFileSync(path, 'utf8')).violations ?? [];
}

export function writeBaseline(path, violations) {
  const lines = violations.map((v) => `    ${JSON.stringify({ rule: v.rule, from: v.from, to: v.to })}`);
  writeFileSync(path, [
    '{',
    '  "about": "Boundary violations known when the check landed (scripts/check-boundaries.mjs). Remove a line when you fix it; never add one.",',
    '  "violations": [',
    lines.join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n'));
}

/** The violations found, split against the baseline: new ones, known ones, and baseline entries now fixed. */
export function compareWithBaseline(violations, baseline) {
  const known = new Set(baseline.map(keyOf));
  const found = new Set(violations.map(keyOf));
  return {
    fresh: violations.filter((v) => !known.has(keyOf(v))),
    known: violations.filter((v) => known.has(keyOf(v))),
    stale: baseline.filter((b) => !found.has(keyOf(b))),
  };
}

function countByRule(violations) {
  const counts = new Map();
  for (const v of violations) counts.set(v.rule, (counts.get(v.rule) ?? 0) + 1);
  return [...counts].map(([rule, n]) => `${rule} ${n}`).join(', ');
}

function main(argv) {
  const option = (name) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = resolve(option('--root') ?? join(dirname(fileURLToPath(import.meta.url)), '..'));
  const baselinePath = resolve(root, option('--baseline') ?? 'scripts/boundaries-baseline.json');
  const allowlistPath = resolve(root, option('--allowlist') ?? 'scripts/boundaries-allowlist.json');
  const allowlist = readAllowlist(allowlistPath);
  const { violations, unusedAllowlist } = checkBoundaries(root, { allowlist });
  const shown = (path) => toRepoPath(root, path);

  if (argv.includes('--write-baseline')) {
    writeBaseline(baselinePath, violations);
    console.log(`boundaries: wrote ${violations.length} violations to ${shown(baselinePath)} (${countByRule(violations)})`);
    return 0;
  }

  const baseline = readBaseline(baselinePath);
  const result = compareWithBaseline(violations, baseline);

  if (argv.includes('--prune-baseline')) {
    writeBaseline(baselinePath, baseline.filter((b) => !result.stale.some((s) => keyOf(s) === keyOf(b))));
    console.log(`boundaries: removed ${result.stale.length} fixed entries from ${shown(baselinePath)}`);
    result.stale = [];
  }

  let failed = false;
  if (result.fresh.length > 0) {
    failed = true;
    console.error(`boundaries: ${result.fresh.length} new violation${result.fresh.length === 1 ? '' : 's'}:`);
    for (const v of result.fresh) {
      console.error(`\n  ${v.rule}: ${RULES[v.rule]}`);
      for (const where of v.where) console.error(`    ${where}`);
    }
    console.error('');
  }
  if (result.stale.length > 0) {
    failed = true;
    console.error(`boundaries: ${result.stale.length} violation${result.stale.length === 1 ? ' is' : 's are'} fixed but still listed in ${shown(baselinePath)}; remove ${result.stale.length === 1 ? 'its line' : 'their lines'} (or run npm run check:boundaries -- --prune-baseline):`);
    for (const v of result.stale) console.error(`    ${JSON.stringify({ rule: v.rule, from: v.from, to: v.to })}`);
  }
  if (unusedAllowlist.length > 0) {
    // An allowed read that no longer happens goes, so the list stays true.
    failed = true;
    console.error(`boundaries: ${shown(allowlistPath)} allows reads that no longer happen; remove them:`);
    for (const a of unusedAllowlist) console.error(`    ${a.from} reads ${a.table}`);
  }
  if (argv.includes('--verbose')) {
    for (const v of result.known) {
      console.log(`  known ${v.rule}: ${v.where.join('\n    ')}`);
    }
  }
  const knownText = result.known.length > 0
    ? `${result.known.length} known, listed in ${shown(baselinePath)} (${countByRule(result.known)}; --verbose lists them)`
    : 'none known';
  (failed ? console.error : console.log)(`boundaries: ${failed ? 'FAILED' : 'ok'}: ${result.fresh.length} new, ${knownText}`);
  return failed ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (error) {
    console.error(`boundaries: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  }
}
