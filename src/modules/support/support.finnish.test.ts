// The support pages in Finnish, signed out and signed in, in the states a person meets (errors included),
// and the operator's queue and case page: no English may be left on them (src/testing/finnish-pages.ts).
import { createAccount, uniqueEmail } from '../../testing/factories.ts';
import { describePagesInFinnish, FINNISH_NAME, type PageCase, type Visitor } from '../../testing/finnish-pages.ts';
import type { TestContext } from '../../testing/harness.ts';
import { insertCaseRequest } from './support.testing.ts';

const NAME = FINNISH_NAME;
const SUBJECT = 'Vahvistusviesti ei tullut';
const DESCRIPTION = 'Loin tilin tunti sitten, eikä viestiä ole kuulunut.';

const askedFields = (email: string) => ({ email, category: 'account', subject: SUBJECT, description: DESCRIPTION });

/** Signed in, with one case of their own (its id). */
async function withOwnCase(v: Visitor): Promise<string> {
  await v.signIn();
  await v.get('/support/new');
  const opened = await v.post('/support/new', { category: 'technical', subject: SUBJECT, description: DESCRIPTION });
  return String(opened.headers.location);
}

/** A case opened without signing in, by an address with no account: its id, with an operator signed in. */
async function contactCaseForOperator(v: Visitor, ctx: TestContext): Promise<string> {
  const email = uniqueEmail('aino');
  const token = await insertCaseRequest(ctx.app, { email, subject: SUBJECT, locale: 'fi' });
  const opened = await ctx.app.services.support.confirmCaseRequest(token);
  const admin = await createAccount(ctx.app, ctx.config, { operatorAdmin: true, displayName: NAME });
  v.useCookie(admin.cookie);
  return opened.id;
}

const PAGES: PageCase[] = [
  // ---- signed out ----
  { name: 'support, signed out', visit: (v) => v.get('/support') },
  { name: 'new case, signed out', visit: (v) => v.get('/support/new') },
  { name: 'new case, signed out, empty form', status: 400, visit: async (v) => {
    await v.get('/support/new');
    return v.post('/support/new', { email: '', category: '', subject: '', description: '' });
  } },
  { name: 'new case, signed out, a bad address and a long subject', status: 400, allowed: ['aino@', 'x'.repeat(201)], visit: async (v) => {
    await v.get('/support/new');
    return v.post('/support/new', { email: 'aino@', category: 'account', subject: 'x'.repeat(201), description: DESCRIPTION });
  } },
  { name: 'new case, signed out, too many requests for one address', status: 429, allowed: [SUBJECT, DESCRIPTION], visit: async (v) => {
    const email = uniqueEmail('aino');
    for (let i = 0; i < 4; i++) {
      await v.get('/support/new');
      const response = await v.post('/support/new', askedFields(email));
      if (response.statusCode === 429) return response;
    }
    throw new Error('the fourth request for one address was not refused');
  } },
  { name: 'check your email', visit: async (v) => {
    await v.get('/support/new');
    await v.post('/support/new', askedFields(uniqueEmail('aino')));
    return v.get('/support/check-email');
  } },
  { name: 'open the case from the link', visit: (v) => v.get('/support/confirm?token=abc') },
  { name: 'the case is open', allowed: [SUBJECT], visit: async (v, ctx) => {
    const token = await insertCaseRequest(ctx.app, { email: uniqueEmail('aino'), subject: SUBJECT, locale: 'fi' });
    await v.get(`/support/confirm?token=${token}`);
    return v.post('/support/confirm', { token });
  } },
  { name: 'the link does not work', status: 400, visit: async (v) => {
    await v.get('/support/confirm?token=abc');
    return v.post('/support/confirm', { token: 'abc' });
  } },
  // ---- signed in ----
  { name: 'your cases, none yet', allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/support'); } },
  { name: 'your cases', allowed: [NAME, SUBJECT], visit: async (v) => { await withOwnCase(v); return v.get('/support'); } },
  { name: 'new case, signed in', allowed: [NAME], visit: async (v) => { await v.signIn(); return v.get('/support/new'); } },
  { name: 'new case, signed in, empty form', status: 400, allowed: [NAME], visit: async (v) => {
    await v.signIn();
    await v.get('/support/new');
    return v.post('/support/new', { category: '', subject: '', description: '' });
  } },
  { name: 'the case', allowed: [NAME, SUBJECT, DESCRIPTION], visit: async (v) => v.get(await withOwnCase(v)) },
  { name: 'the case, an empty reply', status: 400, allowed: [NAME, SUBJECT, DESCRIPTION], visit: async (v) => {
    const path = await withOwnCase(v);
    await v.get(path);
    return v.post(`${path}/messages`, { body: ' ' });
  } },
  // ---- the operator ----
  { name: 'support queue', allowed: [NAME, SUBJECT], visit: async (v, ctx) => {
    await contactCaseForOperator(v, ctx);
    return v.get('/admin/support');
  } },
  { name: 'a case without an account, in the console', allowed: [NAME, SUBJECT, 'Kirjauduin, mutta viestiä ei tullut.'], visit: async (v, ctx) => {
    const id = await contactCaseForOperator(v, ctx);
    return v.get(`/admin/support/${id}`);
  } },
];

describePagesInFinnish('support pages in Finnish', PAGES);
