// Organizational accounts: the accounts an organization holds for its members. The organizations module
// decides who joins, with which role, and who may change that; this service keeps the rows, which are the
// accounts module's. Writes take the caller's transaction, so the organization's own rows, its audit
// entries and these commit together.
import type { Db, DbOrTrx, Trx } from '../../db/database.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import * as repo from './accounts.repository.ts';
import type { OrganizationRole } from './accounts.table.ts';
import { assertPasswordAllowed, hashPassword } from './passwords.ts';

export type { OrganizationRole } from './accounts.table.ts';

/** A password that passed the rules, hashed; only this service makes one. */
export type PasswordHash = string & { readonly __passwordHash: unique symbol };

/** A member's organizational account, as the organizations module sees it. */
export interface MemberAccount {
  id: string;
  email: string;
  displayName: string;
  country: string;
  role: OrganizationRole;
  hasPassword: boolean;
  /** Signs in through the organization's OpenID provider. */
  oidcLinked: boolean;
  emailVerified: boolean;
  createdAt: string;
}

export interface NewMemberAccount {
  organizationId: string;
  role: OrganizationRole;
  email: string;
  displayName: string;
  country: string;
  password?: PasswordHash;
  /** Set when the member joins through the provider, which has vouched for the email. */
  oidcSubject?: string;
}

export function createOrganizationalAccountService(deps: {
  db: Db; clock: Clock;
  sessions: { endAllSessions(trx: Trx, accountId: string): Promise<void> };
}) {
  const { db, clock, sessions } = deps;
  const now = () => iso(clock.now());

  /** Checks the password rules and hashes it: before the transaction, which must not wait on argon2. */
  async function preparePassword(password: string, path = 'password'): Promise<PasswordHash> {
    assertPasswordAllowed(password, path);
    return (await hashPassword(password)) as PasswordHash;
  }

  /** A new organizational account; its email is verified only when the provider vouched for it. */
  async function create(trx: Trx, input: NewMemberAccount): Promise<string> {
    const id = newId();
    const at = now();
    await repo.insertAccount(trx, {
      id, kind: 'organizational', organization_id: input.organizationId, organization_role: input.role,
      email: input.email, email_normalized: repo.normalizeEmail(input.email), display_name: input.displayName,
      country: input.country, password_hash: input.password ?? null, email_verified_at: input.oidcSubject ? at : null,
      operator_admin: 0, oidc_subject: input.oidcSubject ?? null, created_at: at, updated_at: at,
    });
    return id;
  }

  async function list(organizationId: string): Promise<MemberAccount[]> {
    return (await repo.listMembers(db, organizationId)).map(toMemberAccount);
  }

  async function find(handle: DbOrTrx, organizationId: string, accountId: string): Promise<MemberAccount | undefined> {
    const row = await repo.findMember(handle, organizationId, accountId);
    return row && toMemberAccount(row);
  }

  async function findByEmail(handle: DbOrTrx, organizationId: string, email: string): Promise<MemberAccount | undefined> {
    const row = await repo.findMemberByEmail(handle, organizationId, repo.normalizeEmail(email));
    return row && toMemberAccount(row);
  }

  async function findBySubject(handle: DbOrTrx, organizationId: string, subject: string): Promise<MemberAccount | undefined> {
    const row = await repo.findMemberBySubject(handle, organizationId, subject);
    return row && toMemberAccount(row);
  }

  const countAdmins = (handle: DbOrTrx, organizationId: string): Promise<number> => repo.countAdmins(handle, organizationId);

  /** The oldest admin. */
  async function firstAdmin(handle: DbOrTrx, organizationId: string): Promise<MemberAccount | undefined> {
    const row = await repo.findFirstAdmin(handle, organizationId);
    return row && toMemberAccount(row);
  }

  /** False when the account is not (or no longer) a member of the organization. */
  const setRole = (trx: Trx, organizationId: string, accountId: string, role: OrganizationRole): Promise<boolean> =>
    repo.setMemberRole(trx, organizationId, accountId, role, now());

  /** Binds an OpenID subject to a member that has none yet; the provider has vouched for the email too. False otherwise. */
  const linkOidcSubject = (trx: Trx, accountId: string, subject: string): Promise<boolean> =>
    repo.linkOidcSubject(trx, accountId, subject, now());

  /** An invited member chose a password: the invitation link proved the email. False when no longer a member. */
  const setInitialPassword = (trx: Trx, accountId: string, password: PasswordHash): Promise<boolean> =>
    repo.setInitialPassword(trx, accountId, password, now());

  /**
   * Ends a membership while keeping the account's history (its redemptions and subscriptions point at it):
   * no role, no password, no OpenID subject, no links still out, no session, and an email no sign-in,
   * reset or invitation can match, so the same email can be invited again. False when it was not a member.
   */
  async function detach(trx: Trx, organizationId: string, accountId: string): Promise<boolean> {
    if (!(await repo.detachMember(trx, organizationId, accountId, now()))) return false;
    await repo.deleteTokensOfAccount(trx, accountId);
    await sessions.endAllSessions(trx, accountId);
    return true;
  }

  return { preparePassword, create, list, find, findByEmail, findBySubject, countAdmins, firstAdmin, setRole, linkOidcSubject, setInitialPassword, detach };
}

export type OrganizationalAccountService = ReturnType<typeof createOrganizationalAccountService>;

function toMemberAccount(row: repo.MemberRow): MemberAccount {
  return {
    id: row.id, email: row.email, displayName: row.display_name, country: row.country, role: row.organization_role ?? 'member',
    hasPassword: row.password_hash !== null, oidcLinked: row.oidc_subject !== null,
    emailVerified: row.email_verified_at !== null, createdAt: row.created_at,
  };
}
