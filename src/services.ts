// All wiring in one place: every service is built here from the infrastructure and its peers.
// The web app, the worker and the CLI all use the same services.
import type { Config } from './config.ts';
import { deriveKey } from './config.ts';
import type { Db } from './db/database.ts';
import type { Dialect } from './db/connect.ts';
import type { Clock } from './lib/clock.ts';
import type { Metrics } from './lib/metrics.ts';
import type { Redis } from './lib/redis.ts';
import { createAuditService } from './modules/audit/audit.service.ts';
import { createApiKeyService } from './modules/apikeys/apikeys.service.ts';
import { createSessionService } from './modules/sessions/sessions.service.ts';
import { createCampaignService } from './modules/campaigns/campaigns.service.ts';
import { codeHasher, createCodeService } from './modules/codes/codes.service.ts';
import { createRedemptionService } from './modules/redemptions/redemptions.service.ts';
import { createMailService } from './modules/mail/mail.service.ts';
import { createAccountService } from './modules/accounts/accounts.service.ts';
import { createOrganizationalAccountService } from './modules/accounts/organizational-accounts.service.ts';
import { createOrganizationService } from './modules/organizations/organizations.service.ts';
import { createMemberService } from './modules/organizations/members.service.ts';
import { createDomainService } from './modules/organizations/domains.service.ts';
import { createOidcService } from './modules/organizations/oidc.service.ts';
import { createSubscriptionEvents } from './modules/subscriptions/subscription-events.ts';
import { createSubscriptionService } from './modules/subscriptions/subscriptions.service.ts';
import { createCreditService } from './modules/credit/credit.service.ts';
import { createSettingsService } from './modules/settings/settings.service.ts';
import { createJobQueue, createJobService } from './modules/jobs/jobs.service.ts';
import type { HousekeepingTask } from './modules/jobs/housekeeping.ts';
import { createPlatformRequests, createProvisioningService } from './modules/provisioning/provisioning.service.ts';
import { createSupportService } from './modules/support/support.service.ts';
import { createLifecycleService } from './modules/lifecycle/lifecycle.service.ts';
import { createReportService } from './modules/reports/reports.service.ts';
import { createRecipientService } from './modules/reports/recipients.service.ts';
import { createHelpService } from './modules/help/help.service.ts';

export interface Infrastructure {
  config: Config;
  db: Db;
  dialect: Dialect;
  clock: Clock;
  metrics: Metrics;
  /** Set when REDIS_URL is: shared throttling and live updates across instances. */
  redis?: Redis;
  /** How throttles wait before a slowed-down attempt (default: real time). */
  sleep?: (ms: number) => Promise<unknown>;
  /** Sign-in address limits (tests make them small: each failure costs an argon2 check). */
  signInAddressLimits?: { softLimit: number; hardLimit: number };
}

export function createServices(infra: Infrastructure) {
  const { config, db, clock } = infra;
  /** Stops timers and connections the services hold (not the database: its owner closes it). */
  const closers: Array<() => Promise<void> | void> = [];
  const audit = createAuditService({ db, clock });
  const apiKeys = createApiKeyService({ db, clock, key: deriveKey(config.secret, 'api-keys'), audit });
  const sessions = createSessionService({ db, clock });
  const subscriptionEvents = createSubscriptionEvents({ redis: infra.redis });
  closers.push(() => subscriptionEvents.close());
  const mail = createMailService({ db, clock, config, metrics: infra.metrics, closers });
  const settings = createSettingsService({ db, clock, audit });
  /** The program's name in emails: the operator's branding, as last read. */
  const programName = () => settings.currentBranding().programName;
  const accounts = createAccountService({ db, clock, config, metrics: infra.metrics, audit, mail, sessions, redis: infra.redis,
    signInLimits: { sleep: infra.sleep, address: infra.signInAddressLimits }, programName });
  // Read-only figures across modules; campaigns take their code counts from it.
  const reports = createReportService({ db, clock });
  const campaigns = createCampaignService({ db, clock, audit, metrics: infra.metrics, stats: reports });
  const codes = createCodeService({ db, clock, audit, metrics: infra.metrics, hashCode: codeHasher(config), campaigns });
  const redemptions = createRedemptionService({ db, dialect: infra.dialect, clock, config, metrics: infra.metrics, audit, redis: infra.redis, sleep: infra.sleep, codes });
  const credit = createCreditService({ clock, dialect: infra.dialect });
  // The queue first: modules enqueue through it; the workers that run every module's jobs come last.
  const jobQueue = createJobQueue({ clock });
  // Subscriptions ask the platform through this port; provisioning carries the requests out.
  const platformRequests = createPlatformRequests({ jobs: jobQueue });
  const subscriptions = createSubscriptionService({ db, clock, metrics: infra.metrics, audit, credit, settings, events: subscriptionEvents, redemptions, platform: platformRequests });
  const organizationalAccounts = createOrganizationalAccountService({ db, clock, sessions });
  const organizations = createOrganizationService({ db, clock, config, metrics: infra.metrics, audit, accounts, organizationalAccounts });
  const organizationMembers = createMemberService({ db, config, metrics: infra.metrics, audit, mail, accounts, organizationalAccounts, programName });
  const organizationDomains = createDomainService({ db, clock, audit });
  const organizationSignIn = createOidcService({ db, config, metrics: infra.metrics, audit, accounts, organizationalAccounts });
  const support = createSupportService({ db, clock, config, audit, mail, subscriptions, redis: infra.redis, programName });
  const provisioning = createProvisioningService({
    db, clock, config, metrics: infra.metrics, audit, mail, accounts, subscriptions, support, credit, jobs: jobQueue, subscriptionEvents,
  });
  const lifecycle = createLifecycleService({
    db, clock, config, audit, settings, credit, subscriptions, accounts, mail, jobs: jobQueue, events: subscriptionEvents,
  });
  const jobs = createJobService({
    db, dialect: infra.dialect, clock, queue: jobQueue, handlers: { ...provisioning.handlers, ...lifecycle.handlers }, recurring: { ...lifecycle.recurring },
  });
  /** What every process that works jobs deletes now and then (src/modules/jobs/housekeeping.ts). */
  const housekeeping: HousekeepingTask[] = [
    { name: 'expired sessions', run: () => sessions.purgeExpired() },
    { name: 'idempotency keys', run: () => subscriptions.purgeIdempotencyKeys() },
    { name: 'finished jobs', run: () => jobs.purgeFinished() },
    { name: 'spent support case requests', run: () => support.purgeSpentRequests() },
  ];
  const recipients = createRecipientService({ db, clock, config, audit, mail, credit, accounts, subscriptions, redemptions, programName });
  const help = createHelpService();
  // services:end — modules add their services above this line
  const close = async () => { for (const fn of closers) await fn(); };
  return { db, config, clock, metrics: infra.metrics, redis: infra.redis, audit, apiKeys, sessions, campaigns, codes, subscriptionEvents, credit, settings, subscriptions, mail, accounts, organizationalAccounts, redemptions, organizations, organizationMembers, organizationDomains, organizationSignIn, jobs, provisioning, support, lifecycle, reports, recipients, help, housekeeping, close };
}

export type Services = ReturnType<typeof createServices>;
