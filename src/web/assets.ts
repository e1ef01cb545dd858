import { readFileSync, readdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';

const types: Record<string, string> = { css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8', svg: 'image/svg+xml' };

/** Serves src/web/assets/ at /assets/, read once at start: a handful of small files. */
export function registerAssets(app: FastifyInstance) {
  const folder = new URL('./assets/', import.meta.url);
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(folder)) {
    const type = types[name.split('.').pop() ?? ''];
    if (type) files.set(name, { body: readFileSync(new URL(name, folder)), type });
  }
  app.get<{ Params: { name: string } }>('/assets/:name', { schema: { hide: true } }, async (request, reply) => {
    const file = files.get(request.params.name);
    if (!file) return reply.callNotFound();
    return reply.type(file.type).header('cache-control', 'public, max-age=3600').send(file.body);
  });
}
