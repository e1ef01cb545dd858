// The process's Prometheus metrics: HTTP counters that src/http/ fills and the domain counters services
// increment. Services take the counters they use as a dependency; src/http/metrics.ts serves them.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per app, so tests that build several apps do not share counters. */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    httpRequests: counter('cloudpass_http_requests_total', 'HTTP requests by method, route and status', ['method', 'route', 'status']),
    httpDuration: new Histogram({
      name: 'cloudpass_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry],
    }),
    codesGenerated: counter('cloudpass_codes_generated_total', 'Pass codes generated'),
    codesRevoked: counter('cloudpass_codes_revoked_total', 'Pass codes revoked'),
    campaignsCreated: counter('cloudpass_campaigns_created_total', 'Campaigns created'),
    signIns: counter('cloudpass_sign_ins_total', 'Sign-in attempts by outcome', ['outcome']),
    accountsCreated: counter('cloudpass_accounts_created_total', 'Accounts created by kind', ['kind']),
    redemptions: counter('cloudpass_redemptions_total', 'Redemption attempts by outcome', ['outcome']),
    redemptionFailures: counter('cloudpass_redemption_failures_total', 'Well-formed codes that were never issued (guessing)', ['scope']),
    activations: counter('cloudpass_activations_total', 'Subscriptions created by offer', ['offer']),
    provisioning: counter('cloudpass_provisioning_total', 'Provisioning attempts by outcome', ['outcome']),
    mailSent: counter('cloudpass_mail_total', 'Emails by outcome', ['outcome']),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
