// Renders pages in Finnish (Accept-Language: fi) in the states a person meets, including the ones that show
// errors, and finds English left on them. Each module lists its own pages in a `*.finnish.test.ts` next to
// them: how to get there (a visitor with a cookie jar does GETs and form POSTs), and the data the test
// itself put on the page.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { createAccount } from './factories.ts';
import { englishLeftovers } from './english-leftovers.ts';
import { describeEachDatabase, type TestContext } from './harness.ts';
import { formVisitor } from '../modules/redemptions/redemptions.testing.ts';

export interface Visitor {
  get(url: string): Promise<LightMyRequestResponse>;
  post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse>;
  /** Signs in as a new verified personal account with a Finnish name (FINNISH_NAME unless told). */
  signIn(options?: Parameters<typeof createAccount>[2]): Promise<{ id: string; email: string }>;
  /** Uses an existing session cookie ("name=value"), e.g. an operator's. */
  useCookie(cookie: string): void;
}

export interface PageCase {
  name: string;
  /** Ends on the page to check; returns its response. */
  visit: (v: Visitor, ctx: TestContext) => Promise<LightMyRequestResponse>;
  /** Text the case put on the page itself. */
  allowed?: string[];
  status?: number;
}

export const FINNISH_NAME = 'Aino Virtanen';

/** One test per page, on each database: the page answers in Finnish with no English left on it. */
export function describePagesInFinnish(title: string, pages: readonly PageCase[], options?: Parameters<typeof describeEachDatabase>[2]): void {
  describeEachDatabase(title, (ctx) => {
    function visitor(): Visitor {
      const browser = formVisitor(ctx().app, { language: 'fi-FI,fi;q=0.9,en;q=0.5' });
      return {
        ...browser,
        signIn: async (options = {}) => {
          const made = await createAccount(ctx().app, ctx().config, { displayName: FINNISH_NAME, ...options });
          browser.useCookie(made.cookie);
          return made;
        },
      };
    }

    for (const page of pages) {
      test(page.name, async () => {
        const response = await page.visit(visitor(), ctx());
        assert.equal(response.statusCode, page.status ?? 200, `${page.name}: ${response.headers.location ?? ''}`);
        assert.match(response.body, /<html lang="fi">/);
        assert.deepEqual(englishLeftovers(response.body, { allowed: page.allowed }), [], `${page.name}: English left on the page`);
      });
    }
  }, options);
}
