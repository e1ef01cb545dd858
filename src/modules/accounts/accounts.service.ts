// Accounts: personal sign-up, email verification, passwords and their reset, sign-in with the choice
// between the accounts one email holds, profiles and operator admins. The organizations module keeps its
// members' accounts through organizational-accounts.service.ts, and uses the tokens, views and mail here.
import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import { deriveKey } from '../../config.ts';
import type { Db, DbOrTrx } from '../../db/database.ts';
import { isUniqueViolation } from '../../db/unique-violation.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Redis } from '../../lib/redis.ts';
import { isCountryCode } from '../../lib/countries.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { systemActor } from '../audit/audit.service.ts';
import type { MailService } from '../mail/mail.service.ts';
import { toAccountView, type AccountView } from './account-view.ts';
import * as repo from './accounts.repository.ts';
import type { AccountKind, AccountTokenPurpose } from './accounts.table.ts';
import { isLocale } from '../../i18n/catalogue.ts';
import * as mails from './accounts.mails.ts';
import { assertPasswordAllowed, hashPassword, MAX_PASSWORD_LENGTH, verifyAgainstDummy, verifyPassword } from './passwords.ts';
import { createSignInThrottle, type SignInThrottleOptions } from './sign-in-throttle.ts';
import { createDeviceCookies, type DeviceCookie } from './device-cookies.ts';
import { createLimiter } from '../../lib/throttle.ts';

export const VERIFY_EMAIL_TTL_MS = 48 * 60 * 60 * 1000;
export const RESET_PASSWORD_TTL_MS = 60 * 60 * 1000;
const MAX_EMAIL_LENGTH = 254;
const MAX_DISPLAY_NAME_LENGTH = 100;

export interface PersonalAccountInput {
  email: string;
  password: string;
  displayName: string;
  country: string;
  /** The language the person signs up in; their emails are written in it. */
  locale?: string;
}

export interface Credentials {
  email: string;
  password: string;
  accountKind?: AccountKind;
  organizationId?: string;
  /** The client's address, for throttling guesses. */
  clientAddress?: string;
  /** The device cookies the browser sent (see device-cookies.ts); a valid one for this email exempts it from the address limit. */
  deviceCookies?: readonly string[];
}

export interface AccountChoice {
  kind: AccountKind;
  organization: { id: string; name: string } | null;
}

/** The password fits at least one of the accounts this email holds: the caller must say which one. */
export class AccountChoiceRequiredError extends DomainError {
  constructor(readonly choices: AccountChoice[], readonly verifiedAccountIds: string[]) {
    super('account_choice_required', 'This email has more than one account. Choose the one to sign in with.', { choices });
  }
}

const invalidCredentials = () => new DomainError('invalid_credentials', 'The email or password is not correct.');

export function createAccountService(deps: {
  db: Db; clock: Clock; config: Config; metrics: Metrics; audit: AuditService; mail: MailService;
  sessions: { endOtherSessions(accountId: string, keep?: { tokenHash: string }): Promise<void> };
  redis?: Redis;
  /** How a slowed-down sign-in waits, and the address limits (tests make them small). */
  signInLimits?: SignInThrottleOptions;
  /** The program's name for emails (the operator's branding); "cloudpass" when not given. */
  programName?: () => string;
}) {
  const { db, clock, config, metrics, audit, mail, sessions } = deps;
  const programName = () => deps.programName?.() ?? 'cloudpass';
  const tokenKey = deriveKey(config.secret, 'account-tokens');
  const throttle = createSignInThrottle(deps.redis, deps.signInLimits);
  const devices = createDeviceCookies({ key: deriveKey(config.secret, 'device-cookies'), clock, secure: config.publicUrl.protocol === 'https:' });
  // Mails asked for by anyone (resend, reset) are capped per address so nobody can flood an inbox.
  const mailRequests = createLimiter(deps.redis, { keyPrefix: 'account-mail', points: 5, durationSeconds: 3600 });
  const hashToken = (token: string) => createHmac('sha256', tokenKey).update(token).digest('hex');

  async function view(db: DbOrTrx, id: string): Promise<AccountView> {
    const row = await repo.findAccountById(db, id);
    if (!row) throw new NotFoundError('The account');
    return toAccountView(row);
  }

  // ---- tokens ---------------------------------------------------------------

  /** A single-use token for an emailed link; only its keyed hash is stored. */
  async function issueToken(trx: DbOrTrx, accountId: string, purpose: AccountTokenPurpose, ttlMs: number): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    await repo.insertToken(trx, {
      token_hash: hashToken(token), account_id: accountId, purpose,
      created_at: iso(now), expires_at: iso(addMs(now, ttlMs)), used_at: null,
    });
    return token;
  }

  /** Uses the token up and returns its account id; `invalid_token` when unknown, used or expired. */
  async function consumeToken(trx: DbOrTrx, token: string, purpose: AccountTokenPurpose): Promise<string> {
    const row = typeof token === 'string' && token.length > 0 && token.length <= 200
      ? await repo.useToken(trx, hashToken(token), purpose, iso(clock.now()))
      : undefined;
    if (!row) throw new DomainError('invalid_token', 'This link is not valid any more. It may have expired or been used already.');
    return row.account_id;
  }

  /** Whose link this is, while it still works; nothing is used up (a page shows it before the form). */
  async function tokenHolder(token: string, purpose: AccountTokenPurpose): Promise<string | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) return undefined;
    return (await repo.findLiveToken(db, hashToken(token), purpose, iso(clock.now())))?.account_id;
  }

  // ---- sign-up and verification ----------------------------------------------

  async function createPersonalAccount(input: PersonalAccountInput, actor?: Actor): Promise<AccountView> {
    const fields = checkProfile(input);
    const email = input.email.trim();
    const passwordProblem = checkNewPassword(input.password);
    if (fields.length > 0) throw new ValidationError(passwordProblem ? [...fields, passwordProblem.error] : fields);
    if (passwordProblem) throw passwordProblem.cause;
    if (await repo.findPersonalAccountByEmail(db, email)) throw emailTaken();

    const passwordHash = await hashPassword(input.password);
    const id = newId();
    const now = iso(clock.now());
    let token: string;
    try {
      token = await db.transaction().execute(async (trx) => {
        await repo.insertAccount(trx, {
          id, kind: 'personal', organization_id: null, organization_role: null, email,
          email_normalized: repo.normalizeEmail(email), display_name: input.displayName.trim(),
          country: input.country.trim().toUpperCase(), password_hash: passwordHash, email_verified_at: null,
          operator_admin: 0, oidc_subject: null, locale: knownLocale(input.locale), created_at: now, updated_at: now,
        });
        await audit.record(trx, actor ?? { type: 'account', id, label: email }, 'account.created', 'account', id, { kind: 'personal' });
        return issueToken(trx, id, 'verify_email', VERIFY_EMAIL_TTL_MS);
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw emailTaken();
      throw error;
    }
    metrics.accountsCreated.inc({ kind: 'personal' });
    const account = await view(db, id);
    await mail.send(mails.verifyEmail(config.publicUrl, account, token, programName()));
    return account;
  }

  /** The verification link for an account another module created (an organization's first admin), with its token. */
  async function mailVerificationLink(account: AccountView, token: string): Promise<void> {
    await mail.send(mails.verifyEmail(config.publicUrl, account, token, programName()));
  }

  async function verifyEmail(token: string): Promise<AccountView> {
    const id = await db.transaction().execute(async (trx) => {
      const accountId = await consumeToken(trx, token, 'verify_email');
      const account = await view(trx, accountId);
      if (await repo.markEmailVerified(trx, accountId, iso(clock.now()))) {
        await audit.record(trx, { type: 'account', id: accountId, label: account.email }, 'account.email_verified', 'account', accountId);
      }
      return accountId;
    });
    return view(db, id);
  }

  /** Sends a new verification link when an unverified personal account has this email; silent otherwise. */
  async function resendVerification(email: string): Promise<void> {
    if (!isEmail(email) || !(await mailAllowed(email))) return;
    const row = await repo.findPersonalAccountByEmail(db, email);
    if (!row || row.email_verified_at !== null) return;
    const token = await issueToken(db, row.id, 'verify_email', VERIFY_EMAIL_TTL_MS);
    await mail.send(mails.verifyEmail(config.publicUrl, toAccountView(row), token, programName()));
  }

  // ---- passwords --------------------------------------------------------------

  async function setPassword(accountId: string, password: string, trx: DbOrTrx = db): Promise<void> {
    assertPasswordAllowed(password);
    const hash = await hashPassword(password);
    if (!(await repo.updateAccount(trx, accountId, { password_hash: hash, updated_at: iso(clock.now()) }))) {
      throw new NotFoundError('The account');
    }
  }

  /** Mails a reset link to every password account of this email; says nothing about whether there is one. */
  async function requestPasswordReset(email: string): Promise<void> {
    if (!isEmail(email) || !(await mailAllowed(email))) return;
    const rows = (await repo.findAccountsByEmail(db, email)).filter((r) => r.kind === 'personal' || r.password_hash !== null);
    for (const row of rows) {
      const token = await issueToken(db, row.id, 'reset_password', RESET_PASSWORD_TTL_MS);
      await mail.send(mails.resetPassword(config.publicUrl, toAccountView(row), token, programName()));
    }
  }

  /** Sets the new password, ends every session of the account, and proves the email as a side effect. */
  async function confirmPasswordReset(token: string, password: string): Promise<AccountView> {
    assertPasswordAllowed(password);
    const hash = await hashPassword(password);
    const id = await db.transaction().execute(async (trx) => {
      const accountId = await consumeToken(trx, token, 'reset_password');
      const now = iso(clock.now());
      await repo.updateAccount(trx, accountId, { password_hash: hash, updated_at: now });
      await repo.markEmailVerified(trx, accountId, now);
      await repo.expireTokens(trx, accountId, 'reset_password', now);
      const account = await view(trx, accountId);
      await audit.record(trx, { type: 'account', id: accountId, label: account.email }, 'account.password_reset', 'account', accountId);
      return accountId;
    });
    await sessions.endOtherSessions(id);
    return view(db, id);
  }

  async function changePassword(accountId: string, input: { currentPassword: string; newPassword: string }, keep?: { tokenHash: string }): Promise<void> {
    const row = await repo.findAccountById(db, accountId);
    if (!row) throw new NotFoundError('The account');
    const attempt = await throttle.begin(row.email, `account:${accountId}`);
    if (!row.password_hash || !(await verifyPassword(row.password_hash, input.currentPassword))) {
      await attempt.failed();
      throw new ValidationError([{ path: 'currentPassword', message: 'The current password is not correct.' }]);
    }
    await attempt.succeeded();
    assertPasswordAllowed(input.newPassword, 'newPassword');
    const hash = await hashPassword(input.newPassword);
    await db.transaction().execute(async (trx) => {
      await repo.updateAccount(trx, accountId, { password_hash: hash, updated_at: iso(clock.now()) });
      await audit.record(trx, { type: 'account', id: accountId, label: row.email }, 'account.password_changed', 'account', accountId);
    });
    await sessions.endOtherSessions(accountId, keep);
  }

  // ---- sign-in ------------------------------------------------------------------

  /**
   * The account these credentials open. An unknown email and a wrong password look the same
   * (same error, same argon2 work); guesses are throttled. When the password fits and the email holds
   * several accounts and no choice narrows them to one, AccountChoiceRequiredError lists the choices.
   */
  async function authenticate(credentials: Credentials): Promise<AccountView> {
    const { email, password } = credentials;
    if (typeof email !== 'string' || typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH * 4) {
      throw invalidCredentials();
    }
    const device = devices.deviceFor(email, credentials.deviceCookies ?? []);
    const attempt = await throttle.begin(email, { address: credentials.clientAddress ?? 'unknown', device });
    const all = isEmail(email) ? (await repo.findAccountsByEmail(db, email)).filter((r) => r.password_hash !== null) : [];
    const candidates = all.filter((r) => matchesChoice(r, credentials));
    const verified: repo.AccountRow[] = [];
    for (const row of candidates) {
      if (await verifyPassword(row.password_hash!, password)) verified.push(row);
    }
    if (candidates.length === 0) await verifyAgainstDummy(password);
    if (verified.length === 0) {
      await attempt.failed();
      metrics.signIns.inc({ outcome: 'failure' });
      throw invalidCredentials();
    }
    await attempt.succeeded();
    if (candidates.length > 1) {
      metrics.signIns.inc({ outcome: 'choice_required' });
      throw new AccountChoiceRequiredError(candidates.map(choiceOf), verified.map((r) => r.id));
    }
    metrics.signIns.inc({ outcome: 'success' });
    return toAccountView(verified[0]!);
  }

  /** Finishes a sign-in whose password was already checked (the chooser page): the chosen, verified account. */
  async function resolveChoice(verifiedAccountIds: readonly string[], choice: { kind: AccountKind; organizationId?: string }): Promise<AccountView | undefined> {
    for (const id of verifiedAccountIds) {
      const row = await repo.findAccountById(db, id);
      // A member removed from an organization in the meantime keeps its row but no role: never sign it in.
      const removed = row?.kind === 'organizational' && row.organization_role === null;
      if (row && !removed && matchesChoice(row, { accountKind: choice.kind, organizationId: choice.organizationId })) {
        metrics.signIns.inc({ outcome: 'success' });
        return toAccountView(row);
      }
    }
    return undefined;
  }

  /** The device cookie for a browser that just signed in to this email with its password. */
  function rememberDevice(email: string): DeviceCookie {
    return devices.issue(email);
  }

  // ---- profile ------------------------------------------------------------------

  /** With the caller's transaction when it reads what that transaction wrote. */
  async function findAccount(id: string, handle: DbOrTrx = db): Promise<AccountView | undefined> {
    const row = await repo.findAccountById(handle, id);
    return row ? toAccountView(row) : undefined;
  }

  /** Who is told when something needs an operator (a subscription that could not be provisioned). */
  async function operatorAdminEmails(handle: DbOrTrx = db): Promise<string[]> {
    return repo.operatorAdminEmails(handle);
  }

  async function updateProfile(accountId: string, changes: { displayName?: string; country?: string }): Promise<AccountView> {
    const errors: FieldError[] = [];
    if (changes.displayName !== undefined) errors.push(...checkDisplayName(changes.displayName));
    if (changes.country !== undefined) errors.push(...checkCountry(changes.country));
    if (errors.length > 0) throw new ValidationError(errors);
    const now = iso(clock.now());
    await db.transaction().execute(async (trx) => {
      const account = await view(trx, accountId);
      await repo.updateAccount(trx, accountId, {
        ...(changes.displayName !== undefined ? { display_name: changes.displayName.trim() } : {}),
        ...(changes.country !== undefined ? { country: changes.country.trim().toUpperCase() } : {}),
        updated_at: now,
      });
      await audit.record(trx, { type: 'account', id: accountId, label: account.email }, 'account.profile_updated', 'account', accountId, {
        fields: Object.keys(changes).filter((k) => changes[k as keyof typeof changes] !== undefined),
      });
    });
    return view(db, accountId);
  }

  /** The language the person is using now (signing in, switching language): their next emails are in it. */
  async function rememberLocale(accountId: string, locale: string): Promise<void> {
    const known = knownLocale(locale);
    if (known) await repo.updateLocale(db, accountId, known);
  }

  // ---- operator admins ------------------------------------------------------------

  /** A verified personal account with operator rights; an existing personal account is promoted and gets this password. */
  async function createOperatorAdmin(input: { email: string; password: string; displayName?: string; country?: string; resetPassword?: boolean }): Promise<{ account: AccountView; created: boolean }> {
    const email = typeof input.email === 'string' ? input.email.trim() : '';
    const displayName = input.displayName ?? email.split('@')[0] ?? 'Operator';
    const country = input.country ?? 'US';
    const errors = [...checkEmail(email), ...checkDisplayName(displayName), ...checkCountry(country)];
    if (errors.length > 0) throw new ValidationError(errors);
    assertPasswordAllowed(input.password);
    const hash = await hashPassword(input.password);
    const now = iso(clock.now());
    return db.transaction().execute(async (trx) => {
      const existing = await repo.findPersonalAccountByEmail(trx, email);
      const id = existing?.id ?? newId();
      // Replacing someone's password silently would lock them out (or hand their account over): only when asked.
      if (existing && !input.resetPassword) {
        throw new DomainError('email_taken', `An account with ${email} exists already. To make it an operator admin and replace its password, run again with --reset-password.`);
      }
      if (existing) {
        await repo.updateAccount(trx, id, { operator_admin: 1, password_hash: hash, email_verified_at: existing.email_verified_at ?? now, updated_at: now });
      } else {
        await repo.insertAccount(trx, {
          id, kind: 'personal', organization_id: null, organization_role: null, email, email_normalized: repo.normalizeEmail(email),
          display_name: displayName.trim(), country: country.trim().toUpperCase(), password_hash: hash, email_verified_at: now,
          operator_admin: 1, oidc_subject: null, created_at: now, updated_at: now,
        });
      }
      await audit.record(trx, { ...systemActor, label: 'cli' }, existing ? 'admin.promoted' : 'admin.created', 'account', id, existing ? { email, passwordReset: true } : { email });
      return { account: await view(trx, id), created: !existing };
    });
  }

  async function mailAllowed(email: string): Promise<boolean> {
    try {
      await mailRequests.consume(repo.normalizeEmail(email));
      return true;
    } catch {
      return false;
    }
  }

  return {
    issueToken, consumeToken, tokenHolder, createPersonalAccount, mailVerificationLink, verifyEmail, resendVerification, setPassword,
    requestPasswordReset, confirmPasswordReset, changePassword, authenticate, resolveChoice, rememberDevice, findAccount,
    updateProfile, createOperatorAdmin, operatorAdminEmails, rememberLocale,
  };
}

export type AccountService = ReturnType<typeof createAccountService>;

const knownLocale = (locale: string | undefined): string | null => (isLocale(locale) ? locale : null);

function matchesChoice(row: repo.AccountRow, choice: { accountKind?: AccountKind; organizationId?: string }): boolean {
  if (choice.accountKind && row.kind !== choice.accountKind) return false;
  if (choice.organizationId && row.organization_id !== choice.organizationId) return false;
  return true;
}

function choiceOf(row: repo.AccountRow): AccountChoice {
  return {
    kind: row.kind,
    organization: row.organization_id ? { id: row.organization_id, name: row.organization_name ?? '' } : null,
  };
}

const emailTaken = () => new DomainError('email_taken', 'A personal account with this email already exists. Sign in instead, or reset your password.', {
  errors: [{ path: 'email', message: 'A personal account with this email already exists.' }],
});

// ---- input rules (the organizations module checks its members' with them too) -------------

const EMAIL_PATTERN = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:".]+(\.[^\s@<>()[\]\\,;:".]+)+$/;

export function isEmail(email: unknown): email is string {
  return typeof email === 'string' && email.trim().length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(email.trim());
}

export function checkEmail(email: unknown, path = 'email'): FieldError[] {
  if (typeof email !== 'string' || email.trim() === '') return [{ path, message: 'Enter your email address.' }];
  if (!isEmail(email)) return [{ path, message: 'Enter an email address like name@example.com.' }];
  return [];
}

export function checkDisplayName(name: unknown, path = 'displayName'): FieldError[] {
  if (typeof name !== 'string' || name.trim() === '') return [{ path, message: 'Enter a display name.' }];
  if ([...name.trim()].length > MAX_DISPLAY_NAME_LENGTH) return [{ path, message: `The display name must be at most ${MAX_DISPLAY_NAME_LENGTH} characters.` }];
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return [{ path, message: 'The display name cannot contain control characters.' }];
  return [];
}

export function checkCountry(country: unknown, path = 'country'): FieldError[] {
  if (typeof country !== 'string' || country.trim() === '') return [{ path, message: 'Select a country.' }];
  if (!isCountryCode(country.trim().toUpperCase())) return [{ path, message: 'Select a country from the list.' }];
  return [];
}

function checkProfile(input: PersonalAccountInput): FieldError[] {
  return [...checkEmail(input.email), ...checkDisplayName(input.displayName), ...checkCountry(input.country)];
}

/**
 * What is wrong with a new password, if anything: the field error to list with the form's others, and the
 * error to throw when it is the only one (`weak_password`, or a validation error when too long).
 */
export function checkNewPassword(password: unknown, path = 'password'): { error: FieldError; cause: DomainError } | undefined {
  if (typeof password !== 'string') {
    const error = { path, message: 'Enter a password.' };
    return { error, cause: new ValidationError([error]) };
  }
  try {
    assertPasswordAllowed(password, path);
    return undefined;
  } catch (cause) {
    const errors = (cause as DomainError).extra.errors as FieldError[];
    return { error: errors[0]!, cause: cause as DomainError };
  }
}
