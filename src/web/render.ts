import type { VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';

/** The little of a Fastify reply that sending a page needs, so pages stay testable without Fastify. */
export interface PageReply {
  code(statusCode: number): any;
  type(contentType: string): any;
  send(body: string): any;
}

export function renderPage(vnode: VNode<any>): string {
  return `<!doctype html>${renderToString(vnode)}`;
}

/** Returns what `reply.send` returns, so a Fastify handler can `return sendPage(reply, …)`. */
export function sendPage(reply: PageReply, vnode: VNode<any>, status = 200): any {
  reply.code(status);
  reply.type('text/html; charset=utf-8');
  return reply.send(renderPage(vnode));
}
