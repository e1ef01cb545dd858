// Organizations: creating one with its first admin, and reading it. Its members (members.service.ts), the
// email domains it proves (domains.service.ts) and sign-in through its own OpenID Connect provider
// (oidc.service.ts) are services of their own.
import type { Config } from '../../config.ts';
import type { Db, Trx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { AccountView } from '../accounts/account-view.ts';
import { checkCountry, checkDisplayName, checkEmail, checkNewPassword, VERIFY_EMAIL_TTL_MS } from '../accounts/accounts.service.ts';
import type { NewMemberAccount, PasswordHash } from '../accounts/organizational-accounts.service.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { assertAccess, organizationRow, type Viewer } from './organization-access.ts';
import { toOrganizationView, type OrganizationView } from './organization-view.ts';
import { checkDomain, newDomainRow, normalizeDomain } from './domains.ts';
import * as repo from './organizations.repository.ts';

const MAX_NAME_LENGTH = 100;

export interface OrganizationInput {
  name: string;
  domain?: string | null;
  /** `locale`: the language the admin signs up in; their emails are written in it. */
  admin: { email: string; password: string; displayName: string; country: string; locale?: string };
}

export interface OrganizationServiceDeps {
  db: Db; clock: Clock; config: Config; metrics: Metrics; audit: AuditService;
  accounts: {
    issueToken(trx: Trx, accountId: string, purpose: 'verify_email', ttlMs: number): Promise<string>;
    findAccount(id: string): Promise<AccountView | undefined>;
    mailVerificationLink(account: AccountView, token: string): Promise<void>;
    rememberLocale(accountId: string, locale: string): Promise<void>;
  };
  organizationalAccounts: {
    preparePassword(password: string, path: string): Promise<PasswordHash>;
    create(trx: Trx, input: NewMemberAccount): Promise<string>;
  };
}

export function createOrganizationService(deps: OrganizationServiceDeps) {
  const { db, clock, config, metrics, audit, accounts, organizationalAccounts } = deps;

  /** The organization and its first admin; the admin gets the same verification mail as a personal account. */
  async function createOrganization(input: OrganizationInput, actor?: Actor): Promise<{ organization: OrganizationView; account: AccountView }> {
    const errors = [
      ...checkOrganizationName(input.name),
      ...(input.domain ? checkDomain(input.domain) : []),
      ...checkEmail(input.admin?.email, 'admin.email'),
      ...checkDisplayName(input.admin?.displayName, 'admin.displayName'),
      ...checkCountry(input.admin?.country, 'admin.country'),
    ];
    const passwordProblem = adminPasswordProblem(input.admin?.password);
    if (errors.length > 0) throw new ValidationError(passwordProblem ? [...errors, passwordProblem.error] : errors);
    if (passwordProblem) throw passwordProblem.cause;

    const password = await organizationalAccounts.preparePassword(input.admin.password, 'admin.password');
    const now = iso(clock.now());
    const organizationId = newId();
    const email = input.admin.email.trim();
    const domain = input.domain ? normalizeDomain(input.domain) : null;
    const { accountId, token } = await db.transaction().execute(async (trx) => {
      await repo.insertOrganization(trx, {
        id: organizationId, name: input.name.trim(), created_at: now, oidc_issuer: null, oidc_client_id: null, oidc_client_secret: null,
      });
      const accountId = await organizationalAccounts.create(trx, {
        organizationId, role: 'admin', email, displayName: input.admin.displayName.trim(),
        country: input.admin.country.trim().toUpperCase(), password,
      });
      if (domain) await repo.insertDomain(trx, newDomainRow(organizationId, domain, now));
      const by = actor ?? { type: 'account' as const, id: accountId, label: email };
      await audit.record(trx, by, 'organization.created', 'organization', organizationId, { name: input.name.trim(), domain });
      await audit.record(trx, by, 'account.created', 'account', accountId, { kind: 'organizational', organizationId, role: 'admin' });
      return { accountId, token: await accounts.issueToken(trx, accountId, 'verify_email', VERIFY_EMAIL_TTL_MS) };
    });
    metrics.accountsCreated.inc({ kind: 'organizational' });
    if (input.admin.locale) await accounts.rememberLocale(accountId, input.admin.locale);
    const account = await accounts.findAccount(accountId);
    if (!account) throw new NotFoundError('The account');
    await accounts.mailVerificationLink(account, token);
    return { organization: await getOrganization(organizationId), account };
  }

  async function getOrganization(id: string, viewer?: Viewer): Promise<OrganizationView> {
    if (viewer) assertAccess(viewer, id, 'read');
    const row = await organizationRow(db, id);
    return toOrganizationView(config.publicUrl, row, await repo.listDomains(db, id));
  }

  return { createOrganization, getOrganization };
}

export type OrganizationService = ReturnType<typeof createOrganizationService>;

function checkOrganizationName(name: unknown, path = 'name'): FieldError[] {
  if (typeof name !== 'string' || name.trim() === '') return [{ path, message: 'Enter the name of your organization.' }];
  if ([...name.trim()].length > MAX_NAME_LENGTH) return [{ path, message: `The name must be at most ${MAX_NAME_LENGTH} characters.` }];
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return [{ path, message: 'The name cannot contain control characters.' }];
  return [];
}

/** An empty password is a missing one here, not a short one. */
function adminPasswordProblem(password: unknown): { error: FieldError; cause: DomainError } | undefined {
  if (password === '') {
    const error = { path: 'admin.password', message: 'Enter a password.' };
    return { error, cause: new ValidationError([error]) };
  }
  return checkNewPassword(password, 'admin.password');
}
