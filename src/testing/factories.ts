// Test data factories: build what a test needs directly through repositories and services,
// without the slow password path, so no test depends on another.
import { randomBytes } from 'node:crypto';
import type { App } from '../app.ts';
import { sessionCookieName } from '../http/auth.ts';
import type { Config } from '../config.ts';
import { newId } from '../lib/ids.ts';
import { normalizeEmail } from '../modules/accounts/accounts.repository.ts';
import type { AccountKind } from '../modules/accounts/accounts.table.ts';

export interface TestAccount {
  id: string;
  email: string;
  /** `cookie` header value of a signed-in session for this account. */
  cookie: string;
}

let counter = 0;
export const uniqueEmail = (prefix = 'person') => `${prefix}.${Date.now().toString(36)}${(counter++).toString(36)}${randomBytes(2).toString('hex')}@example.test`;

/** An account inserted directly (verified unless said otherwise), with a signed-in session. */
export async function createAccount(app: App, config: Config, options: {
  email?: string; kind?: AccountKind; organizationId?: string; country?: string; verified?: boolean;
  displayName?: string; operatorAdmin?: boolean; passwordHash?: string | null;
} = {}): Promise<TestAccount> {
  const db = app.services.db;
  const now = new Date().toISOString();
  const email = options.email ?? uniqueEmail();
  const kind = options.kind ?? 'personal';
  let organizationId = options.organizationId ?? null;
  if (kind === 'organizational' && !organizationId) {
    organizationId = newId();
    await db.insertInto('organizations').values({ id: organizationId, name: `Org ${organizationId.slice(0, 6)}`, created_at: now, oidc_issuer: null, oidc_client_id: null, oidc_client_secret: null }).execute();
  }
  const id = newId();
  await db.insertInto('accounts').values({
    id, kind, organization_id: organizationId, organization_role: kind === 'organizational' ? 'member' : null,
    email, email_normalized: normalizeEmail(email), display_name: options.displayName ?? 'Test Person', country: options.country ?? 'FI',
    password_hash: options.passwordHash ?? null, email_verified_at: options.verified === false ? null : now,
    operator_admin: options.operatorAdmin ? 1 : 0, oidc_subject: null, created_at: now, updated_at: now,
  }).execute();
  return { id, email, cookie: await signedInCookie(app, config, id) };
}

export async function signedInCookie(app: App, config: Config, accountId: string): Promise<string> {
  const { token } = await app.services.sessions.start(accountId);
  return `${sessionCookieName(config)}=${token}`;
}

/** `authorization` header value of a new API key. */
export async function apiKeyHeader(app: App, scope: 'operator' | 'platform' = 'operator'): Promise<string> {
  const { key } = await app.services.apiKeys.create({ name: `test ${scope} ${counter++}`, scope });
  return `Bearer ${key}`;
}
