// Where an organization's OpenID provider may live. Any organization admin names the issuer and cloudpass
// fetches it (discovery, keys, tokens, userinfo) from inside the operator's network, so the address every
// connection actually uses is checked when it connects (a lookup hook on the agent: a name that answers
// a public address to one lookup and a private one to the next cannot pass), and only global unicast
// addresses are allowed: nothing from the IANA special-purpose registries
// (https://www.iana.org/assignments/iana-ipv4-special-registry, …/iana-ipv6-special-registry), no
// multicast, and no IPv6 form that carries an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo).
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import http from 'node:http';
import https from 'node:https';
import { callbackify } from 'node:util';

/** [network, prefix length, what it is]: the registries' entries, and the rest of what is not global unicast. */
export const FORBIDDEN_IPV4: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, '"this network" (RFC 791)'],
  ['10.0.0.0', 8, 'private use (RFC 1918)'],
  ['100.64.0.0', 10, 'shared address space, carrier-grade NAT (RFC 6598)'],
  ['127.0.0.0', 8, 'loopback (RFC 1122)'],
  ['169.254.0.0', 16, 'link local, cloud metadata (RFC 3927)'],
  ['172.16.0.0', 12, 'private use (RFC 1918)'],
  ['192.0.0.0', 24, 'IETF protocol assignments, DS-Lite, NAT64 discovery, anycast (RFC 6890, 7335, 7723, 8155, 8880)'],
  ['192.0.2.0', 24, 'documentation TEST-NET-1 (RFC 5737)'],
  ['192.31.196.0', 24, 'AS112-v4 (RFC 7535)'],
  ['192.52.193.0', 24, 'AMT (RFC 7450)'],
  ['192.88.99.0', 24, 'deprecated 6to4 relay anycast (RFC 7526)'],
  ['192.168.0.0', 16, 'private use (RFC 1918)'],
  ['192.175.48.0', 24, 'direct delegation AS112 service (RFC 7534)'],
  ['198.18.0.0', 15, 'benchmarking (RFC 2544)'],
  ['198.51.100.0', 24, 'documentation TEST-NET-2 (RFC 5737)'],
  ['203.0.113.0', 24, 'documentation TEST-NET-3 (RFC 5737)'],
  ['224.0.0.0', 4, 'multicast (RFC 5771)'],
  ['240.0.0.0', 4, 'reserved (RFC 1112), limited broadcast (RFC 919)'],
];

export const FORBIDDEN_IPV6: ReadonlyArray<readonly [string, number, string]> = [
  ['::', 8, 'IETF reserved: unspecified, loopback, IPv4-compatible (::a.b.c.d), IPv4-mapped (RFC 4291)'],
  ['64:ff9b::', 96, 'IPv4/IPv6 translation, NAT64 well-known prefix (RFC 6052)'],
  ['64:ff9b:1::', 48, 'IPv4/IPv6 local-use translation (RFC 8215)'],
  ['100::', 64, 'discard-only (RFC 6666)'],
  ['100:0:0:1::', 64, 'dummy IPv6 prefix (RFC 9780)'],
  ['2001::', 23, 'IETF protocol assignments: Teredo, benchmarking, AMT, AS112, ORCHID (RFC 2928, 4380, 5180, 7343, 7450, 7535)'],
  ['2001:db8::', 32, 'documentation (RFC 3849)'],
  ['2002::', 16, '6to4 (RFC 3056)'],
  ['2620:4f:8000::', 48, 'direct delegation AS112 service (RFC 7534)'],
  ['3fff::', 20, 'documentation (RFC 9637)'],
  ['5f00::', 16, 'segment routing SIDs (RFC 9602)'],
  ['fc00::', 7, 'unique local (RFC 4193)'],
  ['fe80::', 10, 'link-local unicast (RFC 4291)'],
  ['fec0::', 10, 'deprecated site-local (RFC 3879)'],
  ['ff00::', 8, 'multicast (RFC 4291)'],
];

// Two lists: BlockList matches an IPv4 address against IPv6 rules that cover its mapped form (::/8 would catch all).
const forbidden4 = new BlockList();
for (const [network, prefix] of FORBIDDEN_IPV4) forbidden4.addSubnet(network, prefix, 'ipv4');
const forbidden6 = new BlockList();
for (const [network, prefix] of FORBIDDEN_IPV6) forbidden6.addSubnet(network, prefix, 'ipv6');
/** Global unicast IPv6 is 2000::/3 (RFC 4291); everything outside it is refused whatever the table says. */
const globalUnicast6 = new BlockList();
globalUnicast6.addSubnet('2000::', 3, 'ipv6');

/** True for any address an organization's provider may not be reached at (anything but global unicast). */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return forbidden4.check(address, 'ipv4');
  if (family === 6) return forbidden6.check(address, 'ipv6') || !globalUnicast6.check(address, 'ipv6');
  return true;
}

/** Every failure to reach a provider says only this: its text must not tell open ports or hosts apart. */
export class ProviderUnreachableError extends Error {
  constructor() {
    super('the provider could not be reached');
    this.name = 'ProviderUnreachableError';
  }
}

export type Resolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;
const systemResolver: Resolver = (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

export interface GuardedFetchOptions {
  /** Lets providers live on loopback and private addresses, and be plain http (development and tests only). */
  allowPrivate: boolean;
  /** How names are resolved (tests answer with their own addresses). */
  resolve?: Resolver;
  /** The largest response read, in bytes. */
  maxBytes?: number;
}

/**
 * A fetch for openid-client whose every connection goes through a lookup that refuses forbidden addresses
 * (the address checked is the address connected to), and whose IP-literal hosts are checked before
 * connecting. Redirects are never followed (openid-client asks for `redirect: 'manual'`).
 */
export function createGuardedFetch(options: GuardedFetchOptions) {
  const resolve = options.resolve ?? systemResolver;
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const allowed = (address: string) => options.allowPrivate || !isForbiddenAddress(address);

  /** The answers a connection may use; one forbidden answer refuses the name (a provider has no business giving one). */
  const usableAnswers = callbackify(async (hostname: string, family: number | undefined) => {
    let answers: Array<{ address: string; family: number }>;
    try {
      answers = await resolve(hostname);
    } catch {
      throw new ProviderUnreachableError();
    }
    const usable = answers.filter((a) => !family || a.family === family);
    if (usable.length === 0 || !answers.every((a) => allowed(a.address))) throw new ProviderUnreachableError();
    return usable;
  });
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    const family = lookupOptions.family === 'IPv4' ? 4 : lookupOptions.family === 'IPv6' ? 6 : lookupOptions.family || undefined;
    usableAnswers(hostname, family, (error, usable) => {
      if (error || !usable) callback(error ?? new ProviderUnreachableError(), '', 0);
      else if (lookupOptions.all) (callback as unknown as (error: null, addresses: typeof usable) => void)(null, usable);
      else callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
  const agents = {
    'http:': new http.Agent({ lookup, keepAlive: false }),
    'https:': new https.Agent({ lookup, keepAlive: false }),
  };

  return async function guardedFetch(url: string, init: {
    body?: unknown; headers?: Record<string, string>; method?: string; signal?: AbortSignal;
  }): Promise<Response> {
    const target = new URL(url);
    const literal = target.hostname.replace(/^\[|\]$/g, '');
    if (target.protocol !== 'https:' && !(target.protocol === 'http:' && options.allowPrivate)) throw new ProviderUnreachableError();
    if (isIP(literal) && !allowed(literal)) throw new ProviderUnreachableError();
    if (target.username || target.password) throw new ProviderUnreachableError();
    const body = await bodyBytes(init.body);
    return new Promise<Response>((resolveResponse, reject) => {
      const fail = () => reject(new ProviderUnreachableError());
      const request = (target.protocol === 'https:' ? https : http).request(target, {
        method: init.method ?? 'GET', headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        agent: agents[target.protocol as 'http:' | 'https:'], signal: init.signal,
      }, (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) { response.destroy(); fail(); return; }
          chunks.push(chunk);
        });
        response.on('error', fail);
        response.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) {
            if (Array.isArray(value)) for (const v of value) headers.append(name, v);
            else if (value !== undefined) headers.set(name, value);
          }
          const status = response.statusCode ?? 502;
          const noBody = status === 204 || status === 304 || (status >= 100 && status < 200);
          resolveResponse(new Response(noBody ? null : Buffer.concat(chunks), { status, statusText: response.statusMessage ?? '', headers }));
        });
      });
      request.on('error', fail);
      request.end(body ?? undefined);
    });
  };
}

async function bodyBytes(body: unknown): Promise<Buffer | null> {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body instanceof URLSearchParams) return Buffer.from(body.toString(), 'utf8');
  if (body instanceof Uint8Array) return Buffer.from(body);
  if (body instanceof ArrayBuffer) return Buffer.from(body);
  return Buffer.from(await new Response(body as ReadableStream).arrayBuffer());
}
