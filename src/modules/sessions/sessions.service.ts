// Server-side sessions: an opaque random token in the cookie, only its hash in the database.
import { createHash, randomBytes } from 'node:crypto';
import Tokens from '@fastify/csrf';
import type { Db, DbOrTrx } from '../../db/database.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import * as repo from './sessions.repository.ts';

export const IDLE_TIMEOUT_MS = 30 * 60 * 1000;
export const ABSOLUTE_TIMEOUT_MS = 12 * 60 * 60 * 1000;
/** last_seen_at is written at most this often, so reading pages does not write on every request. */
const TOUCH_INTERVAL_MS = 60 * 1000;

/** What a session carries besides its account: the pending promo code, flash notices, sign-in state. */
export interface SessionData {
  pendingCode?: { code: string; country: string };
  /** Where to go after signing in. */
  returnTo?: string;
  notice?: string;
  /** A sign-in through an organization's provider, from its start until the provider sends the browser back. */
  oidc?: { organizationId: string; state: string; nonce: string; codeVerifier: string; startedAt: string };
  [key: string]: unknown;
}

/**
 * Who a session is signed in as: everything a request needs of its account (pages, guards, the audit
 * actor), read with the session in one query. The same shape as the accounts module's AccountView, which
 * src/http/auth.ts assigns it to, so the compiler says when the two drift apart.
 */
export interface SignedInAccount {
  id: string;
  email: string;
  displayName: string;
  kind: 'personal' | 'organizational';
  organization: { id: string; name: string } | null;
  emailVerified: boolean;
  country: string;
  operatorAdmin: boolean;
  organizationRole: 'admin' | 'member' | null;
  hasPassword: boolean;
}

export interface Session {
  tokenHash: string;
  accountId: string | null;
  csrfSecret: string;
  data: SessionData;
  createdAt: string;
  expiresAt: string;
}

const csrfTokens = (Tokens as unknown as (options?: object) => { secretSync(): string; create(secret: string): string; verify(secret: string, token: string): boolean })();

/** What the sessions table keeps of a cookie token. */
export const hashSessionToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createSessionService(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;

  async function start(accountId: string | null, data: SessionData = {}): Promise<{ token: string; session: Session }> {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    const row = {
      token_hash: hashSessionToken(token),
      account_id: accountId,
      csrf_secret: csrfTokens.secretSync(),
      data: JSON.stringify(data),
      created_at: iso(now),
      last_seen_at: iso(now),
      expires_at: iso(addMs(now, ABSOLUTE_TIMEOUT_MS)),
    };
    await repo.insertSession(db, row);
    return { token, session: toSession(row) };
  }

  /**
   * The live session for a cookie token with its signed-in account, or undefined when unknown, idle too
   * long or past its end.
   */
  async function resume(token: string): Promise<{ session: Session; account: SignedInAccount | undefined } | undefined> {
    const tokenHash = hashSessionToken(token);
    const found = await repo.findSessionWithAccount(db, tokenHash);
    if (!found) return undefined;
    const row = found.session;
    const now = clock.now();
    const idleSince = now.getTime() - Date.parse(row.last_seen_at);
    if (Date.parse(row.expires_at) <= now.getTime() || idleSince >= IDLE_TIMEOUT_MS) {
      await repo.deleteSession(db, tokenHash);
      return undefined;
    }
    if (idleSince >= TOUCH_INTERVAL_MS) await repo.updateSession(db, tokenHash, { last_seen_at: iso(now) });
    return { session: toSession(row), account: found.account && toSignedInAccount(found.account) };
  }

  /** Signing in always issues a new token (no fixation); what the visitor was doing is carried over. */
  async function signIn(previous: Session | undefined, accountId: string): Promise<{ token: string; session: Session }> {
    if (previous) await repo.deleteSession(db, previous.tokenHash);
    const { notice: _notice, oidc: _oidc, ...carried } = previous?.data ?? {};
    return start(accountId, carried);
  }

  /** Ends the session on the server. With keepData, a fresh anonymous session keeps e.g. the pending code. */
  async function signOut(session: Session, options: { keepData?: boolean } = {}) {
    await repo.deleteSession(db, session.tokenHash);
    if (options.keepData) {
      const { pendingCode, returnTo } = session.data;
      return start(null, { pendingCode, returnTo });
    }
    return undefined;
  }

  async function saveData(session: Session, data: SessionData): Promise<void> {
    session.data = data;
    await repo.updateSession(db, session.tokenHash, { data: JSON.stringify(data) });
  }

  async function endOtherSessions(accountId: string, keep?: { tokenHash: string }): Promise<void> {
    await repo.deleteSessionsOfAccount(db, accountId, keep?.tokenHash);
  }

  /** Every session of the account ends with the caller's transaction (a removed member is signed out at once). */
  async function endAllSessions(trx: DbOrTrx, accountId: string): Promise<void> {
    await repo.deleteSessionsOfAccount(trx, accountId);
  }

  async function purgeExpired(): Promise<number> {
    const now = clock.now();
    return repo.deleteExpiredSessions(db, iso(now), iso(addMs(now, -IDLE_TIMEOUT_MS)));
  }

  const csrfToken = (session: Session) => csrfTokens.create(session.csrfSecret);
  const verifyCsrf = (session: Session, token: string) => csrfTokens.verify(session.csrfSecret, token);

  return { start, resume, signIn, signOut, saveData, endOtherSessions, endAllSessions, purgeExpired, csrfToken, verifyCsrf };
}

export type SessionService = ReturnType<typeof createSessionService>;

function toSession(row: repo.SessionRow): Session {
  return {
    tokenHash: row.token_hash,
    accountId: row.account_id,
    csrfSecret: row.csrf_secret,
    data: JSON.parse(row.data) as SessionData,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

function toSignedInAccount(row: repo.SessionAccountRow): SignedInAccount {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    kind: row.kind,
    organization: row.organization_id ? { id: row.organization_id, name: row.organization_name ?? '' } : null,
    emailVerified: row.email_verified_at !== null,
    country: row.country,
    operatorAdmin: row.operator_admin === 1,
    organizationRole: row.organization_role,
    hasPassword: Boolean(row.has_password),
  };
}
