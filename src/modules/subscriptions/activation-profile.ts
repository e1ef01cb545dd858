// The profile a recipient fills in to activate a subscription: pure rules, no database.
import type { FieldError } from '../../lib/errors.ts';
import { isCountryCode } from '../../lib/countries.ts';

export interface ActivationProfile {
  firstName: string;
  lastName: string;
  email: string;
  country: string;
  phone?: string;
  company?: string;
  addressLine?: string;
  city?: string;
  postalCode?: string;
}

export type ProfileField = keyof ActivationProfile;

const limits: Record<ProfileField, number> = {
  firstName: 100, lastName: 100, email: 254, country: 2, phone: 32, company: 200, addressLine: 200, city: 100, postalCode: 20,
};

const labels: Record<ProfileField, string> = {
  firstName: 'first name', lastName: 'last name', email: 'email address', country: 'country', phone: 'phone number',
  company: 'company', addressLine: 'address', city: 'city', postalCode: 'postal code',
};

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const PHONE = /^\+?[0-9][0-9 ().-]*$/;

/**
 * Trims every field, drops empty optional ones and checks each; errors name `profile.<field>`.
 * The pages ask for a phone number; the API leaves it optional.
 */
export function parseProfile(input: unknown, options: { phoneRequired?: boolean } = {}): { profile: ActivationProfile; errors: FieldError[] } {
  const raw = (input && typeof input === 'object' ? input : {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  const text = (field: ProfileField) => (typeof raw[field] === 'string' ? raw[field].trim().replace(/\s+/g, ' ') : '');
  const fail = (field: ProfileField, message: string) => errors.push({ path: `profile.${field}`, message });
  const profile: Partial<ActivationProfile> = {};

  for (const field of Object.keys(limits) as ProfileField[]) {
    const value = field === 'country' ? text(field).toUpperCase() : text(field);
    if (value === '') continue;
    if (value.length > limits[field]) fail(field, `Shorten the ${labels[field]} to at most ${limits[field]} characters.`);
    // oxlint-disable-next-line no-control-regex -- control characters are exactly what this refuses
    else if (/[\u0000-\u001f\u007f]/.test(value)) fail(field, `Remove the control characters from the ${labels[field]}.`);
    profile[field] = value;
  }

  if (!profile.firstName) fail('firstName', 'Enter your first name.');
  if (!profile.lastName) fail('lastName', 'Enter your last name.');
  if (!profile.email) fail('email', 'Enter your email address.');
  else if (!EMAIL.test(profile.email)) fail('email', 'Enter an email address like name@example.com.');
  if (!profile.country) fail('country', 'Select your country.');
  else if (!isCountryCode(profile.country)) fail('country', 'Select a country from the list.');
  if (profile.phone) {
    const digits = profile.phone.replace(/\D/g, '').length;
    if (!PHONE.test(profile.phone) || digits < 6 || digits > 15) fail('phone', 'Enter a phone number with 6 to 15 digits, like +358 40 123 4567.');
  } else if (options.phoneRequired) {
    fail('phone', 'Enter your phone number.');
  }
  return { profile: profile as ActivationProfile, errors: dedupe(errors) };
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => (seen.has(e.path) ? false : (seen.add(e.path), true)));
}

/** A first guess at first and last name from a display name ("Ada Lovelace" → Ada, Lovelace). */
export function splitDisplayName(displayName: string): { firstName: string; lastName: string } {
  const parts = displayName.trim().split(/\s+/).filter(Boolean);
  if (parts.length <= 1) return { firstName: parts[0] ?? '', lastName: '' };
  return { firstName: parts.slice(0, -1).join(' '), lastName: parts[parts.length - 1]! };
}

export const sameEmail = (a: string, b: string): boolean => a.trim().toLowerCase() === b.trim().toLowerCase();
