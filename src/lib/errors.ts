// Domain errors: a stable code and a plain-language message. They know nothing of HTTP;
// src/http/problem.ts maps each code to a status once.

export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly code: string,
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
