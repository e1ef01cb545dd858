// A notice shown once on the page a form redirects to ("The API key was revoked."): kept in the session
// between the POST and the GET that follows it, so a reload does not repeat the form nor the notice.
import type { FastifyReply } from 'fastify';
import type { Session, SessionService } from '../modules/sessions/sessions.service.ts';

export function createNotices(sessions: Pick<SessionService, 'saveData'>) {
  async function redirectWithNotice(reply: FastifyReply, session: Session, to: string, notice: string) {
    await sessions.saveData(session, { ...session.data, notice });
    return reply.redirect(to, 303);
  }

  async function takeNotice(session: Session): Promise<string | undefined> {
    const { notice, ...rest } = session.data;
    if (typeof notice !== 'string') return undefined;
    await sessions.saveData(session, rest);
    return notice;
  }

  return { redirectWithNotice, takeNotice };
}
