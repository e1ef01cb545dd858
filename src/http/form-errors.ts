// How a refused form shows on its page: the twin of problem.ts for pages. One map says which form field
// each domain error is about; a page catches what its service threw, asks `refusalOf` for the refusal,
// and renders its form again with the messages beside their fields and what was typed kept.
import type { FastifyReply } from 'fastify';
import { translator, type Translator } from '../i18n/catalogue.ts';
import { errorText } from '../i18n/error-text.ts';
import { DomainError, TooManyAttemptsError, type ErrorCode, type FieldError } from '../lib/errors.ts';
import type { FieldErrors } from '../web/components.tsx';
import { statusOf } from './problem.ts';

export interface FormRefusal {
  code: ErrorCode;
  /** The status the page answers with, the same as the API's for this code. */
  status: number;
  /** What went wrong, for the top of the form, in the visitor's language. */
  message: string;
  /** Messages by form field: a validation error's fields, or the one field the code is about. */
  fields: FieldErrors;
  /** Whatever the error carries beyond its message (eligible countries, the retry time …). */
  extra: Record<string, unknown>;
}

/** The form field a code is about, on every page whose form has that field. */
const FIELD_OF_CODE: Partial<Record<ErrorCode, string>> = {
  email_taken: 'email',
  weak_password: 'password',
  invalid_credentials: 'password',
  code_mistyped: 'code',
  invalid_code: 'code',
  code_already_used: 'code',
  code_expired: 'code',
  code_revoked: 'code',
  pass_limit_reached: 'code',
  campaign_paused: 'code',
  country_not_eligible: 'country',
  invalid_token: 'token',
};

/** Codes no form can help with: the error page shows them (sign in, forbidden, an expired form, our own failures). */
const NOT_FOR_FORMS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'unauthenticated', 'forbidden', 'csrf_failed', 'origin_mismatch', 'method_not_allowed', 'payload_too_large',
  'unsupported_media_type', 'internal_error', 'service_unavailable',
]);

export interface RefusalOptions {
  /** A code that means something particular on this page: the field it is about, and the words for it. */
  codes?: Partial<Record<ErrorCode, { field?: string; message?: string }>>;
  /** Service field paths that this form names otherwise, e.g. `profile.email` → `email`. */
  paths?: Record<string, string>;
}

/**
 * The refusal a page shows for a thrown error. Anything that is not a refusal a person can act on — a bug,
 * the database, a missing sign-in — is thrown again for the error page. Sets `Retry-After` when the error
 * says when to try again.
 */
export function refusalOf(error: unknown, reply: FastifyReply, options: RefusalOptions = {}): FormRefusal {
  if (!(error instanceof DomainError) || NOT_FOR_FORMS.has(error.code) || statusOf(error.code) >= 500) throw error;
  if (error instanceof TooManyAttemptsError) reply.header('retry-after', String(error.retryAfterSeconds));
  const i18n = reply.request?.pageEnv?.i18n ?? translator('en');
  const special = options.codes?.[error.code];
  const message = special?.message ?? messageOf(error, i18n);
  const rename = (path: string) => options.paths?.[path] ?? path;
  const fields: FieldErrors = {};
  const listed = (error.extra.errors as FieldError[] | undefined) ?? [];
  for (const e of listed) fields[rename(e.path)] ??= errorText(i18n, e.message);
  const field = special?.field ?? FIELD_OF_CODE[error.code];
  if (listed.length === 0 && field) fields[rename(field)] = message;
  const extra = error instanceof TooManyAttemptsError ? { ...error.extra, retryAfterSeconds: error.retryAfterSeconds } : error.extra;
  return { code: error.code, status: statusOf(error.code), message, fields, extra };
}

/** A domain error's message in the visitor's language; the values it carries are put in that language too. */
function messageOf(error: DomainError, i18n: Translator): string {
  const { extra } = error;
  if (i18n.locale === 'en') return error.message;
  switch (error.code) {
    case 'too_many_attempts':
      if (error.message.startsWith('Too many promo codes') && error instanceof TooManyAttemptsError) {
        return i18n.t('refusal.tooManyCodes', { minutes: Math.max(1, Math.ceil(error.retryAfterSeconds / 60)) });
      }
      break;
    case 'pass_limit_reached':
      if (typeof extra.passesPerAccount === 'number') return i18n.t('refusal.passLimitReached', { max: extra.passesPerAccount });
      break;
    case 'code_expired':
      if (extra.reason === 'redeem_by_passed' && typeof extra.redeemBy === 'string') return i18n.t('refusal.redeemByPassed', { date: i18n.date(extra.redeemBy) });
      break;
    case 'country_not_eligible': {
      const english = /^This pass is not available in (.+)\.$/.exec(error.message)?.[1];
      const country = translator('en').countries().find((c) => c.name === english);
      if (country) return i18n.t('refusal.countryNotEligible', { country: i18n.country(country.code) });
      break;
    }
  }
  return errorText(i18n, error.message, error.code);
}
