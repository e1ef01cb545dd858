// Helmet's security headers (our Content-Security-Policy among them) on every response, worked out once.
//
// @fastify/helmet called `helmet(options)` again for every request: it rebuilt each middleware and parsed,
// checked and re-serialised the CSP directives each time, 2.7% of the server's CPU in the redemption storm
// (`npm run bench storm`). Our options are fixed at start, so the headers are too: helmet runs once here,
// on a response that only records what it is told, and each request then gets the recorded headers.
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** What helmet does to a response with these options: the headers it sets, in order, and the ones it removes. */
export function securityHeaders(options: Readonly<HelmetOptions>): { set: Record<string, string>; removed: string[] } {
  const directives = typeof options.contentSecurityPolicy === 'object' ? options.contentSecurityPolicy.directives ?? {} : {};
  for (const [name, value] of Object.entries(directives)) {
    // A directive computed per request (a nonce) cannot be worked out once.
    if (typeof value === 'function' || (Array.isArray(value) && value.some((v) => typeof v === 'function'))) {
      throw new Error(`securityHeaders: the CSP directive ${name} is computed per request`);
    }
  }
  const set: Record<string, string> = {};
  const removed: string[] = [];
  const recorder = {
    setHeader(name: string, value: unknown) { set[name.toLowerCase()] = String(value); },
    removeHeader(name: string) { removed.push(name.toLowerCase()); },
  };
  // Helmet throws a bad option's error itself; it would hand one to `next` only in its older versions.
  helmet(options)({} as never, recorder as never, (error?: unknown) => {
    if (error) throw error instanceof Error ? error : new Error('helmet refused the security header options');
  });
  return { set, removed };
}

/** Sends helmet's headers with every response; a route may still set its own value of one (the API docs' CSP). */
export function registerSecurityHeaders(app: FastifyInstance, options: Readonly<HelmetOptions>): void {
  const { set, removed } = securityHeaders(options);
  app.addHook('onRequest', function applySecurityHeaders(_request, reply, done) {
    reply.headers(set);
    for (const name of removed) reply.raw.removeHeader(name);
    done();
  });
}
