// Device cookies (OWASP's "slow down online guessing attacks with device cookies"): a browser that signed
// in to an email with the right password gets a cookie, signed with a key derived from the server secret,
// naming that email (as a keyed hash) and when it was issued. Later sign-ins to the same email from that
// browser are held by the cookie's own failure count instead of the client address, so nobody behind the
// same address (a venue's Wi-Fi) can lock its owner out, while guessing with the cookie is still limited.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../lib/clock.ts';
import { normalizeEmail } from './accounts.repository.ts';

export const DEVICE_COOKIE_MAX_AGE_SECONDS = 180 * 24 * 60 * 60;
const COOKIE_NAME_MARK = 'cloudpass_device_';
/** Never more of them read from one request, so a flood of cookies costs nothing. */
const MAX_COOKIES_READ = 20;

export interface DeviceCookie {
  name: string;
  value: string;
  maxAgeSeconds: number;
}

export function createDeviceCookies(deps: { key: Buffer; clock: Clock; secure: boolean }) {
  const { key, clock } = deps;
  const mac = (text: string) => createHmac('sha256', key).update(text).digest('base64url');
  const emailTag = (email: string) => mac(`email:${normalizeEmail(email)}`).slice(0, 22);
  // The __Host- prefix pins the cookie to this host and path / over https.
  const prefix = deps.secure ? `__Host-${COOKIE_NAME_MARK}` : COOKIE_NAME_MARK;

  /** A new cookie for this email, for a browser that just proved its password. */
  function issue(email: string): DeviceCookie {
    const tag = emailTag(email);
    const body = `v1.${tag}.${Math.floor(clock.now().getTime() / 1000)}.${randomBytes(12).toString('base64url')}`;
    return { name: `${prefix}${tag.slice(0, 12)}`, value: `${body}.${mac(body)}`, maxAgeSeconds: DEVICE_COOKIE_MAX_AGE_SECONDS };
  }

  /** The id of the first valid, unexpired cookie among these for this email; undefined when there is none. */
  function deviceFor(email: string, values: readonly string[]): string | undefined {
    const tag = emailTag(email);
    const now = clock.now().getTime() / 1000;
    for (const value of values.slice(0, MAX_COOKIES_READ)) {
      const parts = value.split('.');
      if (parts.length !== 5 || parts[0] !== 'v1' || parts[1] !== tag) continue;
      const body = parts.slice(0, 4).join('.');
      const expected = Buffer.from(mac(body));
      const given = Buffer.from(parts[4]!);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) continue;
      const issuedAt = Number(parts[2]);
      if (!Number.isInteger(issuedAt) || issuedAt > now + 60 || now - issuedAt > DEVICE_COOKIE_MAX_AGE_SECONDS) continue;
      return parts[3];
    }
    return undefined;
  }

  return { issue, deviceFor };
}

export type DeviceCookies = ReturnType<typeof createDeviceCookies>;

/** The values of every device cookie a request carries (whatever email each is for). */
export function deviceCookieValues(cookies: Record<string, string | undefined>): string[] {
  return Object.entries(cookies)
    .filter(([name, value]) => name.includes(COOKIE_NAME_MARK) && typeof value === 'string')
    .map(([, value]) => value!);
}

/** Sets the cookie on a response: readable by the server only, sent on same-site navigations. */
export function setDeviceCookie(reply: { setCookie(name: string, value: string, options: object): unknown }, cookie: DeviceCookie, secure: boolean): void {
  reply.setCookie(cookie.name, cookie.value, { httpOnly: true, sameSite: 'lax', path: '/', secure, maxAge: cookie.maxAgeSeconds });
}
