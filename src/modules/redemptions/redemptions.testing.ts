// Test data for redemptions: a campaign with hashed codes inserted directly, and small HTTP helpers.
import { randomInt } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../../app.ts';
import { deriveKey, type Config } from '../../config.ts';
import { newId } from '../../lib/ids.ts';
import { CODE_ALPHABET, generatePassCodes, hashPassCode, lastFour, normalizePassCode } from '../codes/pass-code.ts';

export interface TestCampaign {
  id: string;
  name: string;
  /** Formatted codes, XXXX-XXXX-XXXX-XXXX, all issued. */
  codes: string[];
}

export async function createCampaignWithCodes(app: App, config: Config, options: {
  count?: number; name?: string; countries?: string[] | null; passesPerAccount?: number; status?: 'active' | 'paused' | 'closed';
  redeemBy?: string; creditAmount?: number; currency?: string; validityDays?: number;
} = {}): Promise<TestCampaign> {
  const db = app.services.db;
  const now = new Date().toISOString();
  const id = newId();
  const name = options.name ?? `Workshop pass ${id.slice(0, 4)}`;
  await db.insertInto('campaigns').values({
    id, name, credit_amount: options.creditAmount ?? 10_000, credit_currency: options.currency ?? 'USD',
    validity_days: options.validityDays ?? 30, redeem_by: options.redeemBy ?? '2099-12-31',
    countries: options.countries ? JSON.stringify(options.countries) : null, passes_per_account: options.passesPerAccount ?? 1,
    status: options.status ?? 'active', created_at: now, updated_at: now,
  }).execute();
  const batchId = newId();
  const codes = generatePassCodes(options.count ?? 3);
  await db.insertInto('code_batches').values({ id: batchId, campaign_id: id, size: codes.length, created_at: now, created_by: 'test' }).execute();
  const key = deriveKey(config.secret, 'pass-codes');
  await db.insertInto('pass_codes').values(codes.map((code) => {
    const normalized = normalizePassCode(code);
    return {
      code_hash: hashPassCode(normalized, key), campaign_id: id, batch_id: batchId, last4: lastFour(normalized), state: 'issued' as const,
      created_at: now, redeemed_at: null, account_id: null, revoked_at: null,
    };
  })).execute();
  return { id, name, codes };
}

export function codeHashOf(config: Config, code: string): string {
  return hashPassCode(normalizePassCode(code), deriveKey(config.secret, 'pass-codes'));
}

/** A well-formed code (right check symbol) that was never issued. */
export const neverIssuedCode = (): string => generatePassCodes(1)[0] as string;

/** The same code with one symbol changed: the check symbol catches it. */
export function mistype(code: string): string {
  const chars = [...code];
  const i = chars.findIndex((c) => c !== '-');
  const current = CODE_ALPHABET.indexOf(chars[i] as string);
  chars[i] = CODE_ALPHABET.charAt((current + 1) % CODE_ALPHABET.length);
  return chars.join('');
}

/** How people type codes from paper: lower case, spaces instead of hyphens. */
export const typedCasually = (code: string): string => code.toLowerCase().replace(/-/g, ' ');

/** A client address of its own, so throttling in one test does not touch another. */
export const uniqueAddress = (): string => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

/** Minimal cookie jar for page flows through app.inject. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  set(name: string, value: string): void {
    this.cookies.set(name, value);
  }

  get(name: string): string | undefined {
    return this.cookies.get(name);
  }

  take(response: { headers: Record<string, unknown> }): void {
    const raw = response.headers['set-cookie'];
    const lines = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
    for (const line of lines as string[]) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

export function csrfTokenOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error('no CSRF token in the page');
  return match[1] as string;
}

/** A browser without JavaScript, through app.inject: GETs, and form POSTs carrying the last page's CSRF token. */
export interface FormVisitor {
  get: (url: string) => Promise<LightMyRequestResponse>;
  post: (url: string, fields: Record<string, string>) => Promise<LightMyRequestResponse>;
  /** Takes on a session cookie ("name=value"), e.g. a factory account's. */
  useCookie: (cookie: string) => void;
  /** The client address it sends from. */
  address: string;
}

export function formVisitor(app: App, options: { language?: string; address?: string; cookie?: string } = {}): FormVisitor {
  const jar = new CookieJar();
  const address = options.address ?? uniqueAddress();
  let lastHtml = '';
  const headers = () => ({ cookie: jar.header(), accept: 'text/html', 'accept-language': options.language ?? 'en' });
  const keep = (response: LightMyRequestResponse) => {
    jar.take(response);
    if (response.headers['content-type']?.toString().startsWith('text/html')) lastHtml = response.body;
    return response;
  };
  const useCookie = (cookie: string) => {
    const [name, value] = cookie.split('=') as [string, string];
    jar.set(name, value);
  };
  if (options.cookie) useCookie(options.cookie);
  return {
    get: async (url) => keep(await app.inject({ url, headers: headers(), remoteAddress: address })),
    post: async (url, fields) => keep(await app.inject({
      method: 'POST', url, remoteAddress: address, headers: { ...headers(), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfTokenOf(lastHtml), ...fields }).toString(),
    })),
    useCookie,
    address,
  };
}
