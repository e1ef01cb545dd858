// Pass codes: generated in batches for a campaign, stored only as keyed hashes, looked up and revoked.
import { deriveKey, type Config } from '../../config.ts';
import type { Db, DbOrTrx, Trx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { assertTakesCodes, termsOf, type CampaignTerms } from '../campaigns/campaign-rules.ts';
import type { CampaignService } from '../campaigns/campaigns.service.ts';
import {
  bindIssuedCode, findBatch, findCodeByHash, findCodeWithCampaign, growBatch, insertBatch, insertNewCodes, listBatchesWithCounts,
  reissueCode, revokeIssuedCodes, revokeIssuedCodesOfBatch,
  type BatchCountsRow, type CodeBatchRow, type NewPassCode, type PassCodeRow,
} from './codes.repository.ts';
import type { PassCodeState } from './codes.table.ts';
import { formatPassCode, generatePassCodes, hashPassCode, lastFour, parsePassCode } from './pass-code.ts';

/** Codes per transaction when streaming, and per chunk yielded: bigger chunks mean fewer commits, smaller ones less memory. */
export const CODES_PER_CHUNK = 1000;
export const MAX_CODES_PER_REQUEST = 10_000;
export const MAX_CODES_PER_REVOKE = 10_000;

/** Normalised code → its stored form, HMAC-SHA256 under a key derived from the server secret. */
export type CodeHasher = (normalized: string) => string;

export function codeHasher(config: Pick<Config, 'secret'>): CodeHasher {
  const key = deriveKey(config.secret, 'pass-codes');
  return (normalized) => hashPassCode(normalized, key);
}

/** A code as typed, checked and normalised once, with its stored form: what each step of redeeming carries. */
export interface PassCodeRef {
  /** 16 alphabet symbols, no hyphens. */
  normalized: string;
  /** Its keyed hash: how it is stored and found. */
  hash: string;
  /** As printed: XXXX-XXXX-XXXX-XXXX. */
  formatted: string;
  last4: string;
}

/** A stored code's state and its campaign's terms: what redeeming decides on. */
export interface CodeForRedemption {
  state: PassCodeState;
  accountId: string | null;
  campaign: CampaignTerms;
}

export interface PassCodeView {
  state: PassCodeState;
  campaignId: string;
  batchId: string;
  last4: string;
  createdAt: string;
  redeemedAt: string | null;
  accountId: string | null;
  revokedAt: string | null;
}

/** A batch as operators see it: how many codes it has and what became of them. */
export interface CodeBatchView {
  id: string;
  campaignId: string;
  size: number;
  issued: number;
  redeemed: number;
  revoked: number;
  createdAt: string;
  /** Who generated it (the audit trail's label: an admin's email, a key's name, "cli"). */
  createdBy: string;
}

export interface GeneratedBatch {
  batchId: string;
  campaignId: string;
  /** Formatted codes (XXXX-XXXX-XXXX-XXXX): the only time their plain text exists. */
  codes: string[];
}

/** One committed chunk of a streamed batch. */
export interface GeneratedChunk extends GeneratedBatch {
  /** Codes generated so far in this batch, this chunk included. */
  generated: number;
  total: number;
}

export interface CodeServiceDeps {
  db: Db;
  clock: Clock;
  audit: AuditService;
  metrics: Pick<Metrics, 'codesGenerated' | 'codesRevoked'>;
  hashCode: CodeHasher;
  campaigns: Pick<CampaignService, 'terms'>;
  /** Where new formatted codes come from; tests pass one that collides on purpose. */
  drawCodes?: (count: number) => string[];
  chunkSize?: number;
}

// A collision is a 1-in-2^75 event per pair; needing this many rounds for one chunk means the source is broken.
const MAX_DRAW_ROUNDS = 100;

export function createCodeService(deps: CodeServiceDeps) {
  const { db, clock, audit, metrics, hashCode } = deps;
  const drawCodes = deps.drawCodes ?? generatePassCodes;
  const chunkSize = deps.chunkSize ?? CODES_PER_CHUNK;

  /** A batch of at most MAX_CODES_PER_REQUEST codes: batch, codes and audit entry in one transaction. */
  async function generate(campaignId: string, count: number, actor: Actor): Promise<GeneratedBatch> {
    checkCount(count, MAX_CODES_PER_REQUEST);
    const batch = await db.transaction().execute(async (trx) => {
      const row = await openBatch(trx, campaignId, actor);
      const codes: string[] = [];
      for (let left = count; left > 0; left -= chunkSize) codes.push(...(await fillChunk(trx, row, Math.min(chunkSize, left))));
      await audit.record(trx, actor, 'codes.generated', 'campaign', campaignId, { batchId: row.id, size: count });
      return { batchId: row.id, campaignId, codes };
    });
    metrics.codesGenerated.inc(count);
    return batch;
  }

  /**
   * Any number of codes, yielded chunk by chunk so the caller can write them out without holding the
   * batch in memory. Each chunk is its own transaction and is committed before it is yielded, so every
   * code the caller receives is stored.
   *
   * A million codes cannot share one transaction (it would hold SQLite's write lock for the whole run),
   * so the batch row is written with the first chunk and grows with every chunk: its size always equals
   * the codes stored, even when a run is interrupted. The `codes.generated` audit entry, with the size,
   * lands in the last chunk's transaction so the trail never claims codes that were not stored; a run
   * spanning several transactions also records `codes.generation_started` with the first one, so an
   * interrupted run is still in the trail with who started it.
   */
  async function* generateCodes(campaignId: string, count: number, actor: Actor): AsyncGenerator<GeneratedChunk> {
    checkCount(count, Number.MAX_SAFE_INTEGER);
    let batch: CodeBatchRow | undefined;
    for (let generated = 0; generated < count;) {
      const size = Math.min(chunkSize, count - generated);
      const last = generated + size === count;
      const committed = await db.transaction().execute(async (trx) => {
        const row = batch ?? await openBatch(trx, campaignId, actor);
        if (!batch && !last) await audit.record(trx, actor, 'codes.generation_started', 'campaign', campaignId, { batchId: row.id, requested: count });
        const codes = await fillChunk(trx, row, size);
        if (last) await audit.record(trx, actor, 'codes.generated', 'campaign', campaignId, { batchId: row.id, size: count });
        return { row, codes };
      });
      batch = committed.row;
      generated += size;
      metrics.codesGenerated.inc(size);
      yield { batchId: batch.id, campaignId, codes: committed.codes, generated, total: count };
    }
  }

  async function openBatch(trx: Trx, campaignId: string, actor: Actor): Promise<CodeBatchRow> {
    const campaign = await deps.campaigns.terms(trx, campaignId);
    if (!campaign) throw new NotFoundError('The campaign');
    assertTakesCodes(campaign, iso(clock.now()).slice(0, 10));
    const row: CodeBatchRow = { id: newId(), campaign_id: campaignId, size: 0, created_at: iso(clock.now()), created_by: actor.label };
    await insertBatch(trx, row);
    return row;
  }

  /** Exactly `size` new codes for the batch; a code whose hash is already stored is dropped and replaced. */
  async function fillChunk(trx: Trx, batch: CodeBatchRow, size: number): Promise<string[]> {
    const kept: string[] = [];
    for (let round = 0; kept.length < size; round++) {
      if (round === MAX_DRAW_ROUNDS) throw new Error('the code source keeps repeating codes');
      const byHash = new Map<string, string>();
      // Fresh codes are canonical already (upper-case alphabet symbols): only the group hyphens differ from the normalised form.
      for (const code of drawCodes(size - kept.length)) byHash.set(hashCode(code.replace(/-/g, '')), code);
      const rows: NewPassCode[] = [];
      for (const [hash, code] of byHash) {
        rows.push({ code_hash: hash, campaign_id: batch.campaign_id, batch_id: batch.id, last4: lastFour(code), state: 'issued', created_at: batch.created_at });
      }
      const inserted = await insertNewCodes(trx, rows);
      if (inserted.length === byHash.size) kept.push(...byHash.values());
      else for (const hash of inserted) kept.push(byHash.get(hash) as string);
    }
    await growBatch(trx, batch.id, size);
    return kept;
  }

  /** What support needs to know about a code someone holds. */
  async function lookup(input: string): Promise<PassCodeView> {
    const row = await findCode(input);
    return toPassCodeView(row);
  }

  async function findCode(input: string): Promise<PassCodeRow> {
    const row = await findCodeByHash(db, parse(input).hash);
    if (!row) throw new DomainError('invalid_code', 'This code was never issued.');
    return row;
  }

  // ---- redeeming: the redemptions module binds codes through these ---------------------------

  /** Checks and normalises a code as typed; a typo is named as one before anything is looked up. */
  function parse(input: string): PassCodeRef {
    const parsed = parsePassCode(input);
    if (!parsed.ok) throw codeMistyped();
    return { normalized: parsed.code, hash: hashCode(parsed.code), formatted: formatPassCode(parsed.code), last4: lastFour(parsed.code) };
  }

  /** The code's state and its campaign's terms, in one read. */
  async function findForRedemption(handle: DbOrTrx, code: PassCodeRef): Promise<CodeForRedemption | undefined> {
    const row = await findCodeWithCampaign(handle, code.hash);
    return row ? { state: row.state, accountId: row.account_id, campaign: termsOf(row) } : undefined;
  }

  /** Inside the redeeming transaction: an issued code becomes the account's. False when it is not issued any more. */
  async function bindIssued(trx: Trx, code: PassCodeRef, accountId: string, at: string): Promise<boolean> {
    return bindIssuedCode(trx, code.hash, accountId, at);
  }

  /** Inside the releasing transaction: the account's redeemed code is issued again (a revoked one stays revoked). */
  async function reissue(trx: Trx, codeHash: string, accountId: string): Promise<boolean> {
    return reissueCode(trx, codeHash, accountId);
  }

  /** Issued codes become revoked; redeemed or revoked ones are left alone. All or nothing on mistyped input. */
  async function revoke(inputs: string[], actor: Actor): Promise<{ revoked: number }> {
    if (inputs.length < 1 || inputs.length > MAX_CODES_PER_REVOKE) {
      throw new ValidationError([{ path: 'codes', message: `send 1–${MAX_CODES_PER_REVOKE} codes` }]);
    }
    const errors: FieldError[] = [];
    const hashes = new Set<string>();
    inputs.forEach((input, index) => {
      const parsed = parsePassCode(input);
      if (parsed.ok) hashes.add(hashCode(parsed.code));
      else errors.push({ path: `codes.${index}`, message: `"${input.slice(0, 40)}" is mistyped` });
    });
    if (errors.length) throw new ValidationError(errors);

    const at = iso(clock.now());
    const revoked = await db.transaction().execute(async (trx) => {
      const rows = await revokeIssuedCodes(trx, [...hashes], at);
      const last4ByCampaign = new Map<string, string[]>();
      for (const row of rows) {
        const list = last4ByCampaign.get(row.campaign_id) ?? [];
        list.push(row.last4);
        last4ByCampaign.set(row.campaign_id, list);
      }
      for (const [campaignId, last4] of last4ByCampaign) {
        await audit.record(trx, actor, 'codes.revoked', 'campaign', campaignId, { count: last4.length, last4 });
      }
      return rows.length;
    });
    metrics.codesRevoked.inc(revoked);
    return { revoked };
  }

  /** A campaign's batches, newest first, with their codes counted by state. */
  async function listBatches(campaignId: string): Promise<CodeBatchView[]> {
    return (await listBatchesWithCounts(db, campaignId)).map(toBatchView);
  }

  async function getBatch(batchId: string): Promise<CodeBatchView> {
    const row = await findBatch(db, batchId);
    if (!row) throw new NotFoundError('The batch');
    const counted = (await listBatchesWithCounts(db, row.campaign_id)).find((b) => b.id === batchId);
    return toBatchView(counted ?? { ...row, issued: 0, redeemed: 0, revoked: 0 });
  }

  /** Revokes every code of a batch nobody has redeemed yet; redeemed codes stay with their holders. */
  async function revokeBatch(batchId: string, actor: Actor): Promise<{ revoked: number }> {
    const revoked = await db.transaction().execute(async (trx) => {
      const batch = await findBatch(trx, batchId);
      if (!batch) throw new NotFoundError('The batch');
      const count = await revokeIssuedCodesOfBatch(trx, batchId, iso(clock.now()));
      await audit.record(trx, actor, 'codes.batch_revoked', 'campaign', batch.campaign_id, { batchId, count });
      return count;
    });
    metrics.codesRevoked.inc(revoked);
    return { revoked };
  }

  return { generate, generateCodes, lookup, revoke, revokeBatch, listBatches, getBatch, parse, findForRedemption, bindIssued, reissue };
}

export type CodeService = ReturnType<typeof createCodeService>;

const codeMistyped = () => new DomainError('code_mistyped',
  'This code has a typo. A promo code has 16 letters and digits: check each one against your pass.');

function checkCount(count: number, max: number) {
  if (!Number.isSafeInteger(count) || count < 1 || count > max) {
    throw new ValidationError([{ path: 'count', message: `count must be a whole number from 1 to ${max.toLocaleString('en')}` }]);
  }
}

/** The one mapping from a stored code to what operators see; the hash itself never leaves. */
export function toPassCodeView(row: PassCodeRow): PassCodeView {
  return {
    state: row.state, campaignId: row.campaign_id, batchId: row.batch_id, last4: row.last4, createdAt: row.created_at,
    redeemedAt: row.redeemed_at, accountId: row.account_id, revokedAt: row.revoked_at,
  };
}

function toBatchView(row: BatchCountsRow): CodeBatchView {
  return {
    id: row.id, campaignId: row.campaign_id, size: Number(row.size), issued: row.issued, redeemed: row.redeemed, revoked: row.revoked,
    createdAt: row.created_at, createdBy: row.created_by,
  };
}
