// Pages through app.inject, asked for as a browser without JavaScript would: HTML accepted, the session
// cookie sent back, forms posted urlencoded.
import type { LightMyRequestResponse } from 'fastify';
import type { App } from '../app.ts';

const html = { accept: 'text/html' };

/** The `cookie` header value for the session cookie a response sets, if it sets one. */
export function sessionCookie(response: LightMyRequestResponse): string | undefined {
  const cookie = response.cookies.find((c) => c.name === 'cloudpass_session');
  return cookie && cookie.value ? `${cookie.name}=${cookie.value}` : undefined;
}

export function getPage(app: App, url: string, cookie?: string) {
  return app.inject({ method: 'GET', url, headers: cookie ? { ...html, cookie } : html });
}

/** Opens a page and returns its session cookie (the one it set, else the one sent) and the form's CSRF token. */
export async function openPage(app: App, url: string, cookie?: string) {
  const response = await getPage(app, url, cookie);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
  return { response, cookie: sessionCookie(response) ?? cookie, csrf };
}

export function postForm(app: App, url: string, cookie: string | undefined, fields: Record<string, string>, remoteAddress?: string) {
  return app.inject({
    method: 'POST', url, remoteAddress,
    headers: { ...html, 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    payload: new URLSearchParams(fields).toString(),
  });
}
