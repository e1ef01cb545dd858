#!/usr/bin/env node
// `npm test`: type-check, lint (oxlint), check the module boundaries, then every *.test.ts(x) under src/
// and the scripts' own tests with node's test runner through tsx. Given test files, it type-checks and
// runs only those. Suites that need PostgreSQL (TEST_DATABASE_URL), Redis (TEST_REDIS_URL) or Chromium
// say so and skip.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return /\.test\.(tsx?|mjs)$/.test(entry.name) ? [path] : [];
  });
}

const only = process.argv.slice(2);
const skipped = [
  !process.env.TEST_DATABASE_URL && 'PostgreSQL suites: TEST_DATABASE_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)',
  !process.env.TEST_REDIS_URL && 'Redis suites: TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379)',
  !existsSync('/usr/bin/chromium') && 'browser suites: /usr/bin/chromium is missing (apt-get install chromium)',
  !existsSync('/usr/sbin/haproxy') && 'multi-process chaos tests: /usr/sbin/haproxy is missing (apt-get install haproxy)',
  only.length > 0 && 'lint and boundary check: running chosen test files only (npm run lint, npm run check:boundaries)',
].filter(Boolean);
for (const line of skipped) console.log(`skipping ${line}`);

function step(name, command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit', cwd: root });
  if (result.status !== 0) {
    console.error(`${name} failed`);
    process.exit(result.status ?? 1);
  }
}

step('type check', 'npx', ['tsc', '--noEmit', '-p', root]);
if (only.length === 0) {
  step('lint', 'npx', ['oxlint']);
  step('boundary check', process.execPath, [join(root, 'scripts/check-boundaries.mjs')]);
}

const files = only.length ? only : [...findTests(join(root, 'src')), ...findTests(join(root, 'scripts'))].sort((a, b) => a.localeCompare(b));
const result = spawnSync(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files,
], { stdio: 'inherit', cwd: root, env: { ...process.env, NODE_ENV: 'test' } });
for (const line of skipped) console.log(`skipped ${line}`);
process.exit(result.status ?? 1);
