// Issue 9, item 4: an organization's OpenID provider URL cannot reach inside the operator's network. Each
// class of special-purpose address is refused, checked on the address each connection uses (so a
// rebinding name cannot pass), with one error text whatever failed; loopback and private providers only
// with OIDC_ALLOW_PRIVATE_PROVIDERS (tests and development).
import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { App } from '../../app.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { sessionCookie } from '../../testing/pages.ts';
import { createGuardedFetch, isForbiddenAddress, ProviderUnreachableError, type Resolver } from './provider-addresses.ts';

const CLASSES: Record<string, string[]> = {
  'IPv4 "this network"': ['0.0.0.0', '0.1.2.3'],
  'IPv4 private use': ['10.0.0.5', '172.16.0.1', '172.31.255.254', '192.168.1.1'],
  'IPv4 shared address space (CGN)': ['100.64.0.1', '100.127.255.254'],
  'IPv4 loopback': ['127.0.0.1', '127.0.0.2', '127.255.255.254'],
  'IPv4 link local and cloud metadata': ['169.254.169.254', '169.254.0.1'],
  'IPv4 IETF protocol assignments': ['192.0.0.1', '192.0.0.9', '192.0.0.170'],
  'IPv4 documentation': ['192.0.2.1', '198.51.100.1', '203.0.113.1'],
  'IPv4 AS112, AMT, 6to4 relay': ['192.31.196.1', '192.52.193.1', '192.88.99.1', '192.175.48.1'],
  'IPv4 benchmarking': ['198.18.0.1', '198.19.255.254'],
  'IPv4 multicast, reserved and broadcast': ['224.0.0.1', '239.255.255.250', '240.0.0.1', '255.255.255.255'],
  'IPv6 unspecified and loopback': ['::', '::1'],
  'IPv6 IPv4-compatible (::a.b.c.d)': ['::127.0.0.1', '::7f00:1', '::8.8.8.8', '::a00:5'],
  'IPv6 IPv4-mapped': ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::ffff:8.8.8.8'],
  'IPv6 NAT64 well-known prefix (64:ff9b::/96)': ['64:ff9b::7f00:1', '64:ff9b::a9fe:a9fe', '64:ff9b::808:808'],
  'IPv6 NAT64 local use (64:ff9b:1::/48)': ['64:ff9b:1::1', '64:ff9b:1:ffff::7f00:1'],
  'IPv6 discard-only and dummy prefix': ['100::1', '100:0:0:1::1'],
  'IPv6 IETF protocol assignments (Teredo, ORCHID …)': ['2001::1', '2001:0:4136:e378::1', '2001:2::1', '2001:20::1'],
  'IPv6 documentation': ['2001:db8::1', '3fff::1'],
  'IPv6 6to4': ['2002:7f00:1::1', '2002:a9fe:a9fe::1'],
  'IPv6 AS112 delegation and SRv6 SIDs': ['2620:4f:8000::1', '5f00::1'],
  'IPv6 unique local': ['fc00::1', 'fd00::1', 'fd12:3456:789a::1'],
  'IPv6 link local and site local': ['fe80::1', 'febf::1', 'fec0::1'],
  'IPv6 multicast': ['ff02::1', 'ff0e::1'],
  'IPv6 outside global unicast': ['4000::1', 'e000::1'],
};
const PUBLIC = ['8.8.8.8', '1.1.1.1', '93.184.215.14', '2606:4700:4700::1111', '2001:4860:4860::8888', '2a00:1450:4001::1'];

describe('provider addresses', () => {
  for (const [name, addresses] of Object.entries(CLASSES)) {
    test(`refused: ${name}`, () => {
      for (const address of addresses) assert.equal(isForbiddenAddress(address), true, address);
    });
  }
  test('allowed: global unicast', () => {
    for (const address of PUBLIC) assert.equal(isForbiddenAddress(address), false, address);
    assert.equal(isForbiddenAddress('not an address'), true);
  });

  // A TCP listener on loopback standing for the internal service an attacker wants: it counts connections.
  let internal: Server;
  let port: number;
  let connections = 0;
  before(async () => {
    internal = createServer((socket) => { connections++; socket.destroy(); });
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    port = (internal.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => internal.close(() => resolve())));

  const refusedWith = (error: unknown) => error instanceof ProviderUnreachableError && error.message === 'the provider could not be reached';

  test('each class is refused at connect, through the lookup the connection uses', async () => {
    for (const [name, addresses] of Object.entries(CLASSES)) {
      for (const address of addresses) {
        let lookups = 0;
        const resolve: Resolver = async () => { lookups++; return [{ address, family: address.includes(':') ? 6 : 4 }]; };
        const guarded = createGuardedFetch({ allowPrivate: false, resolve });
        await assert.rejects(guarded(`https://provider.example:${port}/.well-known/openid-configuration`, { method: 'GET', headers: {} }), refusedWith, `${name}: ${address}`);
        assert.equal(lookups, 1, `${address}: checked by the connection's own lookup`);
      }
    }
    assert.equal(connections, 0);
  });

  test('IP literals are refused before connecting, NAT64 and IPv4-compatible forms included', async () => {
    const guarded = createGuardedFetch({ allowPrivate: false, resolve: async () => assert.fail('no lookup for a literal') });
    for (const url of [`https://127.0.0.1:${port}/`, `https://[64:ff9b::7f00:1]:${port}/`, `https://[::127.0.0.1]:${port}/`, `https://[::ffff:127.0.0.1]:${port}/`,
      `https://[64:ff9b:1::7f00:1]:${port}/`, `https://0x7f000001:${port}/`, `https://2130706433:${port}/`, `https://[fd00::1]:${port}/`]) {
      await assert.rejects(guarded(url, { method: 'GET', headers: {} }), refusedWith, url);
    }
    // Plain http is refused too without the setting, whatever the address.
    await assert.rejects(guarded('http://8.8.8.8/', { method: 'GET', headers: {} }), refusedWith);
    assert.equal(connections, 0);
  });

  test('a rebinding name: public to the first lookup, private at connect, is refused and never connects', async () => {
    let lookups = 0;
    const rebinding: Resolver = async () => (lookups++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }]);
    // Whatever checked the name first saw a public address …
    assert.equal(isForbiddenAddress((await rebinding('rebind.example'))[0]!.address), false);
    // … the connection asks again, gets the private one, and is refused.
    const guarded = createGuardedFetch({ allowPrivate: false, resolve: rebinding });
    await assert.rejects(guarded(`https://rebind.example:${port}/.well-known/openid-configuration`, { method: 'GET', headers: {} }), refusedWith);
    assert.equal(lookups, 2);
    // A name answering a public and a private address at once is refused as a whole.
    const both = createGuardedFetch({ allowPrivate: false, resolve: async () => [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }] });
    await assert.rejects(both(`https://mixed.example:${port}/`, { method: 'GET', headers: {} }), refusedWith);
    assert.equal(connections, 0, 'the internal service was never reached');
  });
});

let counter = 0;
async function organizationAdmin(app: App) {
  const domain = `ssrf${Date.now().toString(36)}${counter++}.example`;
  const created = await app.inject({
    method: 'POST', url: '/api/v1/organizations',
    payload: { name: `Org ${domain}`, domain, admin: { email: `admin@${domain}`, password: 'granite harbour pixel 9', displayName: 'Admin', country: 'DE' } },
  });
  assert.equal(created.statusCode, 201, created.body);
  const signIn = await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: { email: `admin@${domain}`, password: 'granite harbour pixel 9' }, remoteAddress: `10.77.0.${counter}` });
  const cookie = sessionCookie(signIn)!;
  const id = created.json().organization.id as string;
  return (issuer: string) => app.inject({ method: 'PUT', url: `/api/v1/organizations/${id}/oidc`, headers: { cookie }, payload: { issuer, clientId: 'x', clientSecret: 'y' } });
}

const ONE_TEXT = 'No working OpenID Connect provider was found at this issuer URL.';

describeEachDatabase('organization provider URLs (no private providers allowed)', (ctx) => {
  test('NAT64, IPv4-compatible, mapped, private and loopback issuers get one answer, like a host that does not exist', async () => {
    const put = await organizationAdmin(ctx().app);
    const answers = new Set<string>();
    for (const issuer of ['https://[64:ff9b::7f00:1]', 'https://[::127.0.0.1]', 'https://[::ffff:127.0.0.1]/', 'https://[64:ff9b:1::a9fe:a9fe]/',
      'https://10.0.0.5/', 'https://169.254.169.254/latest', 'https://127.0.0.1:9/', 'https://127.0.0.1:5432/', 'https://localhost:6379/',
      'https://[fd00::1]/', 'https://nowhere.invalid/']) {
      const refused = await put(issuer);
      assert.equal(refused.statusCode, 422, issuer);
      assert.equal(refused.json().code, 'oidc_discovery_failed', issuer);
      assert.equal(refused.json().detail, ONE_TEXT, issuer);
      answers.add(JSON.stringify(refused.json()));
    }
    assert.equal(answers.size, 1, 'every failure reads the same');
    // Plain http on this machine is not allowed just because PUBLIC_URL is http://localhost.
    const insecure = await put('http://127.0.0.1:9/');
    assert.equal(insecure.statusCode, 400);
    assert.equal(insecure.json().errors[0].path, 'issuer');
  });
});

describeEachDatabase('organization provider URLs (OIDC_ALLOW_PRIVATE_PROVIDERS for development)', (ctx) => {
  test('loopback is reachable, and a closed port and an open one that is no provider read the same', async () => {
    const put = await organizationAdmin(ctx().app);
    const listener = createServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n'));
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    try {
      const open = await put(`http://127.0.0.1:${(listener.address() as AddressInfo).port}/`);
      const closed = await put('http://127.0.0.1:9/');
      assert.equal(open.statusCode, 422);
      assert.deepEqual(open.json(), closed.json());
      assert.equal(open.json().detail, ONE_TEXT);
    } finally {
      listener.close();
    }
  });
}, { env: { OIDC_ALLOW_PRIVATE_PROVIDERS: 'true' } });
