import { createHmac, randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import { NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import * as repo from './apikeys.repository.ts';
import type { ApiKeyScope } from './apikeys.table.ts';

export interface ApiKeyView {
  id: string;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const SCOPES: ApiKeyScope[] = ['operator', 'platform'];

export function createApiKeyService(deps: { db: Db; clock: Clock; key: Buffer; audit: AuditService }) {
  const { db, clock, key, audit } = deps;
  const hash = (plain: string) => createHmac('sha256', key).update(plain).digest('hex');

  /** Returns the plain key: it is shown once and only its hash is kept. */
  async function create(input: { name: string; scope: string }, actor: Actor | string = 'cli'): Promise<{ key: string; apiKey: ApiKeyView }> {
    const name = input.name.trim();
    const errors = [];
    if (name.length < 1 || name.length > 100) errors.push({ path: 'name', message: 'name must be 1–100 characters' });
    if (!SCOPES.includes(input.scope as ApiKeyScope)) errors.push({ path: 'scope', message: 'scope must be operator or platform' });
    if (errors.length) throw new ValidationError(errors);
    const plain = `cp_${input.scope === 'operator' ? 'op' : 'pf'}_${randomBytes(24).toString('base64url')}`;
    const row = {
      id: newId(), name, scope: input.scope as ApiKeyScope, key_hash: hash(plain), prefix: plain.slice(0, 10),
      created_at: iso(clock.now()), last_used_at: null, revoked_at: null,
    };
    await db.transaction().execute(async (trx) => {
      await repo.insertApiKey(trx, row);
      await audit.record(trx, typeof actor === 'string' ? { type: 'system', id: null, label: actor } : actor, 'apikey.created', 'api_key', row.id, { name, scope: row.scope });
    });
    return { key: plain, apiKey: toView(row) };
  }

  async function authenticate(plain: string): Promise<ApiKeyView | undefined> {
    const row = await repo.findLiveApiKey(db, hash(plain));
    if (!row) return undefined;
    const now = clock.now();
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
      await repo.touchApiKey(db, row.id, iso(now));
    }
    return toView(row);
  }

  /** Every key, newest first; never the key itself (only its hash is kept). */
  async function list(): Promise<ApiKeyView[]> {
    return (await repo.listApiKeys(db)).map(toView);
  }

  /** From now on the key answers 401. Revoking a revoked key changes nothing and says so by its `revokedAt`. */
  async function revoke(id: string, actor: Actor): Promise<ApiKeyView> {
    return db.transaction().execute(async (trx) => {
      const at = iso(clock.now());
      const revoked = await repo.revokeApiKey(trx, id, at);
      const row = await repo.findApiKey(trx, id);
      if (!row) throw new NotFoundError('This API key');
      if (revoked) await audit.record(trx, actor, 'apikey.revoked', 'api_key', id, { name: row.name, scope: row.scope });
      return toView(row);
    });
  }

  return { create, authenticate, list, revoke };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;

function toView(row: repo.ApiKeyRow): ApiKeyView {
  return { id: row.id, name: row.name, scope: row.scope, prefix: row.prefix, createdAt: row.created_at, lastUsedAt: row.last_used_at, revokedAt: row.revoked_at };
}
