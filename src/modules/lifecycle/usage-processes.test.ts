// The same usage events sent at once to several `serve` processes on one database: each event counts once.
// Separate processes, each with its own connections, so only the database's unique constraint can keep a
// duplicate out (the in-process test in lifecycle.usage.test.ts shares one event loop).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, test } from 'node:test';
import { apiKeyHeader } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { freePort, killSpawned, spawnCloudpass, type CloudpassProcess } from '../../testing/server.ts';
import { activeSubscription } from '../subscriptions/subscriptions.testing.ts';

after(killSpawned);

async function serve(databaseUrl: string): Promise<{ base: string; process: CloudpassProcess }> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const process = spawnCloudpass(['serve'], { DATABASE_URL: databaseUrl, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, LOG_LEVEL: 'warn' });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (process.child.exitCode !== null) assert.fail(`serve exited with ${process.child.exitCode}:\n${process.output()}`);
    if ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200) return { base, process };
    if (Date.now() > deadline) assert.fail(`serve did not start:\n${process.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeEachDatabase('usage through several serve processes', (ctx, target) => {
  test('overlapping batches sent at once to every process count each event once', { timeout: 120_000 }, async () => {
    const { app, config, database } = ctx();
    const servers = await Promise.all(Array.from({ length: target === 'postgres' ? 3 : 2 }, () => serve(database.url)));
    try {
      const platform = await apiKeyHeader(app, 'platform');
      const subs = [await activeSubscription(app, config), await activeSubscription(app, config)];
      const prefix = randomUUID();
      // 30 batches of 250 events drawn from 1,000 ids over two subscriptions: every id is sent about 7 times,
      // the copies of one id to different processes in the same instant.
      const batches = Array.from({ length: 30 }, (_, b) => Array.from({ length: 250 }, (_, i) => {
        const n = (b * 37 + i * 4) % 1000;
        return { id: `${prefix}-${n}`, subscriptionId: subs[n % 2]!.id, amount: 1 + (n % 7), meter: n % 3 ? 'compute' : 'storage', occurredAt: '2026-12-01T10:00:00Z' };
      }));
      const distinct = new Map(batches.flat().map((e) => [e.id, e]));
      const expected = new Map<string, number>();
      for (const e of distinct.values()) expected.set(e.subscriptionId, (expected.get(e.subscriptionId) ?? 0) + e.amount);

      const answers = await Promise.all(batches.map(async (events, i) => {
        const response = await fetch(`${servers[i % servers.length]!.base}/api/v1/usage`, {
          method: 'POST', headers: { authorization: platform, 'content-type': 'application/json' }, body: JSON.stringify({ events }),
        });
        const text = await response.text();
        assert.equal(response.status, 202, text);
        return JSON.parse(text) as { accepted: number; duplicates: number };
      }));

      assert.equal(answers.reduce((sum, a) => sum + a.accepted, 0), distinct.size, 'every distinct event accepted by exactly one process');
      assert.equal(answers.reduce((sum, a) => sum + a.duplicates, 0), 30 * 250 - distinct.size, 'every copy answered as a duplicate');
      for (const { id } of subs) {
        const rows = await app.services.db.selectFrom('credit_ledger').select(['amount']).where('subscription_id', '=', id).where('kind', '=', 'usage').execute();
        assert.equal(rows.reduce((sum, r) => sum - Number(r.amount), 0), expected.get(id), 'the ledger holds each event once');
        assert.equal((await app.services.credit.balance(app.services.db, id)).used, expected.get(id), 'and the balance agrees');
      }
    } finally {
      for (const { process } of servers) process.child.kill('SIGTERM');
      await Promise.all(servers.map(({ process }) => process.exited));
    }
  });
});
