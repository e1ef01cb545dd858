// The real `cloudpass` command, run as a user would, on a fresh SQLite file.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connectDatabase } from '../db/connect.ts';
import { CODE_ALPHABET, generatePassCodes, parsePassCode } from '../modules/codes/pass-code.ts';

const root = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'cloudpass-cli-'));
const env = {
  PATH: process.env.PATH, HOME: process.env.HOME,
  DATABASE_URL: `sqlite:${join(dir, 'cloudpass.db')}`, CLOUDPASS_SECRET: 'cli-test-secret-cli-test-secret-0123456789', LOG_LEVEL: 'silent',
};

interface Run { code: number; stdout: string; stderr: string }

function cloudpass(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(root, 'bin/cloudpass.js'), ...args], { cwd: root, env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const lines = (text: string) => text.trimEnd().split('\n');
const mistype = (code: string) => CODE_ALPHABET.charAt((CODE_ALPHABET.indexOf(code.charAt(0)) + 1) % 32) + code.slice(1);

describe('cloudpass campaign and codes commands', { timeout: 900_000 }, () => {
  let campaignId = '';
  before(async () => {
    const created = await cloudpass('campaign', 'create', '--name', 'CLI workshop', '--credit', '100.00', '--currency', 'USD', '--days', '30',
      '--redeem-by', '2099-06-30', '--countries', 'FI,se', '--per-account', '2');
    assert.equal(created.code, 0, created.stderr);
    assert.equal(lines(created.stdout).length, 1);
    campaignId = created.stdout.trim();
    assert.match(campaignId, /^[0-9a-f-]{36}$/);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('generate 2,000 codes to a file, check one, revoke two; all of it in the trail', async () => {
    const out = join(dir, 'codes.csv');
    const generated = await cloudpass('codes', 'generate', '--campaign', campaignId, '--count', '2000', '--out', out);
    assert.equal(generated.code, 0, generated.stderr);
    assert.equal(generated.stdout, '');
    assert.match(generated.stderr, /2000 codes/);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const [header, ...rows] = lines(readFileSync(out, 'utf8'));
    assert.equal(header, 'code,campaign_id,batch_id');
    assert.equal(rows.length, 2000);
    const codes = rows.map((row) => row.split(',')[0] as string);
    assert.equal(new Set(codes).size, 2000);
    assert.ok(codes.every((code) => parsePassCode(code).ok));
    assert.ok(rows.every((row) => row.split(',')[1] === campaignId));

    const checked = await cloudpass('codes', 'check', (codes[1234] as string).toLowerCase());
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(lines(checked.stdout)[0], 'state: issued');
    assert.match(checked.stdout, new RegExp(`campaign: ${campaignId}`));
    assert.match(checked.stdout, new RegExp(`last4: ${(codes[1234] as string).slice(-4)}`));

    const revoked = await cloudpass('codes', 'revoke', codes[0] as string, codes[1] as string);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(revoked.stdout.trim(), 'revoked 2 of 2');
    assert.equal(lines((await cloudpass('codes', 'check', codes[0] as string)).stdout)[0], 'state: revoked');

    const listed = await cloudpass('campaign', 'list');
    const row = lines(listed.stdout).find((line) => line.startsWith(campaignId))?.split('\t');
    assert.deepEqual(row?.slice(1, 10), ['active', '100.00 USD', '30', '2099-06-30', '2000', '0', '0', '2', '0']);

    const database = connectDatabase(env.DATABASE_URL);
    try {
      const events = await database.db.selectFrom('audit_events').select(['action', 'actor_type', 'actor_label', 'details'])
        .where('subject_id', '=', campaignId).orderBy('at').execute();
      // 2,000 codes take more than one transaction, so the start of the run is in the trail too.
      assert.deepEqual(events.map((e) => e.action), ['campaign.created', 'codes.generation_started', 'codes.generated', 'codes.revoked']);
      assert.ok(events.every((e) => e.actor_type === 'system' && e.actor_label === 'cli'));
      assert.equal(JSON.parse(events[2]?.details ?? '{}').size, 2000);
      assert.deepEqual(JSON.parse(events[3]?.details ?? '{}').last4.sort(), [(codes[0] as string).slice(-4), (codes[1] as string).slice(-4)].sort());
      const stored = JSON.stringify(await database.db.selectFrom('pass_codes').selectAll().execute());
      assert.ok(!stored.includes(codes[5] as string) && !stored.includes((codes[5] as string).replace(/-/g, '')));
    } finally {
      await database.close();
    }
  });

  test('without --out the CSV goes to stdout, and only the CSV', async () => {
    const run = await cloudpass('codes', 'generate', '--campaign', campaignId, '--count', '3');
    assert.equal(run.code, 0, run.stderr);
    const [header, ...rows] = lines(run.stdout);
    assert.equal(header, 'code,campaign_id,batch_id');
    assert.equal(rows.length, 3);
    // oxlint-disable-next-line no-control-regex -- ESC starts the terminal codes a progress bar draws with
    assert.doesNotMatch(run.stderr, /\u001b\[/, 'no progress bar when stderr is not a terminal');
  });

  test('bad input exits non-zero with a one-line reason and changes nothing', async () => {
    const existing = join(dir, 'existing.csv');
    writeFileSync(existing, 'keep me\n');
    const missingCampaignFile = join(dir, 'never.csv');
    const cases: Array<[string[], RegExp]> = [
      [['campaign', 'create', '--name', 'X', '--credit', '10.001', '--currency', 'USD', '--days', '30', '--redeem-by', '2099-01-01'], /--credit/],
      [['campaign', 'create', '--name', 'X', '--credit', '10', '--currency', 'XYZ', '--days', '30', '--redeem-by', '2099-01-01'], /--currency/],
      [['campaign', 'create', '--name', 'X', '--credit', '10', '--currency', 'USD', '--days', 'thirty', '--redeem-by', '2020-01-01'], /--days.*--redeem-by|--redeem-by.*--days/],
      [['campaign', 'create', '--name', 'X', '--credit', '10', '--currency', 'USD', '--days', '30', '--redeem-by', '2099-01-01', '--countries', 'FI,ZZ'], /--countries/],
      [['campaign', 'create', '--credit', '10', '--currency', 'USD', '--days', '30', '--redeem-by', '2099-01-01'], /--name/],
      // An impossible day is named as one, not as a format error; credit is spoken of without jargon.
      [['campaign', 'create', '--name', 'X', '--credit', '10', '--currency', 'USD', '--days', '30', '--redeem-by', '2027-02-30'], /--redeem-by: 2027-02-30 is not a date: February 2027 has 28 days$/m],
      [['campaign', 'create', '--name', 'X', '--credit', '10', '--currency', 'USD', '--days', '30', '--redeem-by', '2028-02-30'], /--redeem-by: 2028-02-30 is not a date: February 2028 has 29 days$/m],
      [['campaign', 'create', '--name', 'X', '--credit', '10', '--currency', 'USD', '--days', '30', '--redeem-by', '2027-13-01'], /--redeem-by: 2027-13-01 is not a date: a year has 12 months/],
      [['campaign', 'create', '--name', 'X', '--credit', '0.00', '--currency', 'USD', '--days', '30', '--redeem-by', '2099-01-01'], /--credit: a pass must carry some credit; write it like 100\.00 \(USD\)$/m],
      [['codes', 'generate', '--campaign', campaignId, '--count', 'many'], /--count/],
      [['codes', 'generate', '--campaign', '00000000-0000-0000-0000-000000000000', '--count', '5', '--out', missingCampaignFile], /campaign/i],
      [['codes', 'generate', '--campaign', campaignId, '--count', '5', '--out', existing], /already exists/],
      [['codes', 'check', mistype(generatePassCodes(1)[0] as string)], /has a typo/],
      [['codes', 'check', generatePassCodes(1)[0] as string], /never issued/],
      [['codes', 'revoke', generatePassCodes(1)[0] as string, 'nonsense'], /mistyped/],
      [['campaign', 'frobnicate'], /unknown command/],
    ];
    const before = (await cloudpass('campaign', 'list')).stdout;
    const runs = await Promise.all(cases.map(([args]) => cloudpass(...args)));
    runs.forEach((run, i) => {
      const [args, reason] = cases[i] as [string[], RegExp];
      assert.notEqual(run.code, 0, args.join(' '));
      assert.equal(lines(run.stderr).length, 1, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, reason, args.join(' '));
      assert.doesNotMatch(run.stderr, /minor units/i, `${args.join(' ')}: the API's jargon`);
      assert.equal(run.stdout, '', args.join(' '));
    });
    assert.equal(readFileSync(existing, 'utf8'), 'keep me\n');
    assert.ok(!existsSync(missingCampaignFile));
    assert.equal((await cloudpass('campaign', 'list')).stdout, before);
  });

  test('every command prints its --help', async () => {
    const commands = [['campaign', 'create'], ['campaign', 'list'], ['codes', 'generate'], ['codes', 'check'], ['codes', 'revoke']];
    const runs = await Promise.all(commands.map((command) => cloudpass(...command, '--help')));
    runs.forEach((run, i) => {
      assert.equal(run.code, 0);
      assert.match(run.stdout, new RegExp(`^Usage: cloudpass ${(commands[i] as string[]).join(' ')}`));
    });
    assert.match(runs[0]?.stdout ?? '', /--redeem-by <date>/);
    assert.match(runs[2]?.stdout ?? '', /--out <file>/);
  });
});
