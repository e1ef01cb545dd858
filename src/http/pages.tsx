// What every server-rendered page needs: a session (made on demand, for the CSRF token and the
// pending code), the signed-in account for the layout, and HTML error pages instead of problem JSON.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { SessionCookies } from './auth.ts';
import type { Session, SessionService } from '../modules/sessions/sessions.service.ts';
import type { LayoutAccount } from '../web/layout.tsx';
import { Layout } from '../web/layout.tsx';
import { sendPage } from '../web/render.ts';
import type { Problem } from './problem.ts';

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

  return { ensureSession, pageContext };
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

/** Page requests (anything outside /api and the operational endpoints) get HTML errors. */
export const wantsHtml = (request: FastifyRequest) =>
  !request.url.startsWith('/api/') && !request.apiKey && /text\/html/.test(request.headers.accept ?? '');

export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, body: Problem) {
  const title = body.status === 404 ? 'Page not found' : body.status >= 500 ? 'Something went wrong' : 'This did not work';
  return sendPage(reply, (
    <Layout title={title} account={layoutAccount(request)}>
      <h1>{title}</h1>
      <p>{body.status === 404 ? 'There is nothing at this address.' : body.detail}</p>
      <p><a href="/">Go to the start page</a></p>
    </Layout>
  ), body.status);
}
