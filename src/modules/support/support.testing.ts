// Test data and calls for support tests: subscriptions inserted directly, and the API calls the tests make.
import type { App } from '../../app.ts';
import { newId } from '../../lib/ids.ts';
import type { SubscriptionStatus } from '../subscriptions/subscriptions.table.ts';

/** A free-trial subscription of the account, as if it had signed up a moment ago. */
export async function createSubscription(app: App, accountId: string, status: SubscriptionStatus = 'failed'): Promise<string> {
  const id = newId();
  const now = new Date().toISOString();
  await app.services.db.insertInto('subscriptions').values({
    id, account_id: accountId, offer: 'free-trial', redemption_id: null, status, credit_currency: 'USD', validity_days: 30,
    starts_at: null, ends_at: null, external_id: null, profile: '{}', failure_reason: null, created_at: now, updated_at: now,
  }).execute();
  return id;
}

export type Caller = { cookie: string } | { authorization: string } | null;

const headersOf = (caller: Caller): Record<string, string> => (caller ? { ...caller } : {});

export function call(app: App, caller: Caller, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return app.inject({ method, url: `/api/v1${url}`, headers: headersOf(caller), payload: payload as Record<string, unknown> | undefined });
}

export const validCase = { category: 'technical', subject: 'The portal does not load', description: 'It shows a blank page.' };

export async function openCase(app: App, caller: Caller, body: object = validCase): Promise<{ id: string; [key: string]: unknown }> {
  const response = await call(app, caller, 'POST', '/support/cases', body);
  if (response.statusCode !== 201) throw new Error(`opening a case answered ${response.statusCode}: ${response.body}`);
  return response.json();
}

export async function mailTo(app: App, email: string) {
  return app.services.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).orderBy('created_at').execute();
}

export async function auditOf(app: App, caseId: string) {
  const rows = await app.services.db.selectFrom('audit_events').selectAll().where('subject_id', '=', caseId).orderBy('at').orderBy('id').execute();
  return rows.map((r) => ({ action: r.action, actorType: r.actor_type, details: JSON.parse(r.details) as Record<string, unknown> }));
}
