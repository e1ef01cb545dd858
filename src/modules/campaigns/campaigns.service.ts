// Campaigns: what a pass is worth, for how long, until when it can be redeemed, where and how often.
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import { isCountryCode } from '../../lib/countries.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { parseCountries, termsOf, type CampaignTerms } from './campaign-rules.ts';
import {
  findCampaignById, insertCampaign, listCampaigns, updateCampaignDetails, updateCampaignStatus, type CampaignRow,
} from './campaigns.repository.ts';
import type { CampaignStatus } from './campaigns.table.ts';
import { currencyDigits, isCurrencyCode } from '../../lib/money.ts';

export const CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['active', 'paused', 'closed'];
export const MAX_VALIDITY_DAYS = 3650;
export const MAX_PASSES_PER_ACCOUNT = 1000;
export const MAX_NAME_LENGTH = 200;

export interface Money {
  amount: number;
  currency: string;
}

export interface CampaignInput {
  name: string;
  credit: Money;
  validityDays: number;
  /** YYYY-MM-DD, the last day (UTC) on which codes can be redeemed. */
  redeemBy: string;
  /** ISO 3166-1 alpha-2 codes; null or absent: every country. */
  countries?: string[] | null;
  passesPerAccount?: number;
}

/** Codes counted by state (see API.md): the funnel of a campaign. */
export interface CampaignStats {
  issued: number;
  redeemed: number;
  activated: number;
  revoked: number;
  expired: number;
}

/** Where the counts come from: they read codes and redemptions, so the reports module counts them. */
export interface CampaignStatsSource {
  campaignStats(only?: { id: string }): Promise<Map<string, CampaignStats>>;
}

/** What an operator may change on an existing campaign. */
export interface CampaignChanges {
  name?: string;
  redeemBy?: string;
}

export interface CampaignView {
  id: string;
  name: string;
  credit: Money;
  validityDays: number;
  redeemBy: string;
  countries: string[] | null;
  passesPerAccount: number;
  status: CampaignStatus;
  createdAt: string;
  updatedAt: string;
  stats: CampaignStats;
}

const NO_CODES: CampaignStats = { issued: 0, redeemed: 0, activated: 0, revoked: 0, expired: 0 };

export function createCampaignService(deps: {
  db: Db; clock: Clock; audit: AuditService; metrics: Pick<Metrics, 'campaignsCreated'>; stats: CampaignStatsSource;
}) {
  const { db, clock, audit, metrics, stats } = deps;
  const today = () => iso(clock.now()).slice(0, 10);

  async function create(input: CampaignInput, actor: Actor): Promise<CampaignView> {
    const fields = validateCampaign(input, today());
    const at = iso(clock.now());
    const row: CampaignRow = { id: newId(), ...fields, status: 'active', created_at: at, updated_at: at };
    await db.transaction().execute(async (trx) => {
      await insertCampaign(trx, row);
      await audit.record(trx, actor, 'campaign.created', 'campaign', row.id, auditDetails(row));
    });
    metrics.campaignsCreated.inc();
    return toCampaignView(row, NO_CODES);
  }

  /** A campaign's terms, read with the caller's handle (inside its transaction when it must be). */
  async function terms(handle: DbOrTrx, id: string): Promise<CampaignTerms | undefined> {
    const row = await findCampaignById(handle, id);
    return row ? termsOf(row) : undefined;
  }

  async function list(): Promise<CampaignView[]> {
    const [rows, counts] = await Promise.all([listCampaigns(db), stats.campaignStats()]);
    return rows.map((row) => toCampaignView(row, counts.get(row.id) ?? NO_CODES));
  }

  async function get(id: string): Promise<CampaignView> {
    const [row, counts] = await Promise.all([findCampaignById(db, id), stats.campaignStats({ id })]);
    if (!row) throw new NotFoundError('The campaign');
    return toCampaignView(row, counts.get(id) ?? NO_CODES);
  }

  /** Renames a campaign or moves its redeem-by date (not into the past); a closed campaign stays as it was. */
  async function update(id: string, changes: CampaignChanges, actor: Actor): Promise<CampaignView> {
    const errors: FieldError[] = [];
    const set: { name?: string; redeem_by?: string } = {};
    if (changes.name !== undefined) {
      const name = changes.name.trim();
      const problem = nameProblem(name);
      if (problem) errors.push({ path: 'name', message: problem });
      else set.name = name;
    }
    if (changes.redeemBy !== undefined) {
      const problem = redeemByProblem(changes.redeemBy, today());
      if (problem) errors.push({ path: 'redeemBy', message: problem });
      else set.redeem_by = changes.redeemBy;
    }
    if (errors.length) throw new ValidationError(errors);
    await db.transaction().execute(async (trx) => {
      const current = await findCampaignById(trx, id);
      if (!current) throw new NotFoundError('The campaign');
      if (current.status === 'closed') throw new DomainError('conflict', 'This campaign is closed: it can no longer be changed.');
      const from: Record<string, unknown> = {};
      const to: Record<string, unknown> = {};
      if (set.name !== undefined && set.name !== current.name) { from.name = current.name; to.name = set.name; }
      if (set.redeem_by !== undefined && set.redeem_by !== current.redeem_by) { from.redeemBy = current.redeem_by; to.redeemBy = set.redeem_by; }
      if (Object.keys(to).length === 0) return;
      await updateCampaignDetails(trx, id, set, iso(clock.now()));
      await audit.record(trx, actor, 'campaign.updated', 'campaign', id, { from, to });
    });
    return get(id);
  }

  /** Pauses, resumes or closes a campaign. Closing is final. */
  async function setStatus(id: string, status: string, actor: Actor): Promise<CampaignView> {
    if (!CAMPAIGN_STATUSES.includes(status as CampaignStatus)) {
      throw new ValidationError([{ path: 'status', message: 'status must be active, paused or closed' }]);
    }
    const to = status as CampaignStatus;
    await db.transaction().execute(async (trx) => {
      const current = await findCampaignById(trx, id);
      if (!current) throw new NotFoundError('The campaign');
      if (current.status === to) return;
      if (current.status === 'closed') {
        throw new DomainError('conflict', 'This campaign is closed, and a closed campaign cannot be reopened. Create a new campaign instead.');
      }
      if (!(await updateCampaignStatus(trx, id, current.status, to, iso(clock.now())))) {
        throw new DomainError('conflict', 'The campaign was changed at the same time; reload it and try again.');
      }
      await audit.record(trx, actor, 'campaign.status_changed', 'campaign', id, { from: current.status, to });
    });
    return get(id);
  }

  return { create, terms, list, get, update, setStatus };
}

export type CampaignService = ReturnType<typeof createCampaignService>;

type CampaignFields = Pick<CampaignRow, 'name' | 'credit_amount' | 'credit_currency' | 'validity_days' | 'redeem_by' | 'countries' | 'passes_per_account'>;

/** Checks every field and reports every problem at once; returns the columns to store. */
export function validateCampaign(input: CampaignInput, today: string): CampaignFields {
  const errors: FieldError[] = [];
  const fail = (path: string, message: string) => { errors.push({ path, message }); };

  const name = typeof input.name === 'string' ? input.name.trim() : '';
  const nameFault = nameProblem(name);
  if (nameFault) fail('name', nameFault);

  const amount = input.credit?.amount;
  if (!Number.isSafeInteger(amount) || amount <= 0) fail('credit.amount', creditProblem(input.credit?.currency));
  const currency = typeof input.credit?.currency === 'string' ? input.credit.currency.trim().toUpperCase() : '';
  if (!isCurrencyCode(currency)) fail('credit.currency', 'credit currency must be an ISO 4217 code such as USD or EUR');

  if (!Number.isInteger(input.validityDays) || input.validityDays < 1 || input.validityDays > MAX_VALIDITY_DAYS) {
    fail('validityDays', `validity days must be a whole number from 1 to ${MAX_VALIDITY_DAYS}`);
  }

  const redeemByFault = redeemByProblem(input.redeemBy, today);
  if (redeemByFault) fail('redeemBy', redeemByFault);

  const countries = validateCountries(input.countries, fail);

  const passesPerAccount = input.passesPerAccount ?? 1;
  if (!Number.isInteger(passesPerAccount) || passesPerAccount < 1 || passesPerAccount > MAX_PASSES_PER_ACCOUNT) {
    fail('passesPerAccount', `passes per account must be a whole number from 1 to ${MAX_PASSES_PER_ACCOUNT}`);
  }

  if (errors.length) throw new ValidationError(errors);
  return {
    name, credit_amount: amount, credit_currency: currency, validity_days: input.validityDays, redeem_by: input.redeemBy,
    countries: countries === null ? null : JSON.stringify(countries), passes_per_account: passesPerAccount,
  };
}

/** The API takes credit in cents (or the currency's smallest unit): say so with an example, not with jargon. */
function creditProblem(currency: unknown): string {
  const code = typeof currency === 'string' && isCurrencyCode(currency.trim().toUpperCase()) ? currency.trim().toUpperCase() : 'USD';
  const digits = currencyDigits(code);
  const example = 100 * 10 ** digits;
  const shown = new Intl.NumberFormat('en', { style: 'currency', currency: code }).format(100);
  const unit = digits === 2 ? 'cents' : digits === 0 ? code : `the smallest unit of ${code}`;
  return `credit is a whole number of ${unit} greater than 0: ${example} is ${shown}`;
}

function nameProblem(name: string): string | undefined {
  return name.length < 1 || name.length > MAX_NAME_LENGTH ? `name must be 1–${MAX_NAME_LENGTH} characters` : undefined;
}

function redeemByProblem(redeemBy: unknown, today: string): string | undefined {
  if (typeof redeemBy !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(redeemBy)) return 'redeem-by must be a date written YYYY-MM-DD';
  const impossible = impossibleDate(redeemBy);
  if (impossible) return impossible;
  if (redeemBy < today) return `redeem-by must not be in the past (today is ${today})`;
  return undefined;
}

function validateCountries(input: unknown, fail: (path: string, message: string) => void): string[] | null {
  if (input === null || input === undefined) return null;
  if (!Array.isArray(input)) {
    fail('countries', 'countries must be a list of ISO 3166-1 alpha-2 codes, or null for every country');
    return null;
  }
  if (input.length === 0) fail('countries', 'list at least one country, or send null for every country');
  const seen = new Set<string>();
  input.forEach((value: unknown, index) => {
    const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
    if (!isCountryCode(code)) fail(`countries.${index}`, `"${String(value).slice(0, 20)}" is not an ISO 3166-1 alpha-2 country code`);
    else if (seen.has(code)) fail(`countries.${index}`, `${code} is listed twice`);
    else seen.add(code);
  });
  return [...seen];
}

/** Why a YYYY-MM-DD names no day of the calendar ("2027-02-30 is not a date: February 2027 has 28 days"), if it does not. */
function impossibleDate(text: string): string | undefined {
  const [year, month, day] = text.split('-').map(Number) as [number, number, number];
  if (month < 1 || month > 12) return `${text} is not a date: a year has 12 months, and ${String(month).padStart(2, '0')} is not one of them`;
  if (day < 1) return `${text} is not a date: the days of a month start at 01`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day <= daysInMonth) return undefined;
  const monthName = new Intl.DateTimeFormat('en', { month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(year, month - 1, 1)));
  return `${text} is not a date: ${monthName} ${year} has ${daysInMonth} days`;
}

function auditDetails(row: CampaignRow) {
  return {
    name: row.name, credit: { amount: row.credit_amount, currency: row.credit_currency }, validityDays: row.validity_days,
    redeemBy: row.redeem_by, countries: parseCountries(row.countries), passesPerAccount: row.passes_per_account,
  };
}

/** The one mapping from a stored campaign to what the API, CLI and pages show. */
export function toCampaignView(row: CampaignRow, stats: CampaignStats): CampaignView {
  return {
    id: row.id,
    name: row.name,
    credit: { amount: Number(row.credit_amount), currency: row.credit_currency },
    validityDays: row.validity_days,
    redeemBy: row.redeem_by,
    countries: parseCountries(row.countries),
    passesPerAccount: row.passes_per_account,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    stats: { issued: stats.issued, redeemed: stats.redeemed, activated: stats.activated, revoked: stats.revoked, expired: stats.expired },
  };
}
