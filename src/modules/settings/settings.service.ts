// Values the operator sets at run time: for now the free trial's credit and length.
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

  return { freeTrial, updateFreeTrial };
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
