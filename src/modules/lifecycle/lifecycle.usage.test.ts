// POST /api/v1/usage: batches checked whole, each event applied once by its id (within a batch, across
// batches and across concurrent requests from several app instances), and the operator's PATCH.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { buildApp, type App } from '../../app.ts';
import { connectDatabase } from '../../db/connect.ts';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { activeSubscription } from '../subscriptions/subscriptions.testing.ts';

const event = (subscriptionId: string, id: string, amount = 10, meter = 'compute') =>
  ({ id, subscriptionId, amount, meter, occurredAt: '2026-12-01T10:00:00Z' });

describeEachDatabase('usage API', (ctx, target) => {
  const post = (app: App, authorization: string, events: unknown[]) =>
    app.inject({ method: 'POST', url: '/api/v1/usage', headers: { authorization }, payload: { events } });

  const used = async (app: App, id: string) => (await app.services.credit.balance(app.services.db, id)).used;
  const ledgerUsage = async (app: App, id: string) => {
    const rows = await app.services.db.selectFrom('credit_ledger').select(['amount']).where('subscription_id', '=', id).where('kind', '=', 'usage').execute();
    return { count: rows.length, sum: rows.reduce((s, r) => s - Number(r.amount), 0) };
  };

  test('each event once: duplicates in a batch, the same batch again, and an overlapping one', async () => {
    const { app, config } = ctx();
    const platform = await apiKeyHeader(app, 'platform');
    const { id } = await activeSubscription(app, config);
    const p = randomUUID();
    const first = await post(app, platform, [event(id, `${p}-1`), event(id, `${p}-2`), event(id, `${p}-1`)]);
    assert.equal(first.statusCode, 202, first.body);
    assert.deepEqual(first.json(), { accepted: 2, duplicates: 1 });
    const again = await post(app, platform, [event(id, `${p}-1`), event(id, `${p}-2`)]);
    assert.deepEqual(again.json(), { accepted: 0, duplicates: 2 });
    const overlapping = await post(app, platform, [event(id, `${p}-2`), event(id, `${p}-3`, 25)]);
    assert.deepEqual(overlapping.json(), { accepted: 1, duplicates: 1 });
    assert.equal(await used(app, id), 45);
    assert.deepEqual(await ledgerUsage(app, id), { count: 3, sum: 45 });
  });

  test('a batch is checked whole: one bad event or unknown subscription and nothing is applied', async () => {
    const { app, config } = ctx();
    const platform = await apiKeyHeader(app, 'platform');
    const { id } = await activeSubscription(app, config);
    const p = randomUUID();
    const bad = await post(app, platform, [event(id, `${p}-1`), { ...event(id, `${p}-2`), amount: -3 }, { ...event(id, `${p}-3`), occurredAt: 'yesterday' }]);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().code, 'validation_failed');
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    assert.ok(paths.includes('/events/1/amount'), JSON.stringify(paths));
    assert.ok(paths.includes('/events/2/occurredAt'), JSON.stringify(paths));
    const unknown = await post(app, platform, [event(id, `${p}-4`), event(randomUUID(), `${p}-5`)]);
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'not_found');
    for (const events of [[], Array.from({ length: 1001 }, (_, i) => event(id, `${p}-many-${i}`))]) {
      assert.equal((await post(app, platform, events)).statusCode, 400, `${events.length} events`);
    }
    const missing = await post(app, platform, [{ id: `${p}-6`, subscriptionId: id, amount: 1, occurredAt: '2026-12-01T10:00:00Z' }]);
    assert.equal(missing.statusCode, 400);
    assert.deepEqual(missing.json().errors.map((e: { path: string }) => e.path), ['/events/0/meter']);
    assert.equal(await used(app, id), 0, 'nothing of any of them was applied');
    // The ids of refused batches were not used up.
    assert.deepEqual((await post(app, platform, [event(id, `${p}-1`)])).json(), { accepted: 1, duplicates: 0 });
  });

  test('only platform keys report usage', async () => {
    const { app, config } = ctx();
    const { account, id } = await activeSubscription(app, config);
    const operator = await post(app, await apiKeyHeader(app, 'operator'), [event(id, randomUUID())]);
    assert.equal(operator.statusCode, 403);
    const recipient = await app.inject({ method: 'POST', url: '/api/v1/usage', headers: { cookie: account.cookie }, payload: { events: [event(id, randomUUID())] } });
    assert.equal(recipient.statusCode, 401);
  });

  test('concurrent overlapping batches through two app instances with their own connections count each event once', async () => {
    const { app, config, database } = ctx();
    const second = connectDatabase(database.url, { poolSize: target === 'postgres' ? 10 : undefined });
    const other = await buildApp({ config, database: second, logger: false });
    try {
      const platform = await apiKeyHeader(app, 'platform');
      const subs = [await activeSubscription(app, config), await activeSubscription(app, config)];
      const p = randomUUID();
      // 12 batches of 200 events drawn from 600 ids over two subscriptions: every id is sent about four times.
      const batches = Array.from({ length: 12 }, (_, b) => Array.from({ length: 200 }, (_, i) => {
        const n = (b * 50 + i * 7) % 600;
        return event(subs[n % 2]!.id, `${p}-${n}`, 1 + (n % 5), n % 3 === 0 ? 'storage' : 'compute');
      }));
      const sent = new Set(batches.flat().map((e) => e.id));
      const expected = new Map<string, number>();
      for (const e of new Map(batches.flat().map((e) => [e.id, e])).values()) expected.set(e.subscriptionId, (expected.get(e.subscriptionId) ?? 0) + e.amount);
      const answers = await Promise.all(batches.map((events, i) => post(i % 2 ? other : app, platform, events)));
      for (const answer of answers) assert.equal(answer.statusCode, 202, answer.body);
      const accepted = answers.reduce((sum, a) => sum + (a.json().accepted as number), 0);
      assert.equal(accepted, sent.size, 'every distinct id accepted exactly once');
      assert.equal(answers.reduce((sum, a) => sum + (a.json().duplicates as number), 0), 12 * 200 - sent.size);
      for (const { id } of subs) {
        assert.equal(await used(app, id), expected.get(id), 'the totals hold each event once');
        assert.equal((await ledgerUsage(app, id)).sum, expected.get(id), 'and agree with the ledger');
      }
    } finally {
      await other.close();
      await second.close();
    }
  });

  test('usage by day and by meter, and the export (JSON and CSV) for the owner and operators only', async () => {
    const { app, config } = ctx();
    const platform = await apiKeyHeader(app, 'platform');
    const { account, id } = await activeSubscription(app, config);
    const p = randomUUID();
    await post(app, platform, [
      { ...event(id, `${p}-1`, 100, 'compute'), occurredAt: '2026-12-01T23:59:00+02:00' },
      { ...event(id, `${p}-2`, 50, 'storage'), occurredAt: '2026-12-02T08:00:00Z' },
      { ...event(id, `${p}-3`, 30, '=cmd'), occurredAt: '2026-12-02T09:00:00.5Z' },
    ]);
    const byDay = await app.inject({ url: `/api/v1/subscriptions/${id}/usage?by=day`, headers: { cookie: account.cookie } });
    assert.deepEqual(byDay.json(), { series: [{ key: '2026-12-01', amount: 100 }, { key: '2026-12-02', amount: 80 }] });
    const operator = await apiKeyHeader(app, 'operator');
    const byMeter = await app.inject({ url: `/api/v1/subscriptions/${id}/usage?by=meter`, headers: { authorization: operator } });
    assert.deepEqual(byMeter.json(), { series: [{ key: 'compute', amount: 100 }, { key: 'storage', amount: 50 }, { key: '=cmd', amount: 30 }] });
    const stranger = await createAccount(app, config);
    assert.equal((await app.inject({ url: `/api/v1/subscriptions/${id}/usage`, headers: { cookie: stranger.cookie } })).statusCode, 404);
    assert.equal((await app.inject({ url: `/api/v1/subscriptions/${id}/export`, headers: { cookie: stranger.cookie } })).statusCode, 404);
    assert.equal((await app.inject({ url: `/api/v1/subscriptions/${id}`, headers: { authorization: operator } })).statusCode, 200, 'operators read any subscription');

    const json = await app.inject({ url: `/api/v1/subscriptions/${id}/export`, headers: { cookie: account.cookie } });
    assert.equal(json.statusCode, 200);
    const data = json.json();
    assert.equal(data.subscription.id, id);
    assert.deepEqual(data.ledger.map((e: { kind: string }) => e.kind).sort(), ['grant', 'usage', 'usage', 'usage']);
    assert.equal(data.usage.length, 3);
    const csv = await app.inject({ url: `/api/v1/subscriptions/${id}/export`, headers: { cookie: account.cookie, accept: 'text/csv' } });
    assert.match(csv.headers['content-type'] as string, /^text\/csv/);
    const lines = csv.body.trim().split('\n');
    assert.equal(lines[0], 'event_id,meter,amount,currency,occurred_at');
    assert.equal(lines.length, 4);
    assert.ok(lines.some((l) => l.includes(`${p}-3,'=cmd,30,USD,2026-12-02T09:00:00.500Z`)), 'a formula-looking meter is defused');
  });

  test('operators adjust credit and move the end date, audited; recipients may not', async () => {
    const { app, config } = ctx();
    const { account, id } = await activeSubscription(app, config, 1000);
    const operator = await apiKeyHeader(app, 'operator');
    const patch = (payload: object, headers: Record<string, string> = { authorization: operator }) =>
      app.inject({ method: 'PATCH', url: `/api/v1/subscriptions/${id}`, headers, payload: payload as Record<string, unknown> });
    assert.equal((await patch({ creditAdjustment: { amount: 500, reason: 'x' } }, { cookie: account.cookie })).statusCode, 403);
    const added = await patch({ creditAdjustment: { amount: 500, reason: 'Hackathon winners' } });
    assert.equal(added.statusCode, 200, added.body);
    assert.deepEqual(added.json().credit.remaining, { amount: 1500, currency: 'USD' });
    const endsAt = '2099-01-31T12:00:00.000Z';
    const moved = await patch({ endsAt: '2099-01-31T12:00:00Z' });
    assert.equal(moved.json().endsAt, endsAt);
    assert.equal((await patch({ endsAt: 'soon' })).statusCode, 400);
    assert.equal((await patch({ creditAdjustment: { amount: 0, reason: 'nothing' } })).statusCode, 400);
    assert.equal((await app.inject({ method: 'PATCH', url: `/api/v1/subscriptions/${randomUUID()}`, headers: { authorization: operator }, payload: { endsAt } })).statusCode, 404);
    const actions = (await app.services.audit.list({ subjectId: id })).map((e) => e.action);
    assert.ok(actions.includes('subscription.credit_adjusted'));
    assert.ok(actions.includes('subscription.end_moved'));
  });
});
