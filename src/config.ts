// Every setting cloudpass reads, validated once at start. Nothing else reads process.env.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { hkdfSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';

export interface Config {
  port: number;
  host: string;
  publicUrl: URL;
  databaseUrl: string;
  /** Folder for the generated secret and, by default, the SQLite database. */
  dataDir: string;
  redisUrl: string | undefined;
  secret: Buffer;
  smtpUrl: string | undefined;
  mailFrom: string;
  provisionerUrl: string | undefined;
  provisionerSecret: string | undefined;
  /** Delay before the built-in provisioner activates a subscription. */
  builtinProvisionDelayMs: number;
  logLevel: string;
  /**
   * Which proxies in front of cloudpass to believe about the client's address (X-Forwarded-For): false,
   * a number of hops, or their addresses and networks. Throttling counts per client address.
   */
  trustProxy: false | number | string[];
  /** When set, /metrics answers only to `Authorization: Bearer <token>`; unset, /metrics is not served. */
  metricsToken: string | undefined;
  /**
   * OIDC_ALLOW_PRIVATE_PROVIDERS (development and tests only): organizations' OpenID providers may be on
   * loopback and private addresses, and plain http on this machine. Off by default.
   */
  oidcAllowPrivateProviders: boolean;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws ConfigError with one line per bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const value = (name: string) => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const port = parsePort(value('PORT') ?? '3000', problems);
  const host = value('HOST') ?? '127.0.0.1';
  const publicUrl = parseUrl('PUBLIC_URL', value('PUBLIC_URL') ?? `http://localhost:${port}`, ['http:', 'https:'], problems);
  const databaseUrl = value('DATABASE_URL') ?? 'sqlite:./data/cloudpass.db';
  if (!/^sqlite:.+/.test(databaseUrl) && !/^postgres(ql)?:\/\/.+/.test(databaseUrl)) {
    problems.push(`DATABASE_URL: expected sqlite:<path> or postgres://…, got "${databaseUrl}"`);
  }
  const dataDir = resolve(value('CLOUDPASS_DATA_DIR') ?? defaultDataDir(databaseUrl));

  const redisUrl = value('REDIS_URL');
  if (redisUrl) parseUrl('REDIS_URL', redisUrl, ['redis:', 'rediss:'], problems);
  const smtpUrl = value('SMTP_URL');
  if (smtpUrl) parseUrl('SMTP_URL', smtpUrl, ['smtp:', 'smtps:'], problems);
  const mailFrom = value('MAIL_FROM') ?? 'cloudpass <no-reply@localhost>';
  if (!/^[^<>]*<[^<>@\s]+@[^<>@\s]+>$|^[^<>@\s]+@[^<>@\s]+$/.test(mailFrom)) {
    problems.push(`MAIL_FROM: expected "Name <address@domain>" or an address, got "${mailFrom}"`);
  }

  const provisionerUrl = value('PROVISIONER_URL');
  const provisionerSecret = value('PROVISIONER_SECRET');
  if (provisionerUrl) parseUrl('PROVISIONER_URL', provisionerUrl, ['http:', 'https:'], problems);
  if (provisionerUrl && !provisionerSecret) problems.push('PROVISIONER_SECRET: required when PROVISIONER_URL is set');
  if (provisionerSecret && provisionerSecret.length < 16) problems.push('PROVISIONER_SECRET: must be at least 16 characters');

  const builtinProvisionDelayMs = parseNonNegativeInt('PROVISION_DELAY_MS', value('PROVISION_DELAY_MS') ?? '2000', problems);
  const logLevel = value('LOG_LEVEL') ?? 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    problems.push(`LOG_LEVEL: expected one of fatal, error, warn, info, debug, trace, silent, got "${logLevel}"`);
  }

  const trustProxy = parseTrustProxy(value('TRUST_PROXY'), problems);
  const metricsToken = value('METRICS_TOKEN');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) {
    problems.push('METRICS_TOKEN: must be at least 16 visible ASCII characters (no spaces)');
  }

  const allowPrivateText = value('OIDC_ALLOW_PRIVATE_PROVIDERS') ?? 'false';
  if (!['true', 'false', '1', '0'].includes(allowPrivateText)) problems.push(`OIDC_ALLOW_PRIVATE_PROVIDERS: expected true or false, got "${allowPrivateText}"`);
  const oidcAllowPrivateProviders = allowPrivateText === 'true' || allowPrivateText === '1';

  const secretText = value('CLOUDPASS_SECRET');
  if (secretText !== undefined && secretText.length < 32) problems.push('CLOUDPASS_SECRET: must be at least 32 characters');

  if (problems.length > 0) throw new ConfigError(problems);
  const secret = secretText !== undefined ? Buffer.from(secretText, 'utf8') : loadOrCreateSecret(dataDir);

  return {
    port, host, publicUrl: publicUrl!, databaseUrl, dataDir, redisUrl, secret, smtpUrl, mailFrom,
    provisionerUrl, provisionerSecret, builtinProvisionDelayMs, logLevel, trustProxy, metricsToken,
    oidcAllowPrivateProviders,
  };
}

function defaultDataDir(databaseUrl: string): string {
  return databaseUrl.startsWith('sqlite:') ? dirname(databaseUrl.slice('sqlite:'.length)) : './data';
}

function parsePort(text: string, problems: string[]): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 0 || port > 65535) problems.push(`PORT: expected a port number 0–65535, got "${text}"`);
  return port;
}

function parseNonNegativeInt(name: string, text: string, problems: string[]): number {
  if (!/^\d+$/.test(text)) problems.push(`${name}: expected a whole number of milliseconds, got "${text}"`);
  return Number(text);
}

/** proxy-addr's names for address ranges, as Fastify's trustProxy accepts them. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY: unset or "false" trusts no proxy; a whole number trusts that many hops; otherwise a
 * comma-separated list of addresses, networks (CIDR) or range names (loopback, linklocal, uniquelocal).
 * "true" is refused: trusting every hop would let any client choose its own address.
 */
function parseTrustProxy(text: string | undefined, problems: string[]): false | number | string[] {
  if (text === undefined || text === 'false' || text === '0') return false;
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops > 20) problems.push(`TRUST_PROXY: ${text} hops is more than any real proxy chain; expected 1–20`);
    return hops;
  }
  if (text === 'true') {
    problems.push('TRUST_PROXY: "true" would let any client choose its address; give the number of proxies (e.g. 1) or their addresses');
    return false;
  }
  const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  for (const entry of entries) {
    if (!isProxyAddress(entry)) {
      problems.push(`TRUST_PROXY: "${entry}" is not an IP address, a network such as 10.0.0.0/8, or one of loopback, linklocal, uniquelocal`);
    }
  }
  return entries;
}

function isProxyAddress(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

function parseUrl(name: string, text: string, protocols: string[], problems: string[]): URL | undefined {
  try {
    const url = new URL(text);
    if (!protocols.includes(url.protocol)) {
      problems.push(`${name}: expected a ${protocols.join(' or ')} URL, got "${text}"`);
      return undefined;
    }
    return url;
  } catch {
    problems.push(`${name}: not a valid URL: "${text}"`);
    return undefined;
  }
}

/** The secret lives in the data folder, readable by its owner only, so restarts keep sessions and code hashes valid. */
function loadOrCreateSecret(dataDir: string): Buffer {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'utf8');
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return Buffer.from(secret, 'utf8');
}

/** Derives a purpose-specific key from the server secret, so one leaked derived key exposes nothing else. */
export function deriveKey(secret: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `cloudpass:${purpose}`, 32));
}
