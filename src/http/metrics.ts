// Counts every request by route and status, and serves the registry at /metrics (Prometheus text) to a
// scraper holding METRICS_TOKEN: the counts say how a program is going, which is not for everyone who can
// reach the port. Without a token configured, /metrics is not served at all.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../lib/errors.ts';
import type { Metrics } from '../lib/metrics.ts';

export function registerMetrics(app: FastifyInstance, metrics: Metrics, options: { token: string | undefined }) {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
  });
  const { token } = options;
  if (token === undefined) return;
  const expected = digest(token);
  app.get('/metrics', { schema: { hide: true }, config: { ownAuthorization: true } }, async (request, reply) => {
    const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (given === undefined || !timingSafeEqual(digest(given), expected)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      throw new DomainError('unauthenticated', 'Send the metrics token as Authorization: Bearer <METRICS_TOKEN>.');
    }
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/** Equal-length digests, so comparing them takes the same time whatever was sent. */
const digest = (text: string) => createHash('sha256').update(text).digest();
