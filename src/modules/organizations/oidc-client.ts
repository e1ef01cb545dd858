// The relying-party side of an organization's OpenID Connect provider, through openid-client:
// discovery, the authorization code flow with PKCE, and the claims cloudpass needs.
import * as oidc from 'openid-client';
import { DomainError } from '../../lib/errors.ts';
import { createGuardedFetch, type Resolver } from './provider-addresses.ts';

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
   * OIDC_ALLOW_PRIVATE_PROVIDERS, for development and tests only: providers may live on loopback and private
   * addresses, and an issuer on this machine (127.0.0.1, ::1, localhost) may be plain http. Off, every
   * connection must reach a global unicast address over https (provider-addresses.ts).
   */
  allowPrivateProviders: boolean;
  timeoutSeconds?: number;
  /** How provider host names are resolved (tests answer with their own addresses). */
  resolve?: Resolver;
}

const CACHE_MS = 10 * 60 * 1000;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export const isLoopbackHttp = (url: URL): boolean => url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);

/** The issuer as an https URL (or loopback http when allowed); throws validation-style domain errors. */
export function parseIssuer(text: string, options: Pick<OidcClientOptions, 'allowPrivateProviders'>): URL {
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw issuerError('Enter the issuer as a full URL, such as https://login.example.com.');
  }
  if (url.username || url.password || url.search || url.hash) {
    throw issuerError('The issuer URL must not contain a user name, a query or a fragment.');
  }
  const insecureAllowed = options.allowPrivateProviders && isLoopbackHttp(url);
  if (url.protocol !== 'https:' && !insecureAllowed) throw issuerError('The issuer URL must start with https://.');
  return url;
}

const issuerError = (message: string) =>
  new DomainError('validation_failed', message, { errors: [{ path: 'issuer', message }] });

/** One answer whatever went wrong (no such host, refused address, closed port, timeout, bad document): no scanning through it. */
const noProvider = () => new DomainError('oidc_discovery_failed', 'No working OpenID Connect provider was found at this issuer URL.', {
  errors: [{ path: 'issuer', message: 'No working OpenID Connect provider was found at this issuer URL.' }],
});

export function createOidcClients(options: OidcClientOptions) {
  const cache = new Map<string, { config: oidc.Configuration; until: number }>();
  // Every request to a provider (discovery, key set, token, userinfo) goes through this fetch.
  const guardedFetch = createGuardedFetch({ allowPrivate: options.allowPrivateProviders, resolve: options.resolve }) as oidc.CustomFetch;

  /** Fetches the provider's metadata (throws `oidc_discovery_failed` in words a person can act on). */
  async function discover(settings: OidcClientSettings): Promise<oidc.Configuration> {
    const key = JSON.stringify([settings.issuer, settings.clientId, settings.clientSecret]);
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return hit.config;
    const issuer = parseIssuer(settings.issuer, options);
    const execute: Array<(c: oidc.Configuration) => void> = [(c) => { c[oidc.customFetch] = guardedFetch; }];
    // oxlint-disable-next-line typescript/no-deprecated -- deprecated only as a warning sign; used for loopback http issuers, which parseIssuer admits only when allowed
    if (isLoopbackHttp(issuer)) execute.push(oidc.allowInsecureRequests);
    let config: oidc.Configuration;
    try {
      const discovered = await oidc.discovery(issuer, settings.clientId, settings.clientSecret, undefined, {
        execute, timeout: options.timeoutSeconds ?? 10, [oidc.customFetch]: guardedFetch,
      });
      config = withClientAuthentication(discovered, settings, execute);
    } catch {
      throw noProvider();
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
  // Nothing about the network in the text: the provider's endpoints are the organization admin's to name.
  return new DomainError('oidc_sign_in_failed', 'Your organization\'s sign-in could not be completed. Try again.');
}
