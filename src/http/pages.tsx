// What every server-rendered page needs: a session (made on demand, for the CSRF token and the
// pending code), the signed-in account for the layout, and HTML error pages instead of problem JSON.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TOptional, type TString } from '@sinclair/typebox';
import type { SessionCookies } from './auth.ts';
import { SOURCE_LOCALE, translator } from '../i18n/catalogue.ts';
import { errorText } from '../i18n/error-text.ts';
import { DomainError } from '../lib/errors.ts';
import type { AccountView } from '../modules/accounts/account-view.ts';
import type { Session, SessionService } from '../modules/sessions/sessions.service.ts';
import type { LayoutAccount } from '../web/layout.tsx';
import { Layout } from '../web/layout.tsx';
import { sendPage } from '../web/render.ts';
import type { Problem } from './problem.ts';
import { MultiLineText, SingleLineText } from './schemas.ts';

export interface PageContext {
  session: Session;
  csrfToken: string;
  account: LayoutAccount | null;
}

export function createPageSupport(deps: { sessions: SessionService; cookies: SessionCookies }) {
  const { sessions, cookies } = deps;

  /** The visitor's session, started (anonymous) when there is none yet. */
  async function ensureSession(request: FastifyRequest, reply: FastifyReply): Promise<Session> {
    if (request.session) return request.session;
    const { token, session } = await sessions.start(null);
    cookies.setSessionCookie(reply, token);
    request.session = session;
    return session;
  }

  async function pageContext(request: FastifyRequest, reply: FastifyReply): Promise<PageContext> {
    const session = await ensureSession(request, reply);
    return { session, csrfToken: sessions.csrfToken(session), account: layoutAccount(request) };
  }

  /** Signed out: remember the page they were opening and send them to sign in (then undefined). */
  async function signedIn(request: FastifyRequest, reply: FastifyReply): Promise<AccountView | undefined> {
    if (request.account) return request.account;
    const session = await ensureSession(request, reply);
    if (request.method === 'GET') await sessions.saveData(session, { ...session.data, returnTo: request.url });
    reply.redirect('/signin', 303);
    return undefined;
  }

  /** Signed out: to sign-in and back. Signed in without operator rights: 403 with `forbidden` as the reason. */
  async function operatorPage(request: FastifyRequest, reply: FastifyReply, forbidden: string): Promise<PageContext | undefined> {
    const account = await signedIn(request, reply);
    if (!account) return undefined;
    if (!account.operatorAdmin) throw new DomainError('forbidden', forbidden);
    return pageContext(request, reply);
  }

  return { ensureSession, pageContext, signedIn, operatorPage };
}

export type PageSupport = ReturnType<typeof createPageSupport>;

export function layoutAccount(request: FastifyRequest): LayoutAccount | null {
  const account = request.account;
  if (!account) return null;
  return {
    email: account.email, displayName: account.displayName, kind: account.kind,
    organizationName: account.organization?.name ?? null, operatorAdmin: account.operatorAdmin,
    organizationAdmin: account.kind === 'organizational' && account.organizationRole === 'admin',
  };
}

/**
 * Page form bodies: every field an optional line of text up to `maxLength` (no control characters, see
 * src/http/schemas.ts), the `multiLine` ones several lines; `_csrf` is listed, or validation would strip it.
 */
export function formBody(names: readonly string[] = [], maxLength = 10_000, multiLine: readonly string[] = []) {
  const properties: Record<string, TOptional<TString>> = {};
  for (const name of ['_csrf', ...names]) {
    properties[name] = Type.Optional(multiLine.includes(name) ? MultiLineText({ maxLength }) : SingleLineText({ maxLength }));
  }
  return Type.Object(properties);
}

/** A form field's text; '' when it was not sent. */
export function formValue(body: unknown, name: string): string {
  const v = (body as Record<string, string | undefined> | undefined)?.[name];
  return typeof v === 'string' ? v : '';
}

const SELF = 'http://cloudpass.invalid';

/**
 * A local path to come back to, as a `Location` header can carry it: one leading "/" (not "//" nor "/\",
 * which would leave the site), no control characters, and everything else percent-encoded the way the
 * URL standard does (a returnTo of "/%E3%80%80" arrives decoded as "/\u3000" and goes out encoded
 * again). Anything else is undefined, and the caller falls back to its own page: never an error.
 */
export function safeReturnTo(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2000 || !value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return undefined;
  // oxlint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return undefined;
  let url: URL;
  try {
    url = new URL(value, SELF);
  } catch {
    return undefined;
  }
  if (url.origin !== SELF) return undefined;
  const path = `${url.pathname}${url.search}${url.hash}`;
  return /^\/[\x21-\x7e]*$/.test(path) && !path.startsWith('//') ? path : undefined;
}

/** Page requests (anything outside /api and the operational endpoints) get HTML errors. */
export const wantsHtml = (request: FastifyRequest) =>
  !request.url.startsWith('/api/') && !request.apiKey && /text\/html/.test(request.headers.accept ?? '');

export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, body: Problem) {
  const i18n = request.pageEnv?.i18n ?? translator(SOURCE_LOCALE);
  const { t } = i18n;
  const title = t(body.status === 404 ? 'orgs.errorPage.notFound' : body.status >= 500 ? 'orgs.errorPage.failed' : 'orgs.errorPage.refused');
  return sendPage(reply, (
    <Layout title={title} account={layoutAccount(request)}>
      <h1>{title}</h1>
      <p>{body.status === 404 ? t('orgs.errorPage.nothingHere') : errorText(i18n, body.detail, body.code)}</p>
      {body.errors?.length ? <ul>{body.errors.map((e) => <li>{e.path ? `${e.path}: ` : ''}{errorText(i18n, e.message)}</li>)}</ul> : null}
      <p><a href="/">{t('orgs.errorPage.home')}</a></p>
    </Layout>
  ), body.status);
}
