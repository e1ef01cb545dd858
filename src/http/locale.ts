// Which language a visitor reads: the one they chose with the switch on every page (remembered in a
// cookie), else the best match of their browser's Accept-Language, else English. Every request carries it
// as `request.pageEnv` (with the program's branding), which sendPage renders pages with.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Negotiator from 'negotiator';
import { LOCALES, SOURCE_LOCALE, isLocale } from '../i18n/catalogue.ts';
import { pageEnv, type Branding, type PageEnv } from '../web/page-env.ts';
import { safeReturnTo } from './pages.tsx';
import { SingleLineText } from './schemas.ts';

declare module 'fastify' {
  interface FastifyRequest {
    pageEnv: PageEnv;
  }
}

export const LANGUAGE_COOKIE = 'cloudpass_lang';
const PAGE_ENV = Symbol('pageEnv');
const YEAR_SECONDS = 365 * 24 * 60 * 60;

export function localeOf(request: Pick<FastifyRequest, 'cookies' | 'headers'>): string {
  // Cookies are parsed by the first hook; a request refused before it has none.
  const chosen = request.cookies?.[LANGUAGE_COOKIE];
  if (isLocale(chosen)) return chosen;
  const negotiated = new Negotiator({ headers: { 'accept-language': request.headers['accept-language'] } }).language([...LOCALES]);
  return isLocale(negotiated) ? negotiated : SOURCE_LOCALE;
}

export function registerLocale(app: FastifyInstance, deps: {
  secure: boolean; branding?: () => Branding;
  /** Remembers a signed-in person's choice for their emails. */
  remember?: (accountId: string, locale: string) => Promise<void>;
}) {
  // Worked out when first read (pages, form errors), not for every request: most API calls never render anything.
  app.decorateRequest(PAGE_ENV as unknown as string, null);
  app.decorateRequest('pageEnv', {
    getter(this: FastifyRequest) {
      const request = this as FastifyRequest & { [PAGE_ENV]: PageEnv | null };
      return (request[PAGE_ENV] ??= pageEnv({ locale: localeOf(request), branding: deps.branding?.(), path: request.url }));
    },
    setter(this: FastifyRequest, value: PageEnv) {
      (this as FastifyRequest & { [PAGE_ENV]: PageEnv | null })[PAGE_ENV] = value;
    },
  });

  // The language switch: a plain link on every page, so it works without JavaScript.
  app.withTypeProvider<TypeBoxTypeProvider>().get('/language/:locale', {
    schema: {
      hide: true,
      params: Type.Object({ locale: SingleLineText({ maxLength: 16 }) }),
      querystring: Type.Object({ returnTo: Type.Optional(SingleLineText({ maxLength: 2000 })) }),
    },
  }, async (request, reply) => {
    const back = safeReturnTo(request.query.returnTo) ?? '/';
    if (isLocale(request.params.locale)) {
      reply.setCookie(LANGUAGE_COOKIE, request.params.locale, { path: '/', sameSite: 'lax', httpOnly: true, secure: deps.secure, maxAge: YEAR_SECONDS });
      const accountId = (request as { account?: { id: string } | null }).account?.id;
      if (accountId) await deps.remember?.(accountId, request.params.locale);
    }
    return reply.redirect(back, 303);
  });
}
