#!/usr/bin/env node
// `npm run guard-mutations`: removes, one at a time, each condition that guards a state change of a code,
// a redemption, a subscription or a campaign, runs the tests that stand behind it, and checks that they
// fail. A guard whose removal no test notices is a guard nobody would miss until the day it is needed.
// Each file is restored after its run, whatever happens. PostgreSQL runs too when TEST_DATABASE_URL is set.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const guardsTest = 'src/modules/redemptions/redemption-guards.test.ts';

/** Each: the file, the exact text of the guard (found exactly once), what it becomes, and the tests behind it. */
const MUTATIONS = [
  {
    name: 'a code is bound only while issued',
    file: 'src/modules/codes/codes.repository.ts',
    find: ".where('code_hash', '=', p.codeHash)\n  .where('state', '=', 'issued'));",
    replace: ".where('code_hash', '=', p.codeHash));",
    tests: [guardsTest],
  },
  {
    name: 'only an issued code is revoked',
    file: 'src/modules/codes/codes.repository.ts',
    find: ".where('code_hash', 'in', hashes).where('state', '=', 'issued')",
    replace: ".where('code_hash', 'in', hashes)",
    tests: [guardsTest],
  },
  {
    name: 'a code goes back to issued only from redeemed',
    file: 'src/modules/codes/codes.repository.ts',
    find: ".where('code_hash', '=', codeHash)\n    .where('state', '=', 'redeemed')",
    replace: ".where('code_hash', '=', codeHash)",
    tests: [guardsTest, 'src/modules/codes/codes.test.ts'],
  },
  {
    name: 'a code goes back to issued only from its own holder',
    file: 'src/modules/codes/codes.repository.ts',
    find: "\n    .where('account_id', '=', accountId)\n    .executeTakeFirst();",
    replace: '\n    .executeTakeFirst();',
    tests: [guardsTest],
  },
  {
    name: 'only a redemption still redeemed is released',
    file: 'src/modules/redemptions/redemptions.repository.ts',
    find: ".set({ state: 'released', released_at: at })\n    .where('id', '=', id)\n    .where('state', '=', 'redeemed')",
    replace: ".set({ state: 'released', released_at: at })\n    .where('id', '=', id)",
    tests: [guardsTest],
  },
  {
    name: 'only a redemption still redeemed is activated',
    file: 'src/modules/redemptions/redemptions.repository.ts',
    find: ".where('id', '=', p.redemptionId)\n  .where('state', '=', 'redeemed'));",
    replace: ".where('id', '=', p.redemptionId));",
    tests: [guardsTest],
  },
  {
    name: 'a subscription moves only from the statuses its move allows',
    file: 'src/modules/subscriptions/subscriptions.repository.ts',
    find: ".where('id', '=', id)\n      .where('status', 'in', from));",
    replace: ".where('id', '=', id));",
    tests: ['src/modules/subscriptions/subscription-status.test.ts'],
  },
  {
    name: 'a campaign changes status only from the one it was seen in',
    file: 'src/modules/campaigns/campaigns.repository.ts',
    find: ".where('id', '=', id).where('status', '=', from).executeTakeFirst();",
    replace: ".where('id', '=', id).executeTakeFirst();",
    tests: ['src/modules/campaigns/campaigns.test.ts'],
  },
];

function runTests(files, { show = false } = {}) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
    cwd: root, env: { ...process.env, NODE_ENV: 'test' }, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
  });
  if (show && result.status !== 0) console.error(result.stdout.split('\n').filter((line) => /✖|Error|expected|actual/.test(line)).slice(0, 40).join('\n'));
  return result.status === 0;
}

const only = process.argv.slice(2);
const chosen = MUTATIONS.filter((m) => only.length === 0 || only.some((word) => m.name.includes(word)));
const survivors = [];
console.log(`databases: SQLite${process.env.TEST_DATABASE_URL ? ' and PostgreSQL' : ' (set TEST_DATABASE_URL for PostgreSQL too)'}`);

const baseline = [...new Set(chosen.flatMap((m) => m.tests))];
if (!runTests(baseline, { show: true })) {
  console.error(`the tests fail without any mutation; fix them first: ${baseline.join(' ')}`);
  process.exit(1);
}

for (const mutation of chosen) {
  const path = join(root, mutation.file);
  const original = readFileSync(path, 'utf8');
  const occurrences = original.split(mutation.find).length - 1;
  if (occurrences !== 1) {
    console.error(`✖ ${mutation.name}: the guard's text is found ${occurrences} times in ${mutation.file}; update this script`);
    survivors.push(mutation.name);
    continue;
  }
  let killed;
  try {
    writeFileSync(path, original.replace(mutation.find, mutation.replace));
    killed = !runTests(mutation.tests);
  } finally {
    writeFileSync(path, original);
  }
  console.log(`${killed ? '✔ caught' : '✖ MISSED'}  ${mutation.name}  (${mutation.tests.join(', ')})`);
  if (!killed) survivors.push(mutation.name);
}

console.log(`${chosen.length - survivors.length} of ${chosen.length} guards are caught by a test when removed`);
process.exit(survivors.length === 0 ? 0 : 1);
