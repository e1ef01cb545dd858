import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MULTI_LINE_PATTERN, SINGLE_LINE_PATTERN } from './schemas.ts';
import { DomainError, ERROR_CODES, TooManyAttemptsError, type ErrorCode, type FieldError } from '../lib/errors.ts';

/** The HTTP status of every stable error code; the type makes the map complete. */
const statusByCode: Record<ErrorCode, number> = {
  validation_failed: 400,
  weak_password: 400,
  invalid_token: 400,
  unauthenticated: 401,
  invalid_credentials: 401,
  forbidden: 403,
  csrf_failed: 403,
  origin_mismatch: 403,
  country_not_eligible: 403,
  email_not_verified: 403,
  organization_membership_required: 403,
  not_found: 404,
  invalid_code: 404,
  oidc_not_configured: 404,
  method_not_allowed: 405,
  email_taken: 409,
  account_choice_required: 409,
  code_already_used: 409,
  pass_limit_reached: 409,
  already_activated: 409,
  trial_already_used: 409,
  free_trial_off: 409,
  conflict: 409,
  cannot_remove_self: 409,
  last_admin: 409,
  domain_exists: 409,
  domain_taken: 409,
  code_expired: 410,
  code_revoked: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  code_mistyped: 422,
  profile_mismatch: 422,
  idempotency_key_reused: 422,
  domain_not_verified: 422,
  oidc_discovery_failed: 422,
  oidc_sign_in_failed: 422,
  campaign_paused: 423,
  too_many_attempts: 429,
  internal_error: 500,
  service_unavailable: 503,
};

const KNOWN_CODES: ReadonlySet<string> = new Set(ERROR_CODES);

export const statusOf = (code: ErrorCode): number => statusByCode[code];

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: FieldError[];
  [extra: string]: unknown;
}

export function problem(code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem {
  const status = statusOf(code);
  return { type: `urn:cloudpass:problem:${code}`, title: titleOf(code), status, detail, code, ...extra };
}

const titleOf = (code: string) => code.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());

export function sendProblem(reply: FastifyReply, body: Problem): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

/** Turns any thrown error into a problem document; 5xx never carry internals. */
export function toProblem(error: unknown): Problem {
  if (error instanceof TooManyAttemptsError) {
    return problem(error.code, error.message, { retryAfterSeconds: error.retryAfterSeconds });
  }
  // A code from outside the list (only a cast can make one) is a bug: a 500, never a quiet 400.
  if (error instanceof DomainError && KNOWN_CODES.has(error.code)) return problem(error.code, error.message, error.extra);
  const fe = error as FastifyError;
  if (fe.validation) {
    const errors = fe.validation.map((v) => ({
      path: fieldPath(v.instancePath, v.params),
      message: validationMessage(v.keyword, v.params, v.message),
    }));
    return problem('validation_failed', `The ${fe.validationContext ?? 'request'} is not valid.`, { errors });
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem('validation_failed', 'The body is not valid JSON.', { errors: [{ path: '', message: 'is not valid JSON' }] });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem('unsupported_media_type', 'This content type is not accepted here; send JSON.');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem('payload_too_large', 'The request body is too large.');
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { ...problem('validation_failed', 'The request is not valid.'), status: fe.statusCode };
  }
  return problem('internal_error', 'Something went wrong on our side. Please try again.');
}

/** Ajv's words, except where they would show a regular expression to a person. */
function validationMessage(keyword: string, params: Record<string, unknown> | undefined, message: string | undefined): string {
  if (keyword === 'pattern' && params?.pattern === SINGLE_LINE_PATTERN) return 'must be one line of text without control characters';
  if (keyword === 'pattern' && params?.pattern === MULTI_LINE_PATTERN) return 'must be text without control characters';
  return message ?? 'is not valid';
}

function fieldPath(instancePath: string, params: Record<string, unknown>): string {
  const base = instancePath.replace(/^\//, '').replace(/\//g, '.');
  const missing = params?.missingProperty ?? params?.additionalProperty;
  if (typeof missing === 'string') return base ? `${base}.${missing}` : missing;
  return base;
}

/** Pages get an HTML error page, everything else problem+json. */
export interface ErrorPages {
  wantsHtml(request: FastifyRequest): boolean;
  send(request: FastifyRequest, reply: FastifyReply, body: Problem): unknown;
}

export function registerProblemHandler(app: FastifyInstance, pages: ErrorPages): void {
  const respond = (request: FastifyRequest, reply: FastifyReply, body: Problem) =>
    pages.wantsHtml(request) ? pages.send(request, reply, body) : sendProblem(reply, body);
  app.setErrorHandler((error: unknown, request: FastifyRequest, reply: FastifyReply) => {
    const body = toProblem(error);
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    // Set here once, so HTML error pages and problem documents both carry it.
    if (body.retryAfterSeconds !== undefined) reply.header('retry-after', String(Math.ceil(Number(body.retryAfterSeconds))));
    return respond(request, reply, body);
  });
  app.setNotFoundHandler((request, reply) =>
    respond(request, reply, problem('not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`)),
  );
}

/** What every raw answer carries when no route (and so no helmet hook) made it. */
export const RAW_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/**
 * For requests Fastify's router refuses before any route or hook runs (a path with broken %-encoding, a path
 * parameter longer than the router takes): a problem document with the security headers, never Fastify's
 * bare JSON without them. Both are a 400 like any other request that does not match the description.
 */
export function answerFrameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const body = error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH'
    ? problem('validation_failed', error.code === 'FST_ERR_BAD_URL' ? 'The path is not valid: it has broken %-encoding.' : 'A part of the path is too long.',
      { errors: [{ path: 'params', message: 'is not valid' }] })
    : problem('internal_error', 'Something went wrong on our side. Please try again.');
  void reply.headers(RAW_SECURITY_HEADERS).code(body.status).type('application/problem+json').send(body);
}

/**
 * For requests Node's HTTP parser refuses before Fastify sees them (a control byte in a cookie, headers too
 * large, a request that timed out): a problem document like every other error, with the security headers,
 * instead of Fastify's bare `{"error":"Bad Request"}`.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
  const detail = status === 408 ? 'The request took too long to arrive.'
    : status === 431 ? 'The request headers are too large.'
    : 'The request is malformed: a header or the request line has characters HTTP does not allow.';
  const body = JSON.stringify({ ...problem('validation_failed', detail), status });
  const headers = {
    ...RAW_SECURITY_HEADERS, 'Content-Type': 'application/problem+json', 'Content-Length': String(Buffer.byteLength(body)), Connection: 'close',
  };
  if (socket.writable) {
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n${body}`);
  }
  socket.destroy(error);
}
