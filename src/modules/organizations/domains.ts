// Email domains an organization claims, and the DNS record that proves a claim: the rules without I/O.
import { randomBytes } from 'node:crypto';
import { domainToASCII } from 'node:url';
import type { FieldError } from '../../lib/errors.ts';

export const DNS_RECORD_PREFIX = '_cloudpass-verification';

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** The domain as stored (lower case, IDNA ASCII, no trailing dot), or null when it is not a domain name. */
export function normalizeDomain(input: string): string | null {
  const trimmed = input.trim().replace(/^@/, '').replace(/\.$/, '');
  if (trimmed === '' || /[\s/:@?#[\]]/.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (!ascii || ascii.length > 253) return null;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return null;
  // A top-level label is never all digits: this refuses IP addresses too.
  if (/^\d+$/.test(labels[labels.length - 1]!)) return null;
  return ascii;
}

/** The domain part of an email address, normalised; null when there is none. */
export function emailDomain(email: string): string | null {
  const at = email.lastIndexOf('@');
  return at < 0 ? null : normalizeDomain(email.slice(at + 1));
}

export const dnsRecordName = (domain: string): string => `${DNS_RECORD_PREFIX}.${domain}`;

/** resolveTxt answers each record as the chunks it was published in; a long token may be split. */
export function txtRecordsContain(records: string[][], token: string): boolean {
  return records.some((chunks) => chunks.join('').trim() === token);
}

/** The field error for a domain typed into a form or the API, if any. */
export function checkDomain(domain: unknown, path = 'domain'): FieldError[] {
  if (typeof domain !== 'string' || domain.trim() === '') return [{ path, message: 'Enter a domain, such as example.com.' }];
  if (!normalizeDomain(domain)) return [{ path, message: 'Enter a domain name such as example.com (without https:// or @).' }];
  return [];
}

/** A claim on a domain that no organization has proven yet. */
export function newDomainRow(organizationId: string, domain: string, now: string) {
  return { organization_id: organizationId, domain, verification_token: `cloudpass-${randomBytes(18).toString('base64url')}`, verified_at: null, created_at: now };
}
