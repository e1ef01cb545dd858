// All wiring in one place: every service is built here from the infrastructure and its peers.
// The web app, the worker and the CLI all use the same services.
import type { Config } from './config.ts';
import { deriveKey } from './config.ts';
import type { Db } from './db/database.ts';
import type { Dialect } from './db/connect.ts';
import type { Clock } from './lib/clock.ts';
import type { Metrics } from './http/metrics.ts';
import { createAuditService } from './modules/audit/audit.service.ts';
import { createApiKeyService } from './modules/apikeys/apikeys.service.ts';
import { createSessionService } from './modules/sessions/sessions.service.ts';

export interface Infrastructure {
  config: Config;
  db: Db;
  dialect: Dialect;
  clock: Clock;
  metrics: Metrics;
}

export function createServices(infra: Infrastructure) {
  const { config, db, clock } = infra;
  const audit = createAuditService({ db, clock });
  const apiKeys = createApiKeyService({ db, clock, key: deriveKey(config.secret, 'api-keys'), audit });
  const sessions = createSessionService({ db, clock });
  // services:end — modules add their services above this line
  return { db, audit, apiKeys, sessions };
}

export type Services = ReturnType<typeof createServices>;
