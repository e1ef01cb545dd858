// Values the operator sets at run time: the free trial's credit and length, and the lifecycle of
// subscriptions after activation (retention before deletion, when recipients are warned).
import type { Db, DbOrTrx } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { ValidationError, type FieldError } from '../../lib/errors.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import * as repo from './settings.repository.ts';

export interface FreeTrialSettings {
  credit: { amount: number; currency: string };
  days: number;
}

const FREE_TRIAL_KEY = 'free-trial';
export const defaultFreeTrial: FreeTrialSettings = { credit: { amount: 20000, currency: 'USD' }, days: 30 };
const MAX_DAYS = 3650;
const MAX_AMOUNT = 1_000_000_000_00;

export function createSettingsService(deps: { db: Db; clock: Clock; audit: AuditService }) {
  const { db, clock, audit } = deps;

  /** The operator's free-trial offer, or the default (200.00 USD for 30 days) until one is set. */
  async function freeTrial(handle: DbOrTrx = db): Promise<FreeTrialSettings> {
    const row = await repo.findSetting(handle, FREE_TRIAL_KEY);
    if (!row) return structuredClone(defaultFreeTrial);
    const parsed = parseFreeTrial(JSON.parse(row.value));
    return parsed.errors.length === 0 ? parsed.value : structuredClone(defaultFreeTrial);
  }

  async function updateFreeTrial(input: unknown, actor: Actor): Promise<FreeTrialSettings> {
    const { value, errors } = parseFreeTrial(input);
    if (errors.length > 0) throw new ValidationError(errors);
    await db.transaction().execute(async (trx) => {
      await repo.saveSetting(trx, FREE_TRIAL_KEY, JSON.stringify(value), iso(clock.now()));
      await audit.record(trx, actor, 'settings.free_trial_updated', 'setting', FREE_TRIAL_KEY, { ...value });
    });
    return value;
  }

  /** How long stopped subscriptions are kept and when recipients are warned; the defaults until the operator sets them. */
  async function lifecycle(handle: DbOrTrx = db): Promise<LifecycleSettings> {
    const row = await repo.findSetting(handle, LIFECYCLE_KEY);
    if (!row) return structuredClone(defaultLifecycle);
    const parsed = parseLifecycle(JSON.parse(row.value));
    return parsed.errors.length === 0 ? parsed.value : structuredClone(defaultLifecycle);
  }

  async function updateLifecycle(input: unknown, actor: Actor): Promise<LifecycleSettings> {
    const { value, errors } = parseLifecycle(input);
    if (errors.length > 0) throw new ValidationError(errors);
    await db.transaction().execute(async (trx) => {
      await repo.saveSetting(trx, LIFECYCLE_KEY, JSON.stringify(value), iso(clock.now()));
      await audit.record(trx, actor, 'settings.lifecycle_updated', 'setting', LIFECYCLE_KEY, { ...value });
    });
    return value;
  }

  return { freeTrial, updateFreeTrial, lifecycle, updateLifecycle };
}

export interface LifecycleSettings {
  /** Days a disabled, expired or cancelled subscription is kept (and can be exported) before it is deleted; 0 deletes at once. */
  retentionDays: number;
  /** Percentages of the credit used at which the recipient is warned, ascending. */
  creditWarningsPercent: number[];
  /** Days before the end date at which the recipient is warned, descending. */
  endWarningsDays: number[];
}

const LIFECYCLE_KEY = 'lifecycle';
export const defaultLifecycle: LifecycleSettings = { retentionDays: 90, creditWarningsPercent: [50, 80, 95], endWarningsDays: [7, 1] };
export const MAX_RETENTION_DAYS = 3650;

function parseLifecycle(input: unknown): { value: LifecycleSettings; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const body = (input ?? {}) as { retentionDays?: unknown; creditWarningsPercent?: unknown; endWarningsDays?: unknown };
  const retentionDays = body.retentionDays;
  if (typeof retentionDays !== 'number' || !Number.isInteger(retentionDays) || retentionDays < 0 || retentionDays > MAX_RETENTION_DAYS) {
    errors.push({ path: 'retentionDays', message: `Retention must be a whole number of days from 0 to ${MAX_RETENTION_DAYS}.` });
  }
  const list = (value: unknown, path: string, min: number, max: number, what: string): number[] => {
    if (!Array.isArray(value) || value.length > 10 || value.some((n) => typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max)) {
      errors.push({ path, message: `${what} must be a list of up to 10 whole numbers from ${min} to ${max}.` });
      return [];
    }
    return [...new Set(value as number[])];
  };
  const creditWarningsPercent = list(body.creditWarningsPercent, 'creditWarningsPercent', 1, 100, 'Credit warnings').sort((a, b) => a - b);
  const endWarningsDays = list(body.endWarningsDays, 'endWarningsDays', 1, 365, 'End warnings').sort((a, b) => b - a);
  return { value: { retentionDays: retentionDays as number, creditWarningsPercent, endWarningsDays }, errors };
}

export type SettingsService = ReturnType<typeof createSettingsService>;

function parseFreeTrial(input: unknown): { value: FreeTrialSettings; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const body = (input ?? {}) as { credit?: { amount?: unknown; currency?: unknown }; days?: unknown };
  const amount = body.credit?.amount;
  const currency = typeof body.credit?.currency === 'string' ? body.credit.currency.trim().toUpperCase() : '';
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT) {
    errors.push({ path: 'credit.amount', message: 'Credit must be a positive whole number of minor units (20000 is 200.00 USD).' });
  }
  if (!/^[A-Z]{3}$/.test(currency)) errors.push({ path: 'credit.currency', message: 'Currency must be a three-letter ISO 4217 code such as USD.' });
  const days = body.days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    errors.push({ path: 'days', message: `Days must be a whole number from 1 to ${MAX_DAYS}.` });
  }
  return { value: { credit: { amount: amount as number, currency }, days: days as number }, errors };
}
