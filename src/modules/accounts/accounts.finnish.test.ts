// The accounts pages rendered in Finnish in the states a person meets, errors included: signing in (and the
// chooser), creating an account, verifying the email, resetting a password, the account pages. No English
// may be left on them (src/testing/finnish-pages.ts).
import type { App } from '../../app.ts';
import type { Config } from '../../config.ts';
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import { createCampaignWithCodes } from '../redemptions/redemptions.testing.ts';
import { describePagesInFinnish, FINNISH_NAME, type PageCase, type Visitor } from '../../testing/finnish-pages.ts';
import { RESET_PASSWORD_TTL_MS, VERIFY_EMAIL_TTL_MS } from './accounts.service.ts';
import { hashPassword } from './passwords.ts';

const NAME = FINNISH_NAME;
const PASSWORD = 'revontulet kimaltavat 42';
const passwordHash = await hashPassword(PASSWORD);

/** An account with a password, not signed in anywhere. */
async function accountWithPassword(ctx: { app: App; config: Config }, options: Parameters<typeof createAccount>[2] = {}) {
  return createAccount(ctx.app, ctx.config, { displayName: NAME, passwordHash, ...options });
}

async function token(app: App, accountId: string, purpose: 'verify_email' | 'reset_password') {
  return app.services.accounts.issueToken(app.services.db, accountId, purpose, purpose === 'verify_email' ? VERIFY_EMAIL_TTL_MS : RESET_PASSWORD_TTL_MS);
}

async function signInWith(v: Visitor, email: string, password: string) {
  await v.get('/signin');
  return v.post('/signin', { email, password });
}

/** One email, a personal account with PASSWORD and a work account with another: the chooser. */
async function chooser(v: Visitor, ctx: { app: App; config: Config }) {
  const email = uniqueEmail('valitsija');
  await accountWithPassword(ctx, { email });
  const work = await accountWithPassword(ctx, { email, kind: 'organizational', passwordHash: await hashPassword('toinen salasana 77') });
  const organization = (await ctx.app.services.accounts.findAccount(work.id))!.organization!;
  return { response: await signInWith(v, email, PASSWORD), organization };
}

/** A code typed on /redeem by someone not signed in: it waits in the session. */
async function codeWaiting(v: Visitor, ctx: { app: App; config: Config }) {
  const campaign = await createCampaignWithCodes(ctx.app, ctx.config);
  await v.get('/redeem');
  await v.post('/redeem', { country: 'FI', code: campaign.codes[0]! });
}

let organizationName = '';

const PAGES: PageCase[] = [
  // ---- signing in
  { name: 'sign in', visit: (v) => v.get('/signin') },
  { name: 'sign in, signed out', visit: (v) => v.get('/signin?signedOut=1') },
  { name: 'sign in, signed in already', allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/signin'); } },
  { name: 'sign in, a code waiting', visit: async (v, ctx) => { await codeWaiting(v, ctx); return v.get('/signin'); } },
  { name: 'sign in, wrong password', status: 401, visit: async (v, ctx) => {
    const account = await accountWithPassword(ctx);
    return signInWith(v, account.email, 'not the password');
  } },
  { name: 'sign in, too many attempts', status: 429, visit: async (v, ctx) => {
    const account = await accountWithPassword(ctx);
    await v.get('/signin');
    let last = await v.post('/signin', { email: account.email, password: 'wrong 1' });
    for (let i = 2; last.statusCode !== 429 && i < 30; i++) last = await v.post('/signin', { email: account.email, password: `wrong ${i}` });
    return last;
  } },
  { name: 'which account? (the chooser)', visit: async (v, ctx) => {
    const { response, organization } = await chooser(v, ctx);
    organizationName = organization.name;
    return response;
  }, get allowed() { return [organizationName]; } },
  { name: 'chooser, an account whose password was not typed', visit: async (v, ctx) => {
    const { organization } = await chooser(v, ctx);
    organizationName = organization.name;
    return v.post('/signin/choose', { choice: `organizational:${organization.id}` });
  }, get allowed() { return [organizationName]; } },
  { name: 'chooser, nothing chosen', status: 400, visit: async (v, ctx) => {
    const { organization } = await chooser(v, ctx);
    organizationName = organization.name;
    return v.post('/signin/choose', { choice: 'nothing' });
  }, get allowed() { return [organizationName]; } },

  // ---- creating an account and verifying its email
  { name: 'create account', visit: (v) => v.get('/signup') },
  { name: 'create account, a code waiting', visit: async (v, ctx) => { await codeWaiting(v, ctx); return v.get('/signup'); } },
  { name: 'create account, nothing filled in', status: 400, visit: async (v) => {
    await v.get('/signup');
    return v.post('/signup', { email: '', password: '', displayName: '', country: '' });
  } },
  { name: 'create account, a weak password', status: 400, visit: async (v) => {
    await v.get('/signup');
    return v.post('/signup', { email: uniqueEmail('heikko'), password: 'password', displayName: NAME, country: 'FI' });
  }, allowed: [NAME] },
  { name: 'create account, the email is taken', status: 409, visit: async (v, ctx) => {
    const taken = await accountWithPassword(ctx);
    await v.get('/signup');
    return v.post('/signup', { email: taken.email, password: PASSWORD, displayName: NAME, country: 'FI' });
  }, allowed: [NAME] },
  { name: 'check your email', allowed: [NAME], visit: async (v) => {
    await v.get('/signup');
    await v.post('/signup', { email: uniqueEmail('uusi'), password: PASSWORD, displayName: NAME, country: 'FI' });
    return v.get('/signup/check-email');
  } },
  { name: 'check your email, a code waiting', allowed: [NAME], visit: async (v, ctx) => {
    await codeWaiting(v, ctx);
    await v.get('/signup');
    await v.post('/signup', { email: uniqueEmail('koodi'), password: PASSWORD, displayName: NAME, country: 'FI' });
    return v.get('/signup/check-email');
  } },
  { name: 'check your email, sent again', allowed: [NAME], visit: async (v) => {
    await v.signIn({ verified: false });
    await v.get('/account');
    return v.post('/verify-email/resend', {});
  } },
  { name: 'verify your email', visit: (v) => v.get('/verify-email?token=abc') },
  { name: 'verify your email, the link is cut short', visit: (v) => v.get('/verify-email') },
  { name: 'verify your email, a link used up', status: 400, visit: async (v) => {
    await v.get('/verify-email?token=used-up');
    return v.post('/verify-email', { token: 'used-up' });
  } },
  { name: 'email verified, on a second device', visit: async (v, ctx) => {
    const account = await accountWithPassword(ctx, { verified: false });
    const link = await token(ctx.app, account.id, 'verify_email');
    await v.get(`/verify-email?token=${link}`);
    return v.post('/verify-email', { token: link });
  } },

  // ---- a forgotten password
  { name: 'forgot password', visit: (v) => v.get('/forgot-password') },
  { name: 'forgot password, no email', status: 400, visit: async (v) => { await v.get('/forgot-password'); return v.post('/forgot-password', { email: '' }); } },
  { name: 'forgot password, link sent', visit: async (v) => { await v.get('/forgot-password'); return v.post('/forgot-password', { email: uniqueEmail('unohtui') }); } },
  { name: 'reset password', visit: (v) => v.get('/reset-password?token=abc') },
  { name: 'reset password, the link is cut short', visit: (v) => v.get('/reset-password') },
  { name: 'reset password, a bad link', status: 400, visit: async (v) => {
    await v.get('/reset-password?token=bad');
    return v.post('/reset-password', { token: 'bad', password: 'uusi salasana 2027' });
  } },
  { name: 'reset password, too short', status: 400, visit: async (v, ctx) => {
    const account = await accountWithPassword(ctx);
    const link = await token(ctx.app, account.id, 'reset_password');
    await v.get(`/reset-password?token=${link}`);
    return v.post('/reset-password', { token: link, password: 'lyhyt' });
  } },
  { name: 'password changed', visit: async (v, ctx) => {
    const account = await accountWithPassword(ctx);
    const link = await token(ctx.app, account.id, 'reset_password');
    await v.get(`/reset-password?token=${link}`);
    return v.post('/reset-password', { token: link, password: 'uusi salasana 2027' });
  } },

  // ---- the account pages
  { name: 'your account (personal)', allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/account'); } },
  { name: 'your account, email not verified', allowed: [NAME], visit: async (v) => { await v.signIn({ verified: false }); return v.get('/account'); } },
  { name: 'your account, profile saved', allowed: [NAME], visit: async (v) => {
    await v.signIn();
    await v.get('/account');
    await v.post('/account/profile', { displayName: NAME, country: 'SE' });
    return v.get('/account');
  } },
  { name: 'your account, profile without a name', status: 400, allowed: [NAME], visit: async (v) => {
    await v.signIn();
    await v.get('/account');
    return v.post('/account/profile', { displayName: '', country: 'FI' });
  } },
  { name: 'your account, wrong current password', status: 400, allowed: [NAME], visit: async (v, ctx) => {
    const account = await accountWithPassword(ctx);
    await signInWith(v, account.email, PASSWORD);
    await v.get('/account');
    return v.post('/account/password', { currentPassword: 'not it', newPassword: 'uusi salasana 2027' });
  } },
  { name: 'your account, password changed', allowed: [NAME], visit: async (v, ctx) => {
    const account = await accountWithPassword(ctx);
    await signInWith(v, account.email, PASSWORD);
    await v.get('/account');
    await v.post('/account/password', { currentPassword: PASSWORD, newPassword: 'uusi salasana 2027' });
    return v.get('/account');
  } },
  { name: 'your account (organizational, signs in through the organization)', visit: async (v, ctx) => {
    const made = await v.signIn({ kind: 'organizational' });
    organizationName = (await ctx.app.services.accounts.findAccount(made.id))!.organization!.name;
    return v.get('/account');
  }, get allowed() { return [NAME, organizationName]; } },
  { name: 'which account am I using? (personal)', allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/account/type'); } },
  { name: 'which account am I using? (organizational)', visit: async (v, ctx) => {
    const made = await v.signIn({ kind: 'organizational' });
    organizationName = (await ctx.app.services.accounts.findAccount(made.id))!.organization!.name;
    return v.get('/account/type');
  }, get allowed() { return [NAME, organizationName]; } },
];

describePagesInFinnish('accounts pages in Finnish', PAGES);
