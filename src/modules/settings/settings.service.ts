// Values the operator sets at run time: the free trial (off until an operator turns it on), the
// program's branding (its name in the header, titles and emails; support address; privacy and terms
// links; the cloud console link of active subscriptions), and the lifecycle of subscriptions after
// activation (retention before deletion, when recipients are warned).
import type { Db, DbOrTrx } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { ValidationError, type FieldError } from '../../lib/errors.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import * as repo from './settings.repository.ts';

export interface FreeTrialSettings {
  /** Off by default: until an operator turns it on, /offers does not list it and nobody can start one. */
  enabled: boolean;
  credit: { amount: number; currency: string };
  days: number;
}

export interface BrandingSettings {
  /** Shown in the header, titles and emails instead of "cloudpass". */
  programName: string;
  supportEmail: string | null;
  privacyUrl: string | null;
  termsUrl: string | null;
  /** e.g. `https://console.example.org/subscriptions/{externalId}`: an active subscription's "Open the cloud console" link. */
  consoleUrlTemplate: string | null;
}

const FREE_TRIAL_KEY = 'free-trial';
const BRANDING_KEY = 'branding';
export const defaultFreeTrial: FreeTrialSettings = { enabled: false, credit: { amount: 20000, currency: 'USD' }, days: 30 };
export const defaultBranding: BrandingSettings = { programName: 'cloudpass', supportEmail: null, privacyUrl: null, termsUrl: null, consoleUrlTemplate: null };
const MAX_DAYS = 3650;
const MAX_AMOUNT = 1_000_000_000_00;
export const MAX_PROGRAM_NAME = 60;
/**
 * How long an instance shows branding it read before reading it again: pages render synchronously with the
 * last value read, so a change made on another instance shows there within this time (on this one, at once).
 */
const BRANDING_REFRESH_MS = 10_000;

export function createSettingsService(deps: { db: Db; clock: Clock; audit: AuditService }) {
  const { db, clock, audit } = deps;

  /** The operator's free-trial offer, or the default (off; 200.00 USD for 30 days when turned on) until one is set. */
  async function freeTrial(handle: DbOrTrx = db): Promise<FreeTrialSettings> {
    const row = await repo.findSetting(handle, FREE_TRIAL_KEY);
    if (!row) return structuredClone(defaultFreeTrial);
    // Values saved before the trial could be turned off carry no `enabled`: off, like every new install.
    const parsed = parseFreeTrial({ enabled: false, ...(JSON.parse(row.value) as object) });
    return parsed.errors.length === 0 ? parsed.value : structuredClone(defaultFreeTrial);
  }

  /** Sets what the input says and keeps the rest: `{enabled: false}` alone turns the trial off. */
  async function updateFreeTrial(input: unknown, actor: Actor): Promise<FreeTrialSettings> {
    return db.transaction().execute(async (trx) => {
      const current = await freeTrial(trx);
      const body = (input ?? {}) as Partial<FreeTrialSettings>;
      const { value, errors } = parseFreeTrial({
        enabled: body.enabled ?? current.enabled, credit: body.credit ?? current.credit, days: body.days ?? current.days,
      });
      if (errors.length > 0) throw new ValidationError(errors);
      await repo.saveSetting(trx, FREE_TRIAL_KEY, JSON.stringify(value), iso(clock.now()));
      await audit.record(trx, actor, 'settings.free_trial_updated', 'setting', FREE_TRIAL_KEY, { ...value });
      return value;
    });
  }

  let brandingCache: { value: BrandingSettings; readAt: number } | undefined;
  let brandingRead: Promise<BrandingSettings> | undefined;

  async function branding(handle: DbOrTrx = db): Promise<BrandingSettings> {
    const row = await repo.findSetting(handle, BRANDING_KEY);
    const value = row ? parseBranding({ ...defaultBranding, ...(JSON.parse(row.value) as object) }) : undefined;
    const read = value && value.errors.length === 0 ? value.value : structuredClone(defaultBranding);
    if (handle === db) brandingCache = { value: read, readAt: clock.now().getTime() };
    return read;
  }

  /**
   * The branding as last read, for rendering pages without waiting: reads it again in the background when
   * older than BRANDING_REFRESH_MS. Before the first read finishes (or when the database cannot say), the default.
   */
  function currentBranding(): BrandingSettings {
    const stale = !brandingCache || clock.now().getTime() - brandingCache.readAt > BRANDING_REFRESH_MS;
    if (stale && !brandingRead) {
      brandingRead = branding().catch(() => brandingCache?.value ?? defaultBranding).finally(() => { brandingRead = undefined; });
    }
    return brandingCache?.value ?? defaultBranding;
  }

  async function updateBranding(input: unknown, actor: Actor): Promise<BrandingSettings> {
    const value = await db.transaction().execute(async (trx) => {
      const current = await branding(trx);
      const { value, errors } = parseBranding({ ...current, ...(input as object | undefined) });
      if (errors.length > 0) throw new ValidationError(errors);
      await repo.saveSetting(trx, BRANDING_KEY, JSON.stringify(value), iso(clock.now()));
      await audit.record(trx, actor, 'settings.branding_updated', 'setting', BRANDING_KEY, { ...value });
      return value;
    });
    brandingCache = { value, readAt: clock.now().getTime() };
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

  return { freeTrial, updateFreeTrial, lifecycle, updateLifecycle, branding, currentBranding, updateBranding };
}

export type SettingsService = ReturnType<typeof createSettingsService>;

/** An active subscription's link into the cloud console, when the operator set a template and the platform gave an id. */
export function consoleUrlOf(template: string | null, externalId: string | null): string | null {
  if (!template || !externalId) return null;
  return template.replaceAll('{externalId}', encodeURIComponent(externalId));
}

function parseFreeTrial(input: unknown): { value: FreeTrialSettings; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const body = (input ?? {}) as { enabled?: unknown; credit?: { amount?: unknown; currency?: unknown }; days?: unknown };
  const amount = body.credit?.amount;
  const currency = typeof body.credit?.currency === 'string' ? body.credit.currency.trim().toUpperCase() : '';
  if (typeof body.enabled !== 'boolean') errors.push({ path: 'enabled', message: 'enabled must be true or false.' });
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount) || amount <= 0 || amount > MAX_AMOUNT) {
    errors.push({ path: 'credit.amount', message: 'Credit must be a positive whole number of minor units (20000 is 200.00 USD).' });
  }
  if (!/^[A-Z]{3}$/.test(currency)) errors.push({ path: 'credit.currency', message: 'Currency must be a three-letter ISO 4217 code such as USD.' });
  const days = body.days;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    errors.push({ path: 'days', message: `Days must be a whole number from 1 to ${MAX_DAYS}.` });
  }
  return { value: { enabled: body.enabled === true, credit: { amount: amount as number, currency }, days: days as number }, errors };
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Blank is "not set"; a URL must be http(s) and absolute. */
function optionalUrl(value: unknown, path: string, errors: FieldError[], message: string): string | null {
  if (value === null || value === undefined) return null;
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '') return null;
  try {
    const url = new URL(text);
    if ((url.protocol === 'https:' || url.protocol === 'http:') && text.length <= 2000) return text;
  } catch { /* reported below */ }
  errors.push({ path, message });
  return null;
}

function parseBranding(input: unknown): { value: BrandingSettings; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const body = (input ?? {}) as Record<string, unknown>;
  const programName = typeof body.programName === 'string' ? body.programName.trim() : '';
  // oxlint-disable-next-line no-control-regex -- refusing control characters is the point
  if (programName.length < 1 || programName.length > MAX_PROGRAM_NAME || /[\u0000-\u001f\u007f]/.test(programName)) {
    errors.push({ path: 'programName', message: `The program name must be 1 to ${MAX_PROGRAM_NAME} characters on one line.` });
  }
  let supportEmail: string | null = null;
  if (typeof body.supportEmail === 'string' && body.supportEmail.trim() !== '') {
    supportEmail = body.supportEmail.trim();
    if (!EMAIL.test(supportEmail) || supportEmail.length > 254) errors.push({ path: 'supportEmail', message: 'Enter the support email address like support@example.org, or leave it empty.' });
  } else if (body.supportEmail !== null && body.supportEmail !== undefined && typeof body.supportEmail !== 'string') {
    errors.push({ path: 'supportEmail', message: 'Enter the support email address like support@example.org, or leave it empty.' });
  }
  const privacyUrl = optionalUrl(body.privacyUrl, 'privacyUrl', errors, 'Enter the privacy page as a full address starting with https://, or leave it empty.');
  const termsUrl = optionalUrl(body.termsUrl, 'termsUrl', errors, 'Enter the terms page as a full address starting with https://, or leave it empty.');
  const consoleUrlTemplate = optionalUrl(body.consoleUrlTemplate, 'consoleUrlTemplate', errors, 'Enter the cloud console address starting with https://, with {externalId} where the subscription\'s id goes, or leave it empty.');
  if (consoleUrlTemplate !== null && !consoleUrlTemplate.includes('{externalId}')) {
    errors.push({ path: 'consoleUrlTemplate', message: 'Put {externalId} in the cloud console address where the subscription\'s id goes, e.g. https://console.example.org/subscriptions/{externalId}.' });
  }
  return { value: { programName, supportEmail, privacyUrl, termsUrl, consoleUrlTemplate }, errors };
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
