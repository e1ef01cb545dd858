// The wording and flow of redeeming and activating a pass as a person meets them (issue 13): a pass waiting
// is said on /redeem, entering your own code again says when you redeemed it, the activation form names every
// problem at once, a refusal for a country names where the pass is valid, the validity reads the same
// everywhere, and each step of the stepper is named after its button. In English and in Finnish.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { translator } from '../../i18n/catalogue.ts';
import { readableTexts } from '../../testing/english-leftovers.ts';
import { createAccount, type TestAccount } from '../../testing/factories.ts';
import { describeEachDatabase } from '../../testing/harness.ts';
import { moveSubscription } from '../subscriptions/subscriptions.testing.ts';
import { createCampaignWithCodes, formVisitor } from './redemptions.testing.ts';

/** The name of the step marked as the current one on a page. */
function currentStep(html: string): string | undefined {
  const item = /<li[^>]*aria-current="step"[^>]*>([\s\S]*?)<\/li>/.exec(html)?.[1];
  return item ? /<span class="steps__label">([^<]*)/.exec(item)?.[1]?.trim() : undefined;
}

/** The text of the page's main button (the header's "Sign out" is not one). */
const submitButton = (html: string) => /<button class="button button--primary" type="submit">([^<]*)<\/button>/.exec(html)?.[1];

describeEachDatabase('redeem and activate: wording and flow', (ctx) => {
  /** A person with a browser: signed in as a new verified account, speaking `lang`. */
  async function person(lang = 'en', options: { country?: string } = {}) {
    const account = await createAccount(ctx().app, ctx().config, { displayName: 'Aino Virtanen', ...options });
    const { get, post } = formVisitor(ctx().app, { language: lang, cookie: account.cookie });
    /** Enters `code` on /redeem, confirms and presses Activate: the activation form's address. */
    const redeem = async (code: string, country = 'FI') => {
      await get('/redeem');
      const entered = await post('/redeem', { country, code });
      assert.equal(entered.headers.location, '/redeem/confirm', entered.body);
      await get('/redeem/confirm');
      const activated = await post('/redeem/confirm', {});
      assert.equal(activated.statusCode, 303);
      return String(activated.headers.location);
    };
    /** Fills the activation form at `url` with the account's details (and `fields`) and presses Sign up. */
    const signUp = async (url: string, fields: Record<string, string> = {}) => {
      const form = await get(url);
      const idempotencyKey = /name="idempotencyKey" value="([^"]+)"/.exec(form.body)?.[1] ?? randomUUID();
      return post(url, {
        idempotencyKey, firstName: 'Aino', lastName: 'Virtanen', email: account.email, country: 'FI', phone: '+358 40 123 4567', ...fields,
      });
    };
    return { account, get, post, redeem, signUp };
  }

  const campaign = (options: Parameters<typeof createCampaignWithCodes>[2] = {}) => createCampaignWithCodes(ctx().app, ctx().config, options);
  const today = (lang: string) => translator(lang).date(new Date());
  const subscriptionsOf = async (account: TestAccount) => ctx().app.services.db.selectFrom('subscriptions').select('id').where('account_id', '=', account.id).execute();

  test('back from the activation form, /redeem says a pass is waiting and links to it; once activated it no longer does', async () => {
    const c = await campaign({ name: 'Spring Workshop' });
    const p = await person();
    const form = await p.redeem(c.codes[0]!);
    // The browser's back button: the confirm page has nothing pending and sends to /redeem.
    const back = await p.get('/redeem/confirm');
    assert.equal(back.headers.location, '/redeem');
    const redeem = await p.get('/redeem');
    assert.equal(redeem.statusCode, 200);
    assert.match(redeem.body, /A pass you redeemed is waiting for you/);
    assert.ok(redeem.body.includes(`Spring Workshop, redeemed on ${today('en')}.`));
    assert.ok(redeem.body.includes(`<a href="${form}">Continue with Spring Workshop</a>`), 'a link to its activation form');

    assert.equal((await p.signUp(form)).statusCode, 303);
    assert.doesNotMatch((await p.get('/redeem')).body, /waiting for you/);
    // Signed out, nobody's passes are named.
    const anonymous = await ctx().app.inject({ url: '/redeem', headers: { accept: 'text/html' } });
    assert.doesNotMatch(anonymous.body, /waiting for you/);
  });

  test('in Finnish, /redeem names the waiting pass and its day in Finnish', async () => {
    const c = await campaign({ name: 'Pilvityöpaja' });
    const p = await person('fi');
    const form = await p.redeem(c.codes[0]!);
    const redeem = await p.get('/redeem');
    assert.match(redeem.body, /Lunastamasi passi odottaa sinua/);
    assert.ok(redeem.body.includes(`Pilvityöpaja, lunastettu ${today('fi')}.`));
    assert.ok(redeem.body.includes(`<a href="${form}">Jatka passin Pilvityöpaja käyttöönottoa</a>`));
  });

  test('the owner entering their own code again is told when they redeemed it, before and after activation', async () => {
    const c = await campaign();
    const p = await person();
    const form = await p.redeem(c.codes[0]!);
    await p.get('/redeem');
    const again = await p.post('/redeem', { country: 'FI', code: c.codes[0]! });
    assert.equal(again.headers.location, `${form}?again=1`);
    const landed = await p.get(String(again.headers.location));
    assert.equal(landed.statusCode, 200);
    assert.ok(landed.body.includes(`You redeemed this code on ${today('en')}.`));
    // Coming to the form the usual way says nothing of it.
    assert.doesNotMatch((await p.get(form)).body, /You redeemed this code/);

    const signedUp = await p.signUp(form);
    const status = String(signedUp.headers.location);
    assert.doesNotMatch((await p.get(status)).body, /You redeemed this code/);
    await p.get('/redeem');
    const afterActivation = await p.post('/redeem', { country: 'FI', code: c.codes[0]! });
    assert.equal(afterActivation.headers.location, `${status}?again=1`);
    const subscriptionPage = await p.get(String(afterActivation.headers.location));
    assert.equal(subscriptionPage.statusCode, 200);
    assert.ok(subscriptionPage.body.includes(`You redeemed this code on ${today('en')}.`));
  });

  test('in Finnish, the owner entering their own code again is told the day in Finnish', async () => {
    const c = await campaign();
    const p = await person('fi');
    const form = await p.redeem(c.codes[0]!);
    await p.get('/redeem');
    const again = await p.post('/redeem', { country: 'FI', code: c.codes[0]! });
    assert.equal(again.headers.location, `${form}?again=1`);
    assert.ok((await p.get(`${form}?again=1`)).body.includes(`Lunastit tämän koodin ${today('fi')}.`));
  });

  test('the activation form names every problem at once: format, missing and mismatched fields; nothing is created', async () => {
    const c = await campaign();
    const p = await person();
    const form = await p.redeem(c.codes[0]!);
    const response = await p.signUp(form, { firstName: '', email: 'someone.else@example.test', country: 'SE', phone: 'call me' });
    assert.equal(response.statusCode, 400);
    const texts = readableTexts(response.body, 'en');
    for (const expected of [
      'Enter your first name.',
      'Enter a phone number with 6 to 15 digits, like +358 40 123 4567.',
      `Use the email address of the account you are signed in with: ${p.account.email}.`,
      'Select the country this pass was redeemed for: Finland.',
    ]) assert.ok(texts.includes(expected), `${expected} in one round`);
    assert.equal((await subscriptionsOf(p.account)).length, 0);

    // Only the mismatches left: said the same way, as before.
    const mismatch = await p.signUp(form, { email: 'someone.else@example.test' });
    assert.equal(mismatch.statusCode, 422);
    assert.ok(readableTexts(mismatch.body, 'en').includes(`Use the email address of the account you are signed in with: ${p.account.email}.`));
    assert.equal((await p.signUp(form)).statusCode, 303);
  });

  test('the API names every problem of a profile at once too', async () => {
    const c = await campaign();
    const p = await person();
    const form = await p.redeem(c.codes[0]!);
    const redemptionId = form.split('/').pop()!;
    const response = await ctx().app.inject({
      method: 'POST', url: '/api/v1/subscriptions', headers: { cookie: p.account.cookie, 'content-type': 'application/json' },
      payload: { offer: 'pass', redemptionId, profile: { firstName: 'Aino', lastName: '', email: 'other@example.test', country: 'SE' } },
    });
    assert.equal(response.statusCode, 400);
    const problem = response.json<{ code: string; errors: Array<{ path: string }> }>();
    assert.equal(problem.code, 'validation_failed');
    assert.deepEqual(problem.errors.map((e) => e.path).sort(), ['profile.country', 'profile.email', 'profile.lastName']);
  });

  test('in Finnish, every problem of the activation form is said at once, country names in Finnish', async () => {
    const c = await campaign();
    const p = await person('fi');
    const form = await p.redeem(c.codes[0]!);
    const response = await p.signUp(form, { phone: '', email: 'toinen@example.test', country: 'SE' });
    assert.equal(response.statusCode, 400);
    const texts = readableTexts(response.body, 'fi');
    for (const expected of [
      'Kirjoita puhelinnumerosi.',
      `Käytä sen tilin sähköpostiosoitetta, jolla olet kirjautunut: ${p.account.email}.`,
      'Valitse maa, johon tämä passi lunastettiin: Suomi.',
    ]) assert.ok(texts.includes(expected), expected);
  });

  test('a pass refused for the country names the countries where it can be redeemed, in the page\'s language', async () => {
    const two = await campaign({ countries: ['SE', 'NO'] });
    const en = await person();
    await en.get('/redeem');
    const refused = await en.post('/redeem', { country: 'FI', code: two.codes[0]! });
    assert.equal(refused.statusCode, 403);
    const english = readableTexts(refused.body, 'en').join('\n');
    assert.match(english, /This pass is not available in Finland\. This pass can be redeemed in (Sweden and Norway|Norway and Sweden)\./);

    const fi = await person('fi');
    await fi.get('/redeem');
    const finnish = readableTexts((await fi.post('/redeem', { country: 'FI', code: two.codes[0]! })).body, 'fi').join('\n');
    assert.match(finnish, /Tämä passi ei ole käytettävissä maassa Suomi\. Tämän passin voi lunastaa näissä maissa: (Ruotsi ja Norja|Norja ja Ruotsi)\./);

    const one = await campaign({ countries: ['SE'] });
    await fi.get('/redeem');
    const only = readableTexts((await fi.post('/redeem', { country: 'FI', code: one.codes[0]! })).body, 'fi').join('\n');
    assert.match(only, /Tämän passin voi lunastaa vain maassa Ruotsi\./);
    await en.get('/redeem');
    assert.match(readableTexts((await en.post('/redeem', { country: 'FI', code: one.codes[0]! })).body, 'en').join('\n'), /This pass can only be redeemed in Sweden\./);
  });

  test('the validity reads "N days after activation" on every page, in both languages', async () => {
    for (const [lang, phrase] of [['en', '45 days after activation'], ['fi', '45 päivää aktivoinnista']] as const) {
      const c = await campaign({ validityDays: 45 });
      const p = await person(lang);
      await p.get('/redeem');
      await p.post('/redeem', { country: 'FI', code: c.codes[0]! });
      const confirm = await p.get('/redeem/confirm');
      assert.ok(confirm.body.includes(phrase), `${lang}: confirm step`);
      const form = await p.redeem(c.codes[1]!);
      assert.ok((await p.get(form)).body.includes(phrase), `${lang}: activation form`);
      const status = String((await p.signUp(form)).headers.location);
      const statusPage = (await p.get(status)).body;
      assert.ok(statusPage.includes(phrase), `${lang}: status page while setting up`);
      const portal = (await p.get('/portal')).body;
      assert.ok(portal.includes(phrase), `${lang}: portal card while setting up`);
      for (const page of [confirm.body, statusPage, portal]) assert.doesNotMatch(page, /after setup|from setup|once ready/);
      const id = status.split('/').pop()!;
      await moveSubscription(ctx().app, id, { to: 'active' });
    }
  });

  test('each step of the stepper is named after the button that ends it', async () => {
    for (const [lang, activate, signUp] of [['en', 'Activate', 'Sign up'], ['fi', 'Aktivoi', 'Rekisteröidy']] as const) {
      const i18n = translator(lang);
      const c = await campaign();
      const p = await person(lang);
      await p.get('/redeem');
      await p.post('/redeem', { country: 'FI', code: c.codes[0]! });
      const confirm = (await p.get('/redeem/confirm')).body;
      assert.equal(submitButton(confirm), activate);
      assert.equal(currentStep(confirm), i18n.t('subs.step.activate'));
      const form = (await p.get(String((await p.post('/redeem/confirm', {})).headers.location))).body;
      assert.equal(submitButton(form), signUp);
      assert.equal(currentStep(form), i18n.t('subs.step.signUp'));
      // No step carries the other step's button.
      assert.doesNotMatch(form, /<span class="steps__label">Activate<\/span>[\s\S]*<span class="steps__label">Activate</);
    }
    assert.equal(translator('en').t('subs.step.activate'), 'Activate');
    assert.equal(translator('en').t('subs.step.signUp'), 'Sign up');
  });
});
