// The relying-party side of an organization's OpenID Connect provider, through openid-client:
// discovery, the authorization code flow with PKCE, and the claims cloudpass needs.
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import * as oidc from 'openid-client';
import { DomainError } from '../../lib/errors.ts';

export interface OidcClientSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
}

export interface OidcIdentity {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  locale: string | null;
}

export interface OidcClientOptions {
  /**
   * Lets an issuer be plain http when it is on this machine (127.0.0.1, ::1, localhost): development and tests
   * against a local provider. Everything else must be https, whatever this says.
   */
  allowInsecureLoopbackIssuers: boolean;
  timeoutSeconds?: number;
}

const CACHE_MS = 10 * 60 * 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export const isLoopbackHttp = (url: URL): boolean => url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);

/** The issuer as an https URL (or loopback http when allowed); throws validation-style domain errors. */
export function parseIssuer(text: string, options: Pick<OidcClientOptions, 'allowInsecureLoopbackIssuers'>): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw issuerError('Enter the issuer as a full URL, such as https://login.example.com.');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw issuerError('The issuer URL must not contain a user name, a query or a fragment.');
  }
  const insecureAllowed = options.allowInsecureLoopbackIssuers && isLoopbackHttp(url);
  if (url.protocol !== 'https:' && !insecureAllowed) throw issuerError('The issuer URL must start with https://.');
  return url;
}

/**
 * Addresses an organization's provider may not live at: any organization admin can name an issuer, and
 * cloudpass fetches it from inside the operator's network, so it must not become a way to reach private
 * services (loopback, private ranges, link-local and cloud metadata, carrier-grade NAT, unique local).
 */
const internalAddresses = new BlockList();
for (const [network, prefix] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 3]] as const) {
  internalAddresses.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [['::', 127], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) {
  internalAddresses.addSubnet(network, prefix, 'ipv6');
}

function isInternalAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return internalAddresses.check(mapped, 'ipv4');
  return internalAddresses.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** Refuses a URL whose host is, or resolves to, an internal address (loopback stays allowed where insecure loopback is). */
async function assertPublicHost(url: URL, options: Pick<OidcClientOptions, 'allowInsecureLoopbackIssuers'>, what = 'issuer'): Promise<void> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);
  } catch {
    throw issuerError(`The ${what}'s host ${host} could not be found.`);
  }
  const loopbackAllowed = options.allowInsecureLoopbackIssuers && LOOPBACK_HOSTS.has(url.hostname);
  if (!loopbackAllowed && addresses.some(isInternalAddress)) {
    throw issuerError(`The ${what} must be reachable on the internet: ${host} is a private or local address.`);
  }
}

const issuerError = (message: string) =>
  new DomainError('validation_failed', message, { errors: [{ path: 'issuer', message }] });

export function createOidcClients(options: OidcClientOptions) {
  const cache = new Map<string, { config: oidc.Configuration; until: number }>();

  /** Fetches the provider's metadata (throws `oidc_discovery_failed` in words a person can act on). */
  async function discover(settings: OidcClientSettings): Promise<oidc.Configuration> {
    const key = JSON.stringify([settings.issuer, settings.clientId, settings.clientSecret]);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.config;
    const issuer = parseIssuer(settings.issuer, options);
    await assertPublicHost(issuer, options);
    // oxlint-disable-next-line typescript/no-deprecated -- deprecated only as a warning sign; used for loopback http issuers, which parseIssuer admits only when allowed
    const execute = isLoopbackHttp(issuer) ? [oidc.allowInsecureRequests] : [];
    let config: oidc.Configuration;
    try {
      const discovered = await oidc.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
        execute, timeout: options.timeoutSeconds ?? 10,
      });
      config = withClientAuthentication(discovered, settings, execute);
    } catch (error) {
      throw new DomainError('oidc_discovery_failed',
        `We could not read the OpenID Connect configuration at ${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration: ${reason(error)}`,
        { errors: [{ path: 'issuer', message: 'No working OpenID Connect provider was found at this issuer URL.' }] });
    }
    // The endpoints the discovery document names are fetched later: they must be public too.
    const metadata = config.serverMetadata();
    for (const [what, endpoint] of [['token endpoint', metadata.token_endpoint], ['key set', metadata.jwks_uri], ['userinfo endpoint', metadata.userinfo_endpoint]] as const) {
      if (endpoint) await assertPublicHost(new URL(endpoint), options, `provider's ${what}`);
    }
    for (const [k, v] of cache) if (v.until <= Date.now()) cache.delete(k);
    cache.set(key, { config, until: Date.now() + CACHE_MS });
    return config;
  }

  function authorizationUrl(config: oidc.Configuration, parameters: {
    redirectUri: string; state: string; nonce: string; codeChallenge: string; loginHint?: string;
  }): URL {
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: parameters.redirectUri,
      scope: 'openid email profile',
      response_type: 'code',
      state: parameters.state,
      nonce: parameters.nonce,
      code_challenge: parameters.codeChallenge,
      code_challenge_method: 'S256',
      ...(parameters.loginHint ? { login_hint: parameters.loginHint } : {}),
    });
  }

  /** Validates the callback (state, PKCE, nonce, ID token) and returns who signed in. */
  async function finish(config: oidc.Configuration, callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<OidcIdentity> {
    let tokens: Awaited<ReturnType<typeof oidc.authorizationCodeGrant>>;
    try {
      tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        expectedState: checks.state, expectedNonce: checks.nonce, pkceCodeVerifier: checks.codeVerifier, idTokenExpected: true,
      });
    } catch (error) {
      throw signInFailed(error);
    }
    const idToken = tokens.claims();
    if (!idToken) throw signInFailed(new Error('no ID token'));
    let claims: Record<string, unknown> = { ...idToken };
    // Many providers put email only in the UserInfo response, not in the ID token.
    if (typeof claims.email !== 'string' && tokens.access_token) {
      try {
        claims = { ...claims, ...(await oidc.fetchUserInfo(config, tokens.access_token, idToken.sub)) };
      } catch (error) {
        throw signInFailed(error);
      }
    }
    return {
      subject: idToken.sub,
      email: typeof claims.email === 'string' && claims.email.includes('@') ? claims.email.trim() : null,
      emailVerified: claims.email_verified === true || claims.email_verified === 'true',
      name: typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim() : null,
      locale: typeof claims.locale === 'string' ? claims.locale : null,
    };
  }

  return { discover, authorizationUrl, finish };
}

export type OidcClients = ReturnType<typeof createOidcClients>;

export const newPkce = async () => {
  const codeVerifier = oidc.randomPKCECodeVerifier();
  return { codeVerifier, codeChallenge: await oidc.calculatePKCECodeChallenge(codeVerifier), state: oidc.randomState(), nonce: oidc.randomNonce() };
};

/** HTTP Basic is the registration default (RFC 7591); post the secret only to providers that accept nothing else. */
function withClientAuthentication(discovered: oidc.Configuration, settings: OidcClientSettings, execute: Array<(c: oidc.Configuration) => void>): oidc.Configuration {
  const supported = discovered.serverMetadata().token_endpoint_auth_methods_supported;
  if (supported && !supported.includes('client_secret_basic') && supported.includes('client_secret_post')) return discovered;
  const config = new oidc.Configuration(discovered.serverMetadata(), settings.clientId, settings.clientSecret, oidc.ClientSecretBasic(settings.clientSecret));
  config.timeout = discovered.timeout;
  for (const fn of execute) fn(config);
  return config;
}

function signInFailed(error: unknown): DomainError {
  if (error instanceof oidc.AuthorizationResponseError) {
    const text = error.error === 'access_denied' ? 'The sign-in was cancelled or refused at your organization.' : `Your organization's sign-in answered: ${error.error_description ?? error.error}.`;
    return new DomainError('oidc_sign_in_failed', text);
  }
  return new DomainError('oidc_sign_in_failed', `Your organization's sign-in could not be completed (${reason(error)}). Try again.`);
}

function reason(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error && cause.message && cause.message !== error.message ? ` (${cause.message})` : '';
  return `${error.message}${detail}`.slice(0, 300);
}
