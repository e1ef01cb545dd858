// `npm run scan`: Debian's sqlmap and wapiti against a local, signed-in cloudpass (SQLite, 127.0.0.1 only).
// Not part of `npm test` (minutes long). Prints what each tool found and exits non-zero on a finding;
// a tool that is missing is skipped with a message.
//
// Wapiti 3.0.4 on Debian's Python 3.11 crashes on `-x` (exclude a URL: "global flags not at the start of
// the expression"), so it runs without exclusions; its session is its own, and the script says afterwards
// whether the crawl had signed it out (then the signed-in pages were covered only up to that point).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAccount } from '../src/testing/factories.ts';
import { startLiveServer } from '../src/testing/server.ts';
import { createCampaignWithCodes } from '../src/modules/redemptions/redemptions.testing.ts';

/** Runs a tool without blocking this process, which serves the app the tool attacks. */
function runTool(command: string, args: string[], timeoutMs = 20 * 60_000): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => { text += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { text += c.toString(); });
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.once('exit', () => { clearTimeout(timer); resolve(text); });
  });
}

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const out = mkdtempSync(join(tmpdir(), 'cloudpass-scan-'));
const server = await startLiveServer({ env: { PROVISION_DELAY_MS: '0' } });
let findings = 0;
try {
  const { app, config, base } = server;
  const account = await createAccount(app, config, { displayName: 'Scan Person' });
  const campaign = await createCampaignWithCodes(app, config, { count: 50 });
  const redeemed = await fetch(`${base}/api/v1/redemptions`, {
    method: 'POST', headers: { 'content-type': 'application/json', cookie: account.cookie, origin: base },
    body: JSON.stringify({ code: campaign.codes[0], country: 'FI' }),
  });
  const redemption = (await redeemed.json()) as { id: string };
  console.log(`cloudpass on ${base}, signed in as ${account.email}; reports in ${out}`);

  if (!has('sqlmap')) console.log('sqlmap: skipped (missing: apt-get install sqlmap)');
  else {
    // Each JSON body's and path's parameters; level 3 adds the cookie and headers, risk 1 never writes on purpose.
    const targets: { name: string; url: string; data?: string }[] = [
      { name: 'redeem', url: `${base}/api/v1/redemptions`, data: JSON.stringify({ code: campaign.codes[1], country: 'FI' }) },
      { name: 'check', url: `${base}/api/v1/redemptions/check`, data: JSON.stringify({ code: campaign.codes[2], country: 'FI' }) },
      { name: 'sign-in', url: `${base}/api/v1/sessions`, data: JSON.stringify({ email: account.email, password: 'not-the-password' }) },
      { name: 'activate', url: `${base}/api/v1/subscriptions`, data: JSON.stringify({ offer: 'pass', redemptionId: redemption.id, profile: { firstName: 'A', lastName: 'B', email: account.email, country: 'FI', phone: '+358401234567' } }) },
      { name: 'subscription', url: `${base}/api/v1/subscriptions/${redemption.id}*` },
      { name: 'redemptions list', url: `${base}/api/v1/redemptions?x=1` },
    ];
    for (const target of targets) {
      const args = ['-u', target.url, '--batch', '--level', String(process.env.SCAN_SQLMAP_LEVEL ?? 2), '--risk', '1', '--output-dir', join(out, 'sqlmap'),
        '--cookie', account.cookie, '--headers', `Origin: ${base}`, '--flush-session', '--disable-coloring', '--threads', '4', '--timeout', '10',
        // Refusals are the answers under test (wrong password 401, someone else's id 404), not errors to stop at.
        '--ignore-code', '401,404'];
      if (target.data) args.push('--data', target.data);
      const text = await runTool('sqlmap', args);
      writeFileSync(join(out, `sqlmap-${target.name.replace(/\W+/g, '-')}.log`), text);
      const injectable = /is vulnerable|appears to be .*injectable|sqlmap identified the following injection point/i.test(text);
      const tested = (text.match(/\[INFO\] testing '/g) ?? []).length;
      if (injectable) findings++;
      console.log(`sqlmap ${target.name}: ${injectable ? 'FOUND an injection point' : 'nothing found'} (${tested} payload families tried)`);
    }
  }

  if (!has('wapiti')) console.log('wapiti: skipped (missing: apt-get install wapiti)');
  else {
    const wapitiSession = await createAccount(app, config, { displayName: 'Wapiti' });
    const report = join(out, 'wapiti.json');
    const text = await runTool('wapiti', ['-u', `${base}/`, '--scope', 'folder', '-H', `Cookie: ${wapitiSession.cookie}`,
      '-m', 'sql,blindsql,xss,permanentxss,exec,file,redirect,crlf,ssrf,xxe,csrf,http_headers,cookieflags',
      '--max-scan-time', String(process.env.SCAN_WAPITI_SECONDS ?? 600), '--flush-session', '-f', 'json', '-o', report]);
    writeFileSync(join(out, 'wapiti.log'), text);
    const parsed = JSON.parse(readFileSync(report, 'utf8')) as { vulnerabilities: Record<string, unknown[]>; anomalies?: Record<string, unknown[]>; infos?: Record<string, unknown> };
    const found = Object.entries(parsed.vulnerabilities).filter(([, list]) => list.length > 0);
    const anomalies = Object.entries(parsed.anomalies ?? {}).filter(([, list]) => list.length > 0);
    const crawled = /Wapiti found (\d+) URLs and forms/.exec(text)?.[1] ?? '?';
    const stillSignedIn = (await fetch(`${base}/api/v1/me`, { headers: { cookie: wapitiSession.cookie } })).status === 200;
    console.log(`wapiti: ${crawled} URLs and forms found and attacked, session ${stillSignedIn ? 'still signed in at the end' : 'signed out during the crawl'}`);
    for (const [kind, list] of [...found, ...anomalies]) console.log(`  ${kind}: ${list.length}\n${list.map((v) => `    ${JSON.stringify(v).slice(0, 300)}`).join('\n')}`);
    // Wapiti 3.0.4 flags a form whose refusal it cannot tell from its success (a wrong password is refused
    // either way): each flagged form is posted here with a forged token, which must be refused with 403.
    const csrf = (parsed.vulnerabilities['Cross Site Request Forgery'] ?? []) as { path: string }[];
    const csrfHeld: string[] = [];
    for (const { path } of csrf) {
      const forged = await fetch(`${base}${path}`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: account.cookie, referer: `${base}${path}` },
        body: '_csrf=forged-token', redirect: 'manual',
      });
      if (forged.status === 403) csrfHeld.push(path);
    }
    if (csrf.length) console.log(`wapiti's CSRF flags re-checked: ${csrfHeld.length} of ${csrf.length} forms refuse a forged token with 403 (${csrf.length === csrfHeld.length ? 'false positives' : `not refused: ${csrf.map((c) => c.path).filter((p) => !csrfHeld.includes(p)).join(', ')}`})`);
    // Missing hardening headers and cookie flags on plain http://127.0.0.1 are reported, not attacks that worked.
    const attacks = found.filter(([kind]) => !/header|cookie|content security policy/i.test(kind)
      && !(kind === 'Cross Site Request Forgery' && csrfHeld.length === csrf.length));
    findings += attacks.length;
    console.log(`wapiti: ${attacks.length ? `FOUND ${attacks.map(([k]) => k).join(', ')}` : 'no attack succeeded'}`);
  }
} finally {
  await server.close();
}
console.log(findings ? `${findings} finding(s)` : 'scan: nothing found');
process.exit(findings ? 1 : 0);
