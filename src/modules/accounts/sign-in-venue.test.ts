// Issue 9, item 1: a conference behind one NAT address. 300 people sign in and redeem from one address,
// a tenth of them mistyping passwords and codes several times; an attacker behind the same address then
// guesses as much as it can. Everyone honest gets through (slowed at most), the attacker gets no more
// than the limits allow, and people who signed in from their browser before are not held by what the
// attacker did to the address. Waits are recorded, never slept. On SQLite and PostgreSQL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { buildApp, type App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { createTestDatabase, describeEachDatabase, redisSkipReason, testConfig, testRedisUrl, type TestDatabase } from '../../testing/harness.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { openPage, postForm, sessionCookie } from '../../testing/pages.ts';
import { ADDRESS_LIMITS as CODE_ADDRESS_LIMITS } from '../redemptions/guessing-limits.ts';
import { createCampaignWithCodes, neverIssuedCode } from '../redemptions/redemptions.testing.ts';
import { hashPassword } from './passwords.ts';
import { MAX_CONSECUTIVE_FAILURES } from './sign-in-throttle.ts';

const PASSWORD = 'lantern orbit velvet 42';
// Small sign-in limits: each failure costs an argon2 check, and a real hard limit of 1,000 would take a minute.
const LIMITS = { softLimit: 50, hardLimit: 150 };
const PEOPLE = 300;
const MISTAKES = 3;
const waits: number[] = [];

/** The scenario, on whichever app (database, memory or Redis) the suite built. */
function conference(ctx: () => { app: App; config: Config }) {
  // Its own address per run: in Redis the counts outlive the run.
  const VENUE = `203.0.113.${1 + Math.floor(Math.random() * 250)}`;
  const signIn = (email: string, password: string, cookie?: string) => ctx().app.inject({
    method: 'POST', url: '/api/v1/sessions', payload: { email, password }, remoteAddress: VENUE, headers: cookie ? { cookie } : {},
  });
  const checkCode = (code: string) => ctx().app.inject({ method: 'POST', url: '/api/v1/redemptions/check', payload: { code, country: 'FI' }, remoteAddress: VENUE });
  const redeem = (cookie: string, code: string) => ctx().app.inject({
    method: 'POST', url: '/api/v1/redemptions', payload: { code, country: 'FI' }, remoteAddress: VENUE, headers: { cookie },
  });

  test(`${PEOPLE} people sign in and redeem from one address while a tenth mistype; an attacker there stays within the limits`, async () => {
    const { app, config } = ctx();
    const passwordHash = await hashPassword(PASSWORD);
    const people: TestAccount[] = [];
    for (let i = 0; i < PEOPLE; i += 50) {
      people.push(...await Promise.all(Array.from({ length: Math.min(50, PEOPLE - i) }, () => createAccount(app, config, { passwordHash }))));
    }
    const campaign = await createCampaignWithCodes(app, config, { count: PEOPLE });
    const mistypes = (i: number) => i % 10 === 0;
    const devices: string[] = [];
    waits.length = 0;

    // ---- the morning: everyone types their code, signs in from a new browser and redeems -------------
    await inBatches(people, 4, async (person, i) => {
      const code = campaign.codes[i]!;
      if (mistypes(i)) {
        for (let k = 0; k < MISTAKES; k++) assert.equal((await checkCode(neverIssuedCode())).statusCode, 404, `person ${i} mistakes a code`);
      }
      assert.equal((await checkCode(code)).statusCode, 200, `person ${i} checks the code`);
      if (mistypes(i)) {
        for (let k = 0; k < MISTAKES; k++) assert.equal((await signIn(person.email, `${PASSWORD} typo ${k}`)).statusCode, 401, `person ${i} mistypes`);
      }
      const signedIn = await signIn(person.email, PASSWORD);
      assert.equal(signedIn.statusCode, 200, `person ${i} signs in: ${signedIn.body}`);
      devices[i] = deviceCookie(signedIn);
      assert.equal((await redeem(sessionCookie(signedIn)!, code)).statusCode, 201, `person ${i} redeems`);
    });
    const honestFailures = (PEOPLE / 10) * MISTAKES;
    // Past the soft limit every sign-in at the address waited a moment (nobody can tell a guess in advance); none was refused.
    assert.ok(waits.length >= honestFailures - LIMITS.softLimit, `${waits.length} waits`);
    assert.ok(waits.every((ms) => ms > 0 && ms <= 5000));

    // ---- an attacker behind the same address ------------------------------------------------------------
    // One account: 10 guesses, then that email is locked for cookie-less browsers at this address.
    const victim = people[1]!;
    const onVictim = await repeatUntilRefused(() => signIn(victim.email, 'is it this one'));
    assert.equal(onVictim, MAX_CONSECUTIVE_FAILURES);
    // Many accounts: the address has room for hardLimit failures an hour, the honest ones included.
    let sprayed = 0;
    for (const target of people.slice(2)) {
      const response = await signIn(target.email, 'password spray 2026');
      if (response.statusCode === 429) break;
      assert.equal(response.statusCode, 401);
      sprayed++;
    }
    assert.equal(honestFailures + onVictim + sprayed, LIMITS.hardLimit, 'no more guesses than the hard limit');
    assert.equal((await signIn(people[5]!.email, 'one more')).statusCode, 429, 'past the hard limit, refused');
    // Signed-out code guessing from the address: no more than the code limit either.
    const codeGuesses = await repeatUntilRefused(() => checkCode(neverIssuedCode()));
    assert.equal(codeGuesses + (PEOPLE / 10) * MISTAKES, CODE_ADDRESS_LIMITS.hardLimit);

    // ---- the afternoon: everyone signs in again from the browser they used, mistypers first mistyping ----
    waits.length = 0;
    await inBatches(people, 4, async (person, i) => {
      if (mistypes(i) || person === victim) {
        assert.equal((await signIn(person.email, `${PASSWORD} again`, devices[i])).statusCode, 401, `person ${i} mistypes again`);
      }
      const again = await signIn(person.email, PASSWORD, devices[i]);
      assert.equal(again.statusCode, 200, `person ${i} signs in again from their browser: ${again.body}`);
      // Signed in and verified, a person's code checks are held by their own limit, not the address's.
      assert.equal((await ctx().app.inject({
        method: 'POST', url: '/api/v1/redemptions/check', payload: { code: campaign.codes[i], country: 'FI' }, remoteAddress: VENUE,
        headers: { cookie: sessionCookie(again)! },
      })).statusCode, 200);
    });
    assert.deepEqual(waits, [], 'remembered browsers are not slowed by the address');

    // A device cookie is for its own email only, and a stolen one is held by its own lockout.
    assert.equal((await signIn(people[7]!.email, PASSWORD, devices[8])).statusCode, 429, 'another email\'s cookie does not exempt');
    const stolen = await repeatUntilRefused(() => signIn(people[9]!.email, 'guessing with a cookie', devices[9]));
    assert.equal(stolen, MAX_CONSECUTIVE_FAILURES);
  });
}

const recordWait = async (ms: number) => { waits.push(ms); };

describeEachDatabase('a conference behind one address', (ctx) => conference(ctx), { sleep: recordWait, signInAddressLimits: LIMITS });

describe('a conference behind one address, limits shared through Redis [sqlite]', { skip: redisSkipReason }, () => {
  let database: TestDatabase;
  let app: App;
  before(async () => {
    database = await createTestDatabase('sqlite');
    const config = testConfig(database.url, { REDIS_URL: testRedisUrl });
    app = await buildApp({ config, database: database.handle, logger: false, sleep: recordWait, signInAddressLimits: LIMITS });
    await app.ready();
    // The global code-guessing count is shared by every run against this Redis within the hour.
    await app.services.redis!.del('cloudpass:redeem-failures:global:all');
  });
  after(async () => {
    await app?.close();
    await database?.drop();
  });
  conference(() => ({ app, config: app.services.config }));
});

function deviceCookie(response: LightMyRequestResponse): string {
  const cookie = response.cookies.find((c) => c.name.includes('cloudpass_device_'));
  assert.ok(cookie, 'a successful sign-in remembers the browser');
  assert.equal(cookie.httpOnly, true);
  return `${cookie.name}=${cookie.value}`;
}

/** How many answers before the first 429 (each of them a 401 or 404). */
async function repeatUntilRefused(attempt: () => Promise<LightMyRequestResponse>, max = 5000): Promise<number> {
  for (let n = 0; n < max; n++) {
    const response = await attempt();
    if (response.statusCode === 429) return n;
    assert.ok([401, 404].includes(response.statusCode), response.body);
  }
  throw new Error(`never refused after ${max} attempts`);
}

async function inBatches<T>(items: T[], size: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) {
    await Promise.all(items.slice(i, i + size).map((item, k) => fn(item, i + k)));
  }
}


describeEachDatabase('the sign-in page remembers the browser', (ctx) => {
  test('after a page sign-in, that browser gets in although its email is locked at its address', async () => {
    const { app, config } = ctx();
    const person = await createAccount(app, config, { passwordHash: await hashPassword(PASSWORD) });
    const address = `198.18.0.${1 + Math.floor(Math.random() * 250)}`;
    const first = await openPage(app, '/signin');
    const signedIn = await postForm(app, '/signin', first.cookie, { _csrf: first.csrf!, email: person.email, password: PASSWORD }, address);
    assert.equal(signedIn.statusCode, 303);
    const device = deviceCookie(signedIn);
    // Someone else behind the address locks this email for browsers without its cookie.
    for (let i = 0; i < MAX_CONSECUTIVE_FAILURES; i++) {
      const other = await openPage(app, '/signin');
      assert.equal((await postForm(app, '/signin', other.cookie, { _csrf: other.csrf!, email: person.email, password: `guess ${i}` }, address)).statusCode, 401);
    }
    const stranger = await openPage(app, '/signin');
    assert.equal((await postForm(app, '/signin', stranger.cookie, { _csrf: stranger.csrf!, email: person.email, password: PASSWORD }, address)).statusCode, 429);
    const again = await openPage(app, '/signin', device);
    const back = await postForm(app, '/signin', `${again.cookie}; ${device}`, { _csrf: again.csrf!, email: person.email, password: PASSWORD }, address);
    assert.equal(back.statusCode, 303, back.body);
  });
});
