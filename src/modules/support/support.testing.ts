// Test data and calls for support tests: subscriptions made through the subscriptions service, and the API
// calls the tests make.
import { createHmac, randomBytes } from 'node:crypto';
import type { App } from '../../app.ts';
import { deriveKey } from '../../config.ts';
import { CASE_REQUEST_TTL_MS } from './support.service.ts';
import { systemActor } from '../audit/audit.service.ts';
import { signUpForTrial } from '../subscriptions/subscriptions.testing.ts';

/**
 * A free-trial subscription of the account (verified, as the account factory makes them), signed up and
 * moved on by the subscriptions service's own transitions: pending, provisioning, or failed for good.
 */
export async function createSubscription(app: App, accountId: string, status: 'pending' | 'provisioning' | 'failed' = 'failed'): Promise<string> {
  const { subscriptions, db } = app.services;
  const id = await signUpForTrial(app, accountId);
  await db.transaction().execute(async (trx) => {
    if (status === 'provisioning') await subscriptions.markProvisioning(trx, id, systemActor);
    if (status === 'failed') await subscriptions.markFailed(trx, id, 'the platform said no (test)', systemActor);
  });
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

/**
 * A signed-out visitor's request as the form leaves it, with the token its mail would carry (for tests that
 * cannot read the mail: without SMTP the outbox keeps the token sealed away). Hashed as the service does.
 */
export async function insertCaseRequest(app: App, fields: { email: string; subject: string; locale?: string }): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const hash = createHmac('sha256', deriveKey(app.services.config.secret, 'support-case-requests')).update(token).digest('hex');
  const now = app.services.clock.now();
  await app.services.db.insertInto('support_case_requests').values({
    token_hash: hash, email: fields.email, locale: fields.locale ?? 'en', category: 'account', subject: fields.subject,
    description: 'Kirjauduin, mutta viestiä ei tullut.', created_at: now.toISOString(),
    expires_at: new Date(now.getTime() + CASE_REQUEST_TTL_MS).toISOString(), used_at: null, case_id: null,
  }).execute();
  return token;
}
