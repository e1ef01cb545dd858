// Password rules (NIST 800-63B style): a minimum length, a generous maximum, no composition rules,
// and a refusal of well-known passwords. Hashing is argon2id with the OWASP-recommended parameters.
import { createRequire } from 'node:module';
import argon2 from 'argon2';
import { DomainError, ValidationError } from '../../lib/errors.ts';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

// The list (49,000 passwords, decompressed when its package loads) is read at the first password check,
// not at start: most processes (workers, most requests) never check one, and it costs ~10 MB of memory.
let commonPasswords: ReadonlySet<string> | undefined;
function loadCommonPasswords(): ReadonlySet<string> {
  if (commonPasswords) return commonPasswords;
  const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
  const list = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  if (list.size < 10_000) {
    throw new Error(`the common-password list has only ${list.size} entries; at least 10,000 are required`);
  }
  return (commonPasswords = list);
}

export const commonPasswordCount = (): number => loadCommonPasswords().size;

/** Throws `weak_password` (too short or well known) or a validation error (too long). */
export function assertPasswordAllowed(password: string, path = 'password'): void {
  const length = [...password].length;
  if (length > MAX_PASSWORD_LENGTH) {
    throw new ValidationError([{ path, message: `The password must be at most ${MAX_PASSWORD_LENGTH} characters.` }]);
  }
  let message: string | undefined;
  if (length < MIN_PASSWORD_LENGTH) message = `The password must be at least ${MIN_PASSWORD_LENGTH} characters.`;
  else if (loadCommonPasswords().has(password.toLowerCase())) {
    message = 'This password is too common and easy to guess. Choose another one.';
  }
  if (message) throw new DomainError('weak_password', message, { errors: [{ path, message }] });
}

const hashOptions = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, hashOptions);
}

/** False for a wrong password and for a hash that is not an argon2 hash. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/** Spends the same time as a real check, so an unknown email cannot be told from a wrong password. */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('cloudpass-dummy-password-for-timing');
  await verifyPassword(await dummyHash, password);
  return false;
}
