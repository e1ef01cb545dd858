import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase } from '../../testing/harness.ts';
import { apiKeyHeader, createAccount } from '../../testing/factories.ts';
import { newId } from '../../lib/ids.ts';
import { systemActor } from '../audit/audit.service.ts';
import { codeHasher, createCodeService, type GeneratedChunk } from './codes.service.ts';
import { findCodeByHash } from './codes.repository.ts';
import { prefersCsv } from '../../http/accept.ts';
import { CODE_ALPHABET, generatePassCodes, normalizePassCode, parsePassCode } from './pass-code.ts';

const FORMATTED = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

/** The same code with its first symbol changed: the check symbol catches it. */
function mistype(code: string): string {
  const next = CODE_ALPHABET.charAt((CODE_ALPHABET.indexOf(code.charAt(0)) + 1) % CODE_ALPHABET.length);
  return next + code.slice(1);
}

describeEachDatabase('pass codes', (ctx) => {
  let operator = '';
  before(async () => { operator = await apiKeyHeader(ctx().app, 'operator'); });

  const inject = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, headers: Record<string, string> = {}) =>
    ctx().app.inject({ method, url: `/api/v1${url}`, headers: { authorization: operator, ...headers }, payload });
  const newCampaign = async (change: object = {}): Promise<string> => {
    const response = await inject('POST', '/campaigns', { name: 'Codes test', credit: { amount: 5000, currency: 'USD' }, validityDays: 30, redeemBy: '2099-12-31', ...change });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().id;
  };
  const generate = async (campaignId: string, count: number): Promise<string[]> => {
    const response = await inject('POST', `/campaigns/${campaignId}/codes`, { count });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().codes;
  };
  const stats = async (campaignId: string) => (await inject('GET', `/campaigns/${campaignId}`)).json().stats;
  const auditOf = async (campaignId: string) => (await inject('GET', `/audit-events?subjectId=${campaignId}`)).json().items as Array<{ action: string; actor: { type: string; label: string }; details: Record<string, unknown> }>;

  test('a batch is generated as JSON: formatted, well-formed, distinct codes, counted and audited', async () => {
    const campaignId = await newCampaign();
    const response = await inject('POST', `/campaigns/${campaignId}/codes`, { count: 250 });
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers['cache-control'], 'no-store');
    const batch = response.json();
    assert.equal(batch.campaignId, campaignId);
    assert.match(batch.batchId, /^[0-9a-f-]{36}$/);
    assert.equal(batch.codes.length, 250);
    assert.equal(new Set(batch.codes).size, 250);
    for (const code of batch.codes) {
      assert.match(code, FORMATTED);
      assert.ok(parsePassCode(code).ok, code);
    }
    assert.deepEqual(await stats(campaignId), { issued: 250, redeemed: 0, activated: 0, revoked: 0, expired: 0 });
    const size = await ctx().app.services.db.selectFrom('code_batches').select('size').where('id', '=', batch.batchId).executeTakeFirstOrThrow();
    assert.equal(Number(size.size), 250);
    const [event] = await auditOf(campaignId);
    assert.equal(event?.action, 'codes.generated');
    assert.deepEqual(event?.details, { batchId: batch.batchId, size: 250 });
    assert.equal(event?.actor.type, 'apikey');
  });

  test('the largest batch, 10,000 codes, is one request; one more is refused', async () => {
    const campaignId = await newCampaign();
    assert.equal((await generate(campaignId, 10_000)).length, 10_000);
    assert.equal((await stats(campaignId)).issued, 10_000);
    for (const count of [0, -1, 10_001, 2.5]) {
      const response = await inject('POST', `/campaigns/${campaignId}/codes`, { count });
      assert.equal(response.statusCode, 400, `${count}`);
      assert.equal(response.json().code, 'validation_failed');
      assert.equal(response.json().errors[0].path, 'count');
    }
    const missing = await inject('POST', `/campaigns/${campaignId}/codes`, {});
    assert.equal(missing.json().errors[0].path, 'count');
    assert.equal((await stats(campaignId)).issued, 10_000);
  });

  test('CSV with Accept: text/csv, the code column first', async () => {
    const campaignId = await newCampaign();
    const response = await inject('POST', `/campaigns/${campaignId}/codes`, { count: 5 }, { accept: 'text/csv' });
    assert.equal(response.statusCode, 201);
    assert.match(response.headers['content-type'] as string, /^text\/csv/);
    assert.match(response.headers['content-disposition'] as string, /^attachment; filename="codes-[0-9a-f-]+\.csv"$/);
    const [header, ...rows] = response.body.trimEnd().split('\n');
    assert.equal(header, 'code,campaign_id,batch_id');
    assert.equal(rows.length, 5);
    const batchId = rows[0]?.split(',')[2];
    for (const row of rows) {
      const [code, campaign, batch] = row.split(',');
      assert.ok(parsePassCode(code as string).ok);
      assert.equal(campaign, campaignId);
      assert.equal(batch, batchId);
    }
    const lookedUp = await inject('POST', '/codes/lookup', { code: rows[0]?.split(',')[0] });
    assert.equal(lookedUp.json().batchId, batchId);
  });

  test('the database holds no plain code: only its keyed hash and last four symbols', async () => {
    const { app, config } = ctx();
    const campaignId = await newCampaign();
    const codes = await generate(campaignId, 20);
    const rows = await app.services.db.selectFrom('pass_codes').selectAll().where('campaign_id', '=', campaignId).execute();
    const stored = JSON.stringify(rows) + JSON.stringify(await auditOf(campaignId));
    const hash = codeHasher(config);
    for (const code of codes) {
      const normalized = normalizePassCode(code);
      assert.ok(!stored.includes(code) && !stored.includes(normalized), `plain ${code} found`);
      assert.ok(!stored.includes(normalized.slice(0, 12)), 'a leading part of a code is stored');
      const row = await findCodeByHash(app.services.db, hash(normalized));
      assert.equal(row?.last4, normalized.slice(-4));
      assert.match(row?.code_hash ?? '', /^[0-9a-f]{64}$/);
    }
    // The same search in SQL, as an attacker with the database would do it.
    const normalized = normalizePassCode(codes[0] as string);
    const found = await sql<{ n: number }>`select count(*) as n from pass_codes where code_hash like ${`%${normalized}%`} or last4 like ${`%${normalized}%`} or batch_id like ${`%${normalized}%`}`.execute(app.services.db);
    assert.equal(Number(found.rows[0]?.n), 0);
  });

  test('lookup: a code as typed, a mistyped code, a code never issued', async () => {
    const campaignId = await newCampaign();
    const [code] = await generate(campaignId, 1);
    const typed = (code as string).toLowerCase().replace(/-/g, ' ');
    const found = await inject('POST', '/codes/lookup', { code: typed });
    assert.equal(found.statusCode, 200, found.body);
    assert.deepEqual({ ...found.json<object>(), batchId: undefined, createdAt: undefined }, {
      state: 'issued', campaignId, redeemedAt: null, accountId: null, last4: (code as string).slice(-4), batchId: undefined, createdAt: undefined, revokedAt: null,
    });
    const mistyped = await inject('POST', '/codes/lookup', { code: mistype(code as string) });
    assert.equal(mistyped.statusCode, 422);
    assert.equal(mistyped.json().code, 'code_mistyped');
    const short = await inject('POST', '/codes/lookup', { code: 'ABCD' });
    assert.equal(short.json().code, 'code_mistyped');
    const never = await inject('POST', '/codes/lookup', { code: generatePassCodes(1)[0] });
    assert.equal(never.statusCode, 404);
    assert.equal(never.json().code, 'invalid_code');
  });

  test('revoke: issued codes become revoked, redeemed ones stay, mistyped input changes nothing', async () => {
    const { app, config } = ctx();
    const campaignId = await newCampaign();
    const codes = await generate(campaignId, 5);
    const [a, b, c, redeemed] = codes as [string, string, string, string];
    const account = await createAccount(app, config);
    await app.services.db.updateTable('pass_codes').set({ state: 'redeemed', account_id: account.id, redeemed_at: new Date().toISOString() })
      .where('code_hash', '=', codeHasher(config)(normalizePassCode(redeemed))).execute();

    const refused = await inject('POST', '/codes/revoke', { codes: [a, mistype(b), 'nonsense'] });
    assert.equal(refused.statusCode, 400);
    assert.equal(refused.json().code, 'validation_failed');
    assert.deepEqual(refused.json().errors.map((e: { path: string }) => e.path), ['codes.1', 'codes.2']);
    assert.equal((await stats(campaignId)).revoked, 0);

    const response = await inject('POST', '/codes/revoke', { codes: [a, b.toLowerCase(), b, redeemed, generatePassCodes(1)[0]] });
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { revoked: 2 });
    assert.equal((await inject('POST', '/codes/lookup', { code: a })).json().state, 'revoked');
    assert.ok((await inject('POST', '/codes/lookup', { code: a })).json().revokedAt);
    assert.equal((await inject('POST', '/codes/lookup', { code: redeemed })).json().state, 'redeemed');
    assert.equal((await inject('POST', '/codes/lookup', { code: c })).json().state, 'issued');
    assert.deepEqual((await inject('POST', '/codes/revoke', { codes: [a, b] })).json(), { revoked: 0 });
    assert.deepEqual(await stats(campaignId), { issued: 5, redeemed: 1, activated: 0, revoked: 2, expired: 0 });

    const revocations = (await auditOf(campaignId)).filter((e) => e.action === 'codes.revoked');
    assert.equal(revocations.length, 1);
    assert.equal(revocations[0]?.details.count, 2);
    const last4 = revocations[0]?.details.last4 as string[];
    assert.deepEqual([...last4].sort(), [a.slice(-4), b.slice(-4)].sort());

    for (const payload of [{ codes: [] }, { codes: Array.from({ length: 10_001 }, () => a) }, {}]) {
      const bad = await inject('POST', '/codes/revoke', payload);
      assert.equal(bad.statusCode, 400);
      assert.equal(bad.json().errors[0].path, 'codes');
    }
  });

  test('a closed campaign gets no new codes, a paused one does; an unknown one is not_found', async () => {
    const campaignId = await newCampaign();
    await inject('PATCH', `/campaigns/${campaignId}`, { status: 'paused' });
    assert.equal((await generate(campaignId, 2)).length, 2);
    await inject('PATCH', `/campaigns/${campaignId}`, { status: 'closed' });
    const closed = await inject('POST', `/campaigns/${campaignId}/codes`, { count: 2 });
    assert.equal(closed.statusCode, 409);
    assert.equal(closed.json().code, 'conflict');
    assert.equal((await stats(campaignId)).issued, 2);
    const unknown = await inject('POST', `/campaigns/${newId()}/codes`, { count: 2 });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().code, 'not_found');
  });

  test('code routes need an operator: 401 without a key, 403 with a platform key or a recipient, fine for an operator admin', async () => {
    const { app, config } = ctx();
    const campaignId = await newCampaign();
    const platform = await apiKeyHeader(app, 'platform');
    const recipient = await createAccount(app, config);
    const admin = await createAccount(app, config, { operatorAdmin: true });
    const requests = [
      { url: `/api/v1/campaigns/${campaignId}/codes`, payload: { count: 1 } },
      { url: '/api/v1/codes/lookup', payload: { code: generatePassCodes(1)[0] } },
      { url: '/api/v1/codes/revoke', payload: { codes: generatePassCodes(1) } },
    ];
    for (const request of requests) {
      assert.equal((await app.inject({ method: 'POST', ...request })).statusCode, 401, request.url);
      assert.equal((await app.inject({ method: 'POST', ...request, headers: { authorization: platform } })).statusCode, 403, request.url);
      assert.equal((await app.inject({ method: 'POST', ...request, headers: { cookie: recipient.cookie } })).statusCode, 403, request.url);
      assert.ok([200, 201, 404].includes((await app.inject({ method: 'POST', ...request, headers: { cookie: admin.cookie } })).statusCode), request.url);
    }
    const [event] = await auditOf(campaignId);
    assert.deepEqual([event?.action, event?.actor.type, event?.actor.label], ['codes.generated', 'admin', admin.email]);
  });

  test('a code that collides with a stored one is dropped and replaced, never handed out twice', async () => {
    const { app, config } = ctx();
    const campaignId = await newCampaign();
    const [existing] = await generate(campaignId, 1) as [string];
    const fresh = generatePassCodes(10);
    // The first draw repeats a stored code and one of its own; later draws are new codes.
    const draws = [[existing, fresh[0], fresh[0], fresh[1]], fresh.slice(2)];
    const codes = createCodeService({
      db: app.services.db, clock: app.services.clock, audit: app.services.audit, metrics: app.metrics, hashCode: codeHasher(config), campaigns: app.services.campaigns,
      drawCodes: (count) => (draws.shift() ?? generatePassCodes(count)).slice(0, count) as string[],
    });
    const batch = await codes.generate(campaignId, 4, systemActor);
    assert.equal(batch.codes.length, 4);
    assert.equal(new Set(batch.codes).size, 4);
    assert.ok(!batch.codes.includes(existing));
    assert.deepEqual(batch.codes.slice(0, 2).sort(), fresh.slice(0, 2).sort());
    assert.equal((await stats(campaignId)).issued, 5);
    const lookedUp = await inject('POST', '/codes/lookup', { code: existing });
    assert.notEqual(lookedUp.json().batchId, batch.batchId);
  });

  test('a streamed batch commits chunk by chunk, its size growing, and is audited once complete', async () => {
    const { app, config } = ctx();
    const campaignId = await newCampaign();
    const codes = createCodeService({
      db: app.services.db, clock: app.services.clock, audit: app.services.audit, metrics: app.metrics, hashCode: codeHasher(config), campaigns: app.services.campaigns, chunkSize: 3,
    });
    const seen: Array<{ size: number; generated: number; stored: number; audited: string[] }> = [];
    let last: GeneratedChunk | undefined;
    for await (const chunk of codes.generateCodes(campaignId, 7, { type: 'system', id: null, label: 'cli' })) {
      const batch = await app.services.db.selectFrom('code_batches').select('size').where('id', '=', chunk.batchId).executeTakeFirstOrThrow();
      seen.push({ size: chunk.codes.length, generated: chunk.generated, stored: Number(batch.size), audited: (await auditOf(campaignId)).map((e) => e.action).sort() });
      last = chunk;
    }
    assert.deepEqual(seen, [
      { size: 3, generated: 3, stored: 3, audited: ['campaign.created', 'codes.generation_started'] },
      { size: 3, generated: 6, stored: 6, audited: ['campaign.created', 'codes.generation_started'] },
      { size: 1, generated: 7, stored: 7, audited: ['campaign.created', 'codes.generated', 'codes.generation_started'] },
    ]);
    const [generated] = (await auditOf(campaignId)).filter((e) => e.action === 'codes.generated');
    assert.deepEqual(generated?.details, { batchId: last?.batchId, size: 7 });
    assert.equal(generated?.actor.label, 'cli');
    assert.equal((await stats(campaignId)).issued, 7);

    await assert.rejects(async () => { for await (const _ of codes.generateCodes(newId(), 5, systemActor)) { /* nothing */ } }, { code: 'not_found' });
    await assert.rejects(async () => { for await (const _ of codes.generateCodes(campaignId, 0, systemActor)) { /* nothing */ } }, { code: 'validation_failed' });
  });
});

test('Accept negotiation: CSV only when asked for at least as much as JSON', () => {
  assert.equal(prefersCsv(undefined), false);
  assert.equal(prefersCsv('application/json'), false);
  assert.equal(prefersCsv('*/*'), false);
  assert.equal(prefersCsv('text/csv'), true);
  assert.equal(prefersCsv('Text/CSV; charset=utf-8'), true);
  assert.equal(prefersCsv('application/json, text/csv;q=0.5'), false);
  assert.equal(prefersCsv('application/json;q=0.5, text/csv'), true);
  assert.equal(prefersCsv('text/csv;q=0'), false);
});
