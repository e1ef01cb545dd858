// Builds the Fastify app: plugins, cross-cutting hooks and every module's routes. It never listens.
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { Config } from './config.ts';
import type { DatabaseHandle } from './db/connect.ts';
import { pendingMigrations } from './db/migrate.ts';
import { registerAuth, registerPageCsrf } from './http/auth.ts';
import { registerLocale } from './http/locale.ts';
import { registerMetrics } from './http/metrics.ts';
import { registerSecurityHeaders } from './http/security-headers.ts';
import { createMetrics, type Metrics } from './lib/metrics.ts';
import { lazySerializerBuilder, lazyValidatorBuilder } from './http/lazy-schemas.ts';
import { answerClientError, answerFrameworkError, registerProblemHandler } from './http/problem.ts';
import { describeRoute } from './http/route-schemas.ts';
import type { ModuleContext } from './http/module-context.ts';
import { createPageSupport, sendErrorPage, wantsHtml } from './http/pages.tsx';
import { createRedis } from './lib/redis.ts';
import { systemClock, type Clock } from './lib/clock.ts';
import { createServices, type Services } from './services.ts';
import { registerAssets } from './web/assets.ts';
import type { Branding } from './web/page-env.ts';
import type { BrandingSettings } from './modules/settings/settings.service.ts';
import { homePages } from './web/home.pages.tsx';
import { campaignRoutes } from './modules/campaigns/campaigns.routes.ts';
import { codeRoutes } from './modules/codes/codes.routes.ts';
import { auditRoutes } from './modules/audit/audit.routes.ts';
import { accountRoutes } from './modules/accounts/accounts.routes.ts';
import { accountPages } from './modules/accounts/accounts.pages.tsx';
import { signInPages } from './modules/accounts/sign-in.pages.tsx';
import { signUpPages } from './modules/accounts/sign-up.pages.tsx';
import { organizationRoutes } from './modules/organizations/organizations.routes.ts';
import { organizationPages } from './modules/organizations/organizations.pages.tsx';
import { memberPages } from './modules/organizations/members.pages.tsx';
import { domainPages } from './modules/organizations/domains.pages.tsx';
import { oidcPages } from './modules/organizations/oidc.pages.tsx';
import { adminPages } from './modules/admin/admin.pages.tsx';
import { mailRoutes } from './modules/mail/mail.routes.ts';
import { redemptionRoutes } from './modules/redemptions/redemptions.routes.ts';
import { redemptionPages } from './modules/redemptions/redemptions.pages.tsx';
import { subscriptionRoutes } from './modules/subscriptions/subscriptions.routes.ts';
import { subscriptionPages } from './modules/subscriptions/subscriptions.pages.tsx';
import { settingsRoutes } from './modules/settings/settings.routes.ts';
import { provisioningRoutes } from './modules/provisioning/provisioning.routes.ts';
import { supportRoutes } from './modules/support/support.routes.ts';
import { supportPages } from './modules/support/support.pages.tsx';
import { lifecycleRoutes } from './modules/lifecycle/lifecycle.routes.ts';
import { reportRoutes } from './modules/reports/reports.routes.ts';
import { campaignPages } from './modules/campaigns/campaigns.pages.tsx';
import { codePages } from './modules/codes/codes.pages.tsx';
import { apiKeyRoutes } from './modules/apikeys/apikeys.routes.ts';
import { apiKeyPages } from './modules/apikeys/apikeys.pages.tsx';
import { settingsPages } from './modules/settings/settings.pages.tsx';
import { recipientRoutes } from './modules/reports/recipients.routes.ts';
import { recipientPages } from './modules/reports/recipients.pages.tsx';
import { helpPages } from './modules/help/help.pages.tsx';

export interface AppOptions {
  config: Config;
  database: DatabaseHandle;
  clock?: Clock;
  /** How throttles wait before they let a slowed-down attempt through (tests pass one that does not). */
  sleep?: (ms: number) => Promise<unknown>;
  /** Sign-in address limits (tests make them small: each failure costs an argon2 check). */
  signInAddressLimits?: { softLimit: number; hardLimit: number };
  /** Pino options, or false for silence (tests). */
  logger?: boolean | object;
}

export type App = FastifyInstance & { services: Services; metrics: Metrics };

export async function buildApp(options: AppOptions): Promise<App> {
  const { config, database } = options;
  const clock = options.clock ?? systemClock;
  const app = Fastify({
    logger: options.logger ?? { level: config.logLevel },
    // A hop count is a function to Fastify's types (its runtime takes the number the same way).
    trustProxy: typeof config.trustProxy === 'number' ? trustHops(config.trustProxy) : config.trustProxy,
    bodyLimit: 1024 * 1024,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
    // Ids are checked by their schemas (a 400 naming the field); the router's own limit only stops the absurd.
    routerOptions: { maxParamLength: 2000 },
    ajv: { customOptions: { removeAdditional: 'all', coerceTypes: false, allErrors: true } },
    schemaController: { compilersFactory: { buildValidator: lazyValidatorBuilder(), buildSerializer: lazySerializerBuilder() } },
  }).withTypeProvider<TypeBoxTypeProvider>();
  // Before any route (and before swagger collects them): shared text pattern on inputs, problems described.
  app.addHook('onRoute', describeRoute);

  const metrics = createMetrics();
  const redis = config.redisUrl ? await createRedis(config.redisUrl) : undefined;
  const services = createServices({ config, db: database.db, dialect: database.dialect, clock, metrics, redis, sleep: options.sleep, signInAddressLimits: options.signInAddressLimits });
  app.addHook('onClose', async () => { await services.close(); redis?.disconnect(); });

  await app.register(cookie);
  // Pages render with the branding last read; read it once now so the first page already has it (a
  // database without migrations yet answers with the default).
  await services.settings.branding().catch(() => undefined);
  registerLocale(app, {
    secure: config.publicUrl.protocol === 'https:',
    branding: () => pageBranding(services.settings.currentBranding()),
    remember: (accountId, locale) => services.accounts.rememberLocale(accountId, locale),
  });
  await app.register(formbody);
  registerSecurityHeaders(app, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"], scriptSrc: ["'self'"], styleSrc: ["'self'"], imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"], frameAncestors: ["'none'"], baseUri: ["'self'"], objectSrc: ["'none'"],
        // Browsers on plain http://localhost must not be sent to https.
        upgradeInsecureRequests: config.publicUrl.protocol === 'https:' ? [] : null,
      },
    },
    strictTransportSecurity: config.publicUrl.protocol === 'https:',
    // helmet's default `no-referrer` makes Chromium send `Origin: null` on same-origin form posts, which the
    // Origin check refuses; `same-origin` still sends nothing to other sites.
    referrerPolicy: { policy: 'same-origin' },
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'cloudpass API', version: readVersion(), description: 'Cloud pass programs: campaigns, pass codes, accounts, redemption and provisioning.' },
      servers: [{ url: config.publicUrl.origin }],
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'An API key from `cloudpass apikey create`' },
          session: { type: 'apiKey', in: 'cookie', name: 'cloudpass_session' },
        },
      },
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    // swagger-ui's own policy allows styles from any https: origin and a validator badge from another site;
    // the docs need neither, so they get the same policy as every other page.
    transformStaticCSP: () => docsPolicy(config.publicUrl.protocol === 'https:'),
    uiConfig: { validatorUrl: null },
  });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  registerProblemHandler(app, { wantsHtml, send: sendErrorPage });
  registerMetrics(app, metrics, { token: config.metricsToken });
  const cookies = registerAuth(app, { config, sessions: services.sessions, apiKeys: services.apiKeys });
  registerPageCsrf(app, services.sessions);
  registerAssets(app);

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`select 1`.execute(database.db);
      const pending = await pendingMigrations(database.db);
      if (pending.length > 0) return reply.code(503).send({ status: 'migrations pending', pending });
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'database unreachable' });
    }
  });

  const pages = createPageSupport({ sessions: services.sessions, cookies });
  const context: ModuleContext = { config, services, cookies, metrics, pages };
  await app.register(async (api) => subscriptionRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (api) => settingsRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (web) => subscriptionPages(web, context));
  await app.register(redemptionRoutes(context), { prefix: '/api/v1' });
  await app.register(redemptionPages(context));
  await app.register(async (api) => accountRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (pages) => signInPages(pages, context));
  await app.register(async (pages) => signUpPages(pages, context));
  await app.register(async (pages) => accountPages(pages, context));
  await app.register(async (api) => mailRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (pages) => adminPages(pages, context));
  await app.register(async (api) => provisioningRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (api) => organizationRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (pages) => organizationPages(pages, context));
  await app.register(async (pages) => memberPages(pages, context));
  await app.register(async (pages) => domainPages(pages, context));
  await app.register(async (pages) => oidcPages(pages, context));
  await app.register(async (api) => campaignRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (api) => codeRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (api) => auditRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (api) => supportRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (api) => reportRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (pages) => campaignPages(pages, context));
  await app.register(async (pages) => codePages(pages, context));
  await app.register(async (pages) => supportPages(pages, context));
  await app.register(async (api) => lifecycleRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (pages) => helpPages(pages, context));
  await app.register(async (pages) => homePages(pages, context));
  await app.register(async (api) => apiKeyRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (pages) => apiKeyPages(pages, context));
  await app.register(async (pages) => settingsPages(pages, context));
  await app.register(async (api) => recipientRoutes(api, context), { prefix: '/api/v1' });
  await app.register(async (pages) => recipientPages(pages, context));
  // routes:end — modules register their routes above this line, e.g. `await app.register(campaignRoutes(context), { prefix: '/api/v1' })`

  app.decorate('services', services);
  app.decorate('metrics', metrics);
  return app as unknown as App;
}

const docsPolicy = (https: boolean) => [
  "default-src 'self'", "base-uri 'self'", "font-src 'self' data:", "form-action 'self'", "frame-ancestors 'none'",
  "img-src 'self' data:", "object-src 'none'", "script-src 'self'", "script-src-attr 'none'", "style-src 'self'",
  ...(https ? ['upgrade-insecure-requests'] : []),
].join('; ');

const pageBranding = (b: BrandingSettings): Branding => ({ programName: b.programName, supportEmail: b.supportEmail, privacyUrl: b.privacyUrl, termsUrl: b.termsUrl });

const trustHops = (hops: number) => (_address: string, hop: number) => hop < hops;

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
