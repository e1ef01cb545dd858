import { CompiledQuery, type Insertable, type Selectable } from 'kysely';
import type { DbOrTrx, Trx } from '../../db/database.ts';
import { prepared } from '../../db/prepared.ts';
import type { CodeBatchTable, PassCodeTable } from './codes.table.ts';

export type PassCodeRow = Selectable<PassCodeTable>;
export type NewPassCode = Pick<Insertable<PassCodeTable>, 'code_hash' | 'campaign_id' | 'batch_id' | 'last4' | 'state' | 'created_at'>;
export type CodeBatchRow = Selectable<CodeBatchTable>;

/** A code by its keyed hash (see `codeHasher`): the only way a stored code can be found. */
export async function findCodeByHash(db: DbOrTrx, hash: string): Promise<PassCodeRow | undefined> {
  return db.selectFrom('pass_codes').selectAll().where('code_hash', '=', hash).executeTakeFirst();
}

export async function insertBatch(trx: Trx, row: CodeBatchRow): Promise<void> {
  await trx.insertInto('code_batches').values(row).execute();
}

export async function growBatch(trx: Trx, batchId: string, added: number): Promise<void> {
  await trx.updateTable('code_batches').set((eb) => ({ size: eb('size', '+', added) })).where('id', '=', batchId).execute();
}

/**
 * Inserts the codes whose hash is not stored yet and returns the hashes it inserted. The primary key
 * on code_hash is what makes codes unique; a colliding row is skipped, never an error, so the caller
 * can top up. Rows must have distinct hashes.
 */
export async function insertNewCodes(trx: Trx, rows: NewPassCode[]): Promise<string[]> {
  const inserted: string[] = [];
  for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
    const slice = rows.slice(start, start + ROWS_PER_INSERT);
    const parameters: unknown[] = [];
    for (const row of slice) for (const column of CODE_COLUMNS) parameters.push(row[column]);
    const result = await trx.executeQuery<{ code_hash: string }>(CompiledQuery.raw(insertCodesSql(trx, slice), parameters));
    for (const row of result.rows) inserted.push(row.code_hash);
  }
  return inserted;
}

/**
 * Rows per INSERT statement. SQLite prepares every statement afresh (Kysely keeps no statement cache), and
 * that cost grows with the statement, so a few hundred rows a statement beat thousands; 3,000 bound values
 * also stay far below SQLite's 32,766 and PostgreSQL's 65,535.
 */
const ROWS_PER_INSERT = 500;

const CODE_COLUMNS = ['code_hash', 'campaign_id', 'batch_id', 'last4', 'state', 'created_at'] as const;

const insertCodesQuery = (trx: Trx, rows: NewPassCode[]) => trx.insertInto('pass_codes')
  .values(rows.map((row) => Object.fromEntries(CODE_COLUMNS.map((c) => [c, row[c]])) as NewPassCode))
  .onConflict((oc) => oc.column('code_hash').doNothing())
  .returning('code_hash');

// Building and compiling a 500-row INSERT with the query builder takes longer than hashing its codes,
// and nearly every statement of a batch is the same: compile it once per dialect and row count, then
// only bind new values. A few are kept; odd sizes such as a batch's last rows are compiled as they come.
const compiledInserts = new Map<string, string>();
const MAX_COMPILED_INSERTS = 4;

function insertCodesSql(trx: Trx, rows: NewPassCode[]): string {
  const dialectShape = insertCodesQuery(trx, rows.slice(0, 1)).compile().sql;
  const key = `${rows.length}:${dialectShape}`;
  let text = compiledInserts.get(key);
  if (text === undefined) {
    const compiled = insertCodesQuery(trx, rows).compile();
    const expected = rows.flatMap((row) => CODE_COLUMNS.map((c) => row[c]));
    if (compiled.parameters.length !== expected.length || compiled.parameters.some((p, i) => p !== expected[i])) {
      throw new Error('the compiled pass-code insert binds its values in an unexpected order');
    }
    text = compiled.sql;
    compiledInserts.set(key, text);
    if (compiledInserts.size > MAX_COMPILED_INSERTS) compiledInserts.delete(compiledInserts.keys().next().value as string);
  }
  return text;
}

/** Issued codes among `hashes` become revoked; returns what changed. Codes redeemed or revoked already stay as they are. */
export async function revokeIssuedCodes(trx: Trx, hashes: string[], at: string): Promise<Array<{ campaign_id: string; last4: string }>> {
  if (hashes.length === 0) return [];
  return trx.updateTable('pass_codes').set({ state: 'revoked', revoked_at: at })
    .where('code_hash', 'in', hashes).where('state', '=', 'issued')
    .returning(['campaign_id', 'last4'])
    .execute();
}

// ---- redeeming, as the redemptions module asks for it --------------------------------------

const selectCodeWithCampaign = prepared((db, p: { codeHash: string }) => db.selectFrom('pass_codes')
  .innerJoin('campaigns', 'campaigns.id', 'pass_codes.campaign_id')
  .select([
    'pass_codes.state', 'pass_codes.account_id', 'pass_codes.last4',
    'campaigns.id', 'campaigns.name', 'campaigns.credit_amount', 'campaigns.credit_currency', 'campaigns.validity_days',
    'campaigns.redeem_by', 'campaigns.countries', 'campaigns.passes_per_account', 'campaigns.status',
  ])
  .where('pass_codes.code_hash', '=', p.codeHash));

/**
 * A code and its campaign's columns in one query: redeeming decides on both, on the hot path of every
 * redemption (a read of the campaigns table, which the campaigns module owns; nothing here writes it).
 */
export async function findCodeWithCampaign(db: DbOrTrx, codeHash: string) {
  return selectCodeWithCampaign.first(db, { codeHash });
}

const bindIssued = prepared((db, p: { codeHash: string; accountId: string; at: string }) => db.updateTable('pass_codes')
  .set({ state: 'redeemed', account_id: p.accountId, redeemed_at: p.at })
  .where('code_hash', '=', p.codeHash)
  .where('state', '=', 'issued'));

/** The binding write: only an issued code changes, so of any number of callers exactly one gets true. */
export async function bindIssuedCode(trx: Trx, codeHash: string, accountId: string, at: string): Promise<boolean> {
  return await bindIssued.affected(trx, { codeHash, accountId, at }) === 1;
}

/** Back to issued, only from the account that held it (a code revoked meanwhile stays revoked). */
export async function reissueCode(trx: Trx, codeHash: string, accountId: string): Promise<boolean> {
  const result = await trx.updateTable('pass_codes')
    .set({ state: 'issued', account_id: null, redeemed_at: null })
    .where('code_hash', '=', codeHash)
    .where('state', '=', 'redeemed')
    .where('account_id', '=', accountId)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

// ---- batches, as the operator console lists and revokes them ------------------------------

export interface BatchCountsRow extends CodeBatchRow {
  issued: number;
  redeemed: number;
  revoked: number;
}

/** A campaign's batches, newest first, with their codes counted by state (one grouped query). */
export async function listBatchesWithCounts(db: DbOrTrx, campaignId: string): Promise<BatchCountsRow[]> {
  const counts = db.selectFrom('pass_codes')
    .where('campaign_id', '=', campaignId)
    .select((eb) => [
      'batch_id',
      eb.fn.sum<number>(eb.case().when('state', '=', 'issued').then(1).else(0).end()).as('issued'),
      eb.fn.sum<number>(eb.case().when('state', '=', 'redeemed').then(1).else(0).end()).as('redeemed'),
      eb.fn.sum<number>(eb.case().when('state', '=', 'revoked').then(1).else(0).end()).as('revoked'),
    ])
    .groupBy('batch_id')
    .as('counts');
  const rows = await db.selectFrom('code_batches')
    .leftJoin(counts, 'counts.batch_id', 'code_batches.id')
    .where('code_batches.campaign_id', '=', campaignId)
    .selectAll('code_batches')
    .select((eb) => [
      eb.fn.coalesce('counts.issued', eb.lit(0)).as('issued'),
      eb.fn.coalesce('counts.redeemed', eb.lit(0)).as('redeemed'),
      eb.fn.coalesce('counts.revoked', eb.lit(0)).as('revoked'),
    ])
    .orderBy('code_batches.created_at', 'desc')
    .orderBy('code_batches.id', 'desc')
    .execute();
  return rows.map((r) => ({ ...r, size: Number(r.size), issued: Number(r.issued), redeemed: Number(r.redeemed), revoked: Number(r.revoked) }));
}

export async function findBatch(db: DbOrTrx, batchId: string): Promise<CodeBatchRow | undefined> {
  return db.selectFrom('code_batches').selectAll().where('id', '=', batchId).executeTakeFirst();
}

/** Every issued code of a batch becomes revoked; redeemed ones stay with their holders. Returns how many changed. */
export async function revokeIssuedCodesOfBatch(trx: Trx, batchId: string, at: string): Promise<number> {
  const result = await trx.updateTable('pass_codes').set({ state: 'revoked', revoked_at: at })
    .where('batch_id', '=', batchId).where('state', '=', 'issued')
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
