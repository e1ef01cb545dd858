import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

const base = { CLOUDPASS_SECRET: 'x'.repeat(40), DATABASE_URL: 'sqlite:/tmp/cloudpass-config-test/db.sqlite' };

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

test('defaults: listen on localhost:3000, trust no proxy, serve no metrics', () => {
  const config = loadConfig(base);
  assert.equal(config.port, 3000);
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.publicUrl.href, 'http://localhost:3000/');
  assert.equal(config.trustProxy, false);
  assert.equal(config.metricsToken, undefined);
});

test('TRUST_PROXY: a hop count, or the addresses, networks and named ranges of the proxies', () => {
  assert.equal(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ ...base, TRUST_PROXY: '1' }).trustProxy, 1);
  assert.deepEqual(loadConfig({ ...base, TRUST_PROXY: '10.0.0.0/8, 192.168.1.20,loopback, fd00::/8' }).trustProxy,
    ['10.0.0.0/8', '192.168.1.20', 'loopback', 'fd00::/8']);
});

test('TRUST_PROXY: "true", nonsense and impossible networks are refused, one line each', () => {
  assert.match(problemsOf({ TRUST_PROXY: 'true' }).join('\n'), /TRUST_PROXY: "true" would let any client choose its address/);
  const problems = problemsOf({ TRUST_PROXY: 'balancer.internal,10.0.0.0/33,300.1.1.1,10.0.0.0/8/1' });
  assert.equal(problems.length, 4, problems.join('\n'));
  assert.ok(problems.every((p) => p.startsWith('TRUST_PROXY: ')));
  assert.match(problemsOf({ TRUST_PROXY: '99' })[0]!, /expected 1–20/);
});

test('METRICS_TOKEN: at least 16 visible characters', () => {
  assert.equal(loadConfig({ ...base, METRICS_TOKEN: 'a-metrics-token-1234' }).metricsToken, 'a-metrics-token-1234');
  assert.match(problemsOf({ METRICS_TOKEN: 'short' })[0]!, /METRICS_TOKEN: must be at least 16/);
  assert.match(problemsOf({ METRICS_TOKEN: 'has a space in it, sixteen+' })[0]!, /METRICS_TOKEN/);
});

test('every bad variable is named on its own line, all at once', () => {
  const problems = problemsOf({ PORT: 'eighty', PUBLIC_URL: 'ftp://x', LOG_LEVEL: 'loud', SMTP_URL: 'http://mail', CLOUDPASS_SECRET: 'short' });
  assert.deepEqual(problems.map((p) => p.split(':')[0] ?? '').sort((a, b) => a.localeCompare(b)), ['CLOUDPASS_SECRET', 'LOG_LEVEL', 'PORT', 'PUBLIC_URL', 'SMTP_URL']);
});
