// Who is calling: an API key (Authorization: Bearer) or a session cookie; plus the guards routes use,
// CSRF on page forms and the Origin/JSON rule for cookie-authenticated API calls.
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Config } from '../config.ts';
import { DomainError } from '../lib/errors.ts';
import type { Actor } from '../modules/audit/audit.service.ts';
import type { AccountView } from '../modules/accounts/account-view.ts';
import type { ApiKeyService, ApiKeyView } from '../modules/apikeys/apikeys.service.ts';
import { ABSOLUTE_TIMEOUT_MS, type Session, type SessionService } from '../modules/sessions/sessions.service.ts';

declare module 'fastify' {
  interface FastifyRequest {
    apiKey: ApiKeyView | null;
    session: Session | null;
    account: AccountView | null;
  }
}

export const sessionCookieName = (config: Config) =>
  config.publicUrl.protocol === 'https:' ? '__Host-cloudpass_session' : 'cloudpass_session';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function registerAuth(app: FastifyInstance, deps: { config: Config; sessions: SessionService; apiKeys: ApiKeyService }) {
  const { config, sessions, apiKeys } = deps;
  const cookieName = sessionCookieName(config);
  const secure = config.publicUrl.protocol === 'https:';

  app.decorateRequest('apiKey', null);
  app.decorateRequest('session', null);
  app.decorateRequest('account', null);

  app.addHook('onRequest', async (request) => {
    // A route that checks its own Authorization header (/metrics and its token) is no API-key route.
    if ((request.routeOptions.config as { ownAuthorization?: boolean } | undefined)?.ownAuthorization) return;
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer) {
      request.apiKey = (await apiKeys.authenticate(bearer)) ?? null;
      if (!request.apiKey) throw new DomainError('unauthenticated', 'The API key is not valid.');
      return;
    }
    const token = request.cookies[cookieName];
    if (!token) return;
    const resumed = await sessions.resume(token);
    if (!resumed) return;
    request.session = resumed.session;
    request.account = resumed.account ?? null;
  });

  // Cookie-authenticated API writes must be JSON and, when the browser says where it comes from, come from us.
  app.addHook('preHandler', async (request) => {
    if (SAFE_METHODS.has(request.method) || request.apiKey || !request.session) return;
    const origin = request.headers.origin;
    if (origin !== undefined && origin !== config.publicUrl.origin) {
      throw new DomainError('origin_mismatch', 'This request comes from another site and was refused.');
    }
    if (!request.url.startsWith('/api/')) return;
    if (request.body !== undefined && !isJson(request)) {
      throw new DomainError('csrf_failed', 'Requests signed in with a cookie must send JSON.');
    }
  });

  return {
    setSessionCookie(reply: FastifyReply, token: string) {
      reply.setCookie(cookieName, token, {
        httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: Math.floor(ABSOLUTE_TIMEOUT_MS / 1000),
      });
    },
    clearSessionCookie(reply: FastifyReply) {
      reply.clearCookie(cookieName, { httpOnly: true, sameSite: 'lax', path: '/', secure });
    },
  };
}

export type SessionCookies = ReturnType<typeof registerAuth>;

const isJson = (request: FastifyRequest) => /^application\/([a-z.+-]*\+)?json\b/i.test(request.headers['content-type'] ?? '');

/** Signed-in recipient (any account kind). */
export const requireAccount: preHandlerAsyncHookHandler = async (request) => {
  if (!request.account) throw new DomainError('unauthenticated', 'Sign in to continue.');
};

/** An operator key, or an operator admin's session. */
export const requireOperator: preHandlerAsyncHookHandler = async (request) => {
  if (request.apiKey) {
    if (request.apiKey.scope !== 'operator') throw new DomainError('forbidden', 'This API key may not use operator endpoints.');
    return;
  }
  if (!request.account) throw new DomainError('unauthenticated', 'An operator API key or an operator admin session is required.');
  if (!request.account.operatorAdmin) throw new DomainError('forbidden', 'Only operator admins may do this.');
};

/** A signed-in account (it reads its own things) or an operator (it reads anyone's): see `ownerScope`. */
export const requireAccountOrOperator: preHandlerAsyncHookHandler = async (request) => {
  if (request.apiKey) {
    if (request.apiKey.scope !== 'operator') throw new DomainError('forbidden', 'This API key may not use this endpoint.');
    return;
  }
  if (!request.account) throw new DomainError('unauthenticated', 'Sign in to continue.');
};

/** Whose things a request may read: the signed-in account's id, or null for an operator (everyone's). */
export function ownerScope(request: FastifyRequest): string | null {
  if (request.apiKey?.scope === 'operator' || request.account?.operatorAdmin) return null;
  if (!request.account) throw new DomainError('unauthenticated', 'Sign in to continue.');
  return request.account.id;
}

export const requirePlatform: preHandlerAsyncHookHandler = async (request) => {
  if (!request.apiKey) throw new DomainError('unauthenticated', 'A platform API key is required.');
  if (request.apiKey.scope !== 'platform') throw new DomainError('forbidden', 'This API key may not use platform endpoints.');
};

/** Who the audit trail names for this request. */
export function actorOf(request: FastifyRequest): Actor {
  if (request.apiKey) return { type: 'apikey', id: request.apiKey.id, label: `key ${request.apiKey.name}` };
  if (request.account?.operatorAdmin) return { type: 'admin', id: request.account.id, label: request.account.email };
  if (request.account) return { type: 'account', id: request.account.id, label: request.account.email };
  return { type: 'system', id: null, label: 'anonymous' };
}

/** Page forms carry the session's CSRF token in `_csrf`; a form without a valid one changes nothing. */
export function registerPageCsrf(app: FastifyInstance, sessions: SessionService) {
  app.addHook('preHandler', async (request) => {
    if (SAFE_METHODS.has(request.method) || request.url.startsWith('/api/') || request.apiKey) return;
    const token = (request.body as Record<string, unknown> | undefined)?._csrf;
    if (!request.session || typeof token !== 'string' || !sessions.verifyCsrf(request.session, token)) {
      throw new DomainError('csrf_failed', 'This form has expired. Go back, reload the page and try again.');
    }
  });
}
