// Domain errors: a stable code and a plain-language message. They know nothing of HTTP;
// src/http/problem.ts maps each code to a status once.

/**
 * Every stable error code cloudpass gives. The API shows it as `code`; src/http/problem.ts maps each to
 * its HTTP status and src/http/form-errors.ts to the form field a page shows it beside.
 */
export const ERROR_CODES = [
  'validation_failed', 'weak_password', 'invalid_token',
  'unauthenticated', 'invalid_credentials',
  'forbidden', 'csrf_failed', 'origin_mismatch', 'country_not_eligible', 'email_not_verified', 'organization_membership_required',
  'not_found', 'invalid_code', 'oidc_not_configured',
  'method_not_allowed',
  'email_taken', 'account_choice_required', 'code_already_used', 'pass_limit_reached', 'already_activated', 'trial_already_used', 'free_trial_off',
  'conflict', 'cannot_remove_self', 'last_admin', 'domain_exists', 'domain_taken',
  'code_expired', 'code_revoked',
  'payload_too_large', 'unsupported_media_type',
  'code_mistyped', 'profile_mismatch', 'idempotency_key_reused', 'domain_not_verified', 'oidc_discovery_failed', 'oidc_sign_in_failed',
  'campaign_paused',
  'too_many_attempts',
  'internal_error', 'service_unavailable',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra members for the problem document, e.g. `choices` or `retryAfterSeconds`. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export class ValidationError extends DomainError {
  constructor(readonly errors: FieldError[]) {
    super('validation_failed', errors.map((e) => e.message).join('; ') || 'The request is not valid.', { errors });
  }
}

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super('not_found', `${what} was not found.`);
  }
}

export class TooManyAttemptsError extends DomainError {
  constructor(readonly retryAfterSeconds: number, message = 'Too many attempts. Try again later.') {
    super('too_many_attempts', message);
  }
}
