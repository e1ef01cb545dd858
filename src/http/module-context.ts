// What every module's routes and pages receive from src/app.ts: the services, the configuration, the
// cookie helpers and the page support. Kept apart from app.ts so that a route file does not import the
// file that imports every route file.
import type { Config } from '../config.ts';
import type { Metrics } from '../lib/metrics.ts';
import type { Services } from '../services.ts';
import type { SessionCookies } from './auth.ts';
import type { PageSupport } from './pages.tsx';

export interface ModuleContext {
  config: Config;
  services: Services;
  cookies: SessionCookies;
  metrics: Metrics;
  pages: PageSupport;
}
