import { h, type VNode } from 'preact';
import { renderToString } from 'preact-render-to-string';
import { PageEnvContext, pageEnv, type PageEnv } from './page-env.ts';

/** The little of a Fastify reply that sending a page needs, so pages stay testable without Fastify. */
export interface PageReply {
  code(statusCode: number): any;
  type(contentType: string): any;
  send(body: string): any;
  /** The request, which carries the visitor's page environment (language, branding) when src/http/ set one. */
  request?: { pageEnv?: PageEnv };
}

export function renderPage(vnode: VNode<any>, env: PageEnv = pageEnv()): string {
  return `<!doctype html>${renderToString(h(PageEnvContext.Provider, { value: env }, vnode))}`;
}

/** Returns what `reply.send` returns, so a Fastify handler can `return sendPage(reply, …)`. */
export function sendPage(reply: PageReply, vnode: VNode<any>, status = 200): any {
  reply.code(status);
  reply.type('text/html; charset=utf-8');
  return reply.send(renderPage(vnode, reply.request?.pageEnv));
}
