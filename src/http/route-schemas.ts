// Applied to every route as it is added (an `onRoute` hook in app.ts), so routes other modules add later
// get the same two guarantees without remembering them:
// - every text input (body, query, path, headers) refuses control characters: a string with no pattern,
//   enum, const or format of its own gets SingleLineText's pattern, so SQLite and PostgreSQL refuse the
//   same bytes with the same 400 (a route that means several lines says MultiLineText itself);
// - every operation in the OpenAPI description lists the error statuses any route can give, each as an
//   RFC 9457 problem under `application/problem+json`, besides the ones the route lists itself.
import type { RouteOptions } from 'fastify';
import { ProblemSchema, SINGLE_LINE_PATTERN } from './schemas.ts';

type Schema = Record<string | symbol, unknown>;
const INPUT_PARTS = ['body', 'querystring', 'params', 'headers'] as const;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const PROBLEM_TYPE = 'application/problem+json';

/** Adds the shared text pattern to every unconstrained string of a request schema; returns a copy when it changed something. */
export function hardenTextInputs<T>(schema: T): T {
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) return schema;
  const source = schema as Schema;
  let copy: Schema | undefined;
  const set = (key: string, value: unknown) => {
    if (value === source[key]) return;
    copy ??= { ...source };
    copy[key] = value;
  };
  if (source.type === 'string' && source.pattern === undefined && source.enum === undefined && source.const === undefined && source.format === undefined) {
    set('pattern', SINGLE_LINE_PATTERN);
  }
  for (const key of ['items', 'additionalProperties', 'not'] as const) set(key, hardenTextInputs(source[key]));
  for (const key of ['properties', 'patternProperties'] as const) {
    const children = source[key] as Record<string, unknown> | undefined;
    if (!children || typeof children !== 'object') continue;
    let changed = false;
    const next = Object.fromEntries(Object.entries(children).map(([name, child]) => {
      const hardened = hardenTextInputs(child);
      if (hardened !== child) changed = true;
      return [name, hardened];
    }));
    if (changed) set(key, next);
  }
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) {
    const list = source[key];
    if (!Array.isArray(list)) continue;
    const next = list.map((child) => hardenTextInputs(child));
    if (next.some((child, i) => child !== list[i])) set(key, next);
  }
  return (copy ?? source) as T;
}

/** The problem statuses any route can give, from what it accepts and how it is called. */
export function sharedProblemStatuses(route: { method: string; schema: Schema; url: string }): number[] {
  const statuses = new Set<number>([401, 500]);
  const { schema } = route;
  if (schema.body || schema.querystring || schema.params || schema.headers) statuses.add(400);
  if (schema.body) { statuses.add(413); statuses.add(415); }
  // A cookie-authenticated write from another site's page is refused (origin_mismatch).
  if (!SAFE_METHODS.has(route.method)) statuses.add(403);
  // An id in the path that names nothing this caller may see.
  if (schema.params || /[:{]/.test(route.url)) statuses.add(404);
  return [...statuses];
}

const problemResponse = (description: string) => ({ description, content: { [PROBLEM_TYPE]: { schema: ProblemSchema } } });

function isContentResponse(value: unknown): value is { content: Record<string, unknown> } {
  return typeof value === 'object' && value !== null && 'content' in value && typeof value.content === 'object';
}

/** Every error status of a described route as a problem document under application/problem+json. */
export function describeProblems(response: Record<string, unknown> | undefined, shared: number[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...response };
  for (const [status, value] of Object.entries(out)) {
    if (Number(status) < 400 || isContentResponse(value)) continue;
    out[status] = problemResponse((value as Schema | undefined)?.description as string | undefined ?? 'A problem document (RFC 9457)');
  }
  for (const status of shared) {
    if (out[status] === undefined && out[`${status}`] === undefined) out[status] = problemResponse(SHARED_DESCRIPTIONS[status] ?? 'A problem document (RFC 9457)');
  }
  return out;
}

const SHARED_DESCRIPTIONS: Record<number, string> = {
  400: 'validation_failed: the request does not match this description (`errors` names the fields)',
  401: 'unauthenticated: no valid API key or session where one is needed, or an API key that is not valid',
  403: 'forbidden, or origin_mismatch for a cookie-authenticated write from another site',
  404: 'not_found: nothing with this id that the caller may see',
  413: 'payload_too_large',
  415: 'unsupported_media_type: send JSON',
  500: 'internal_error: a failure on our side; the details are in the server log',
};

/** The `onRoute` hook: hardens text inputs of every route and describes the problems of every documented one. */
export function describeRoute(route: RouteOptions): void {
  const schema = route.schema as Schema | undefined;
  if (!schema) return;
  for (const part of INPUT_PARTS) if (schema[part]) schema[part] = hardenTextInputs(schema[part]);
  if (schema.hide) return;
  const methods = Array.isArray(route.method) ? route.method : [route.method];
  const shared = [...new Set(methods.flatMap((method) => sharedProblemStatuses({ method, schema, url: route.url })))];
  schema.response = describeProblems(schema.response as Record<string, unknown> | undefined, shared);
}
