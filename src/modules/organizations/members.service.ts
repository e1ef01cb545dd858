// The members of an organization: adding them with an emailed invitation, their roles, removing them, and
// the invited person accepting. Every organization keeps at least one admin; the rules that count admins
// take the organization's row lock first, so two admins removing each other cannot leave it with none.
import type { Config } from '../../config.ts';
import type { Db, Trx } from '../../db/database.ts';
import { isUniqueViolation } from '../../db/unique-violation.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { DomainError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { AccountView } from '../accounts/account-view.ts';
import { checkCountry, checkDisplayName, checkEmail } from '../accounts/accounts.service.ts';
import type { MemberAccount, NewMemberAccount, OrganizationRole, PasswordHash } from '../accounts/organizational-accounts.service.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import type { MailService } from '../mail/mail.service.ts';
import { assertAccess, organizationRow, type Viewer } from './organization-access.ts';
import { toMemberView, type MemberView } from './organization-view.ts';
import * as mails from './organizations.mails.ts';
import * as repo from './organizations.repository.ts';

export const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export interface MemberInput {
  email: string;
  displayName: string;
  country: string;
  role?: OrganizationRole;
  /** The language of the invitation: the inviting admin's (the invited person has used none yet). */
  locale?: string;
}

export interface MemberServiceDeps {
  db: Db; config: Config; metrics: Metrics; audit: AuditService; mail: MailService;
  /** The program's name for the invitation (the operator's branding). */
  programName?: () => string;
  accounts: {
    issueToken(trx: Trx, accountId: string, purpose: 'invite', ttlMs: number): Promise<string>;
    consumeToken(trx: Trx, token: string, purpose: 'invite'): Promise<string>;
    tokenHolder(token: string, purpose: 'invite'): Promise<string | undefined>;
    findAccount(id: string, handle?: Trx): Promise<AccountView | undefined>;
  };
  organizationalAccounts: {
    preparePassword(password: string): Promise<PasswordHash>;
    create(trx: Trx, input: NewMemberAccount): Promise<string>;
    list(organizationId: string): Promise<MemberAccount[]>;
    find(handle: Db | Trx, organizationId: string, accountId: string): Promise<MemberAccount | undefined>;
    findByEmail(trx: Trx, organizationId: string, email: string): Promise<MemberAccount | undefined>;
    countAdmins(trx: Trx, organizationId: string): Promise<number>;
    setRole(trx: Trx, organizationId: string, accountId: string, role: OrganizationRole): Promise<boolean>;
    setInitialPassword(trx: Trx, accountId: string, password: PasswordHash): Promise<boolean>;
    detach(trx: Trx, organizationId: string, accountId: string): Promise<boolean>;
  };
}

export function createMemberService(deps: MemberServiceDeps) {
  const { db, config, metrics, audit, mail, accounts, organizationalAccounts: members } = deps;

  async function listMembers(organizationId: string, viewer: Viewer): Promise<MemberView[]> {
    assertAccess(viewer, organizationId, 'read');
    await organizationRow(db, organizationId);
    return (await members.list(organizationId)).map(toMemberView);
  }

  /** A new organizational account without a password, and an emailed invitation to choose one. */
  async function addMember(organizationId: string, input: MemberInput, viewer: Viewer, actor: Actor): Promise<MemberView> {
    assertAccess(viewer, organizationId, 'manage');
    const errors = [...checkEmail(input.email), ...checkDisplayName(input.displayName), ...checkCountry(input.country)];
    if (input.role !== undefined && input.role !== 'admin' && input.role !== 'member') errors.push({ path: 'role', message: 'Choose admin or member.' });
    if (errors.length > 0) throw new ValidationError(errors);
    const organization = await organizationRow(db, organizationId);
    const email = input.email.trim();
    const role = input.role ?? 'member';
    let added: { accountId: string; token: string };
    try {
      added = await db.transaction().execute(async (trx) => {
        if (await members.findByEmail(trx, organizationId, email)) throw memberExists();
        const accountId = await members.create(trx, {
          organizationId, role, email, displayName: input.displayName.trim(), country: input.country.trim().toUpperCase(),
        });
        await audit.record(trx, actor, 'organization.member_added', 'account', accountId, { organizationId, email, role });
        return { accountId, token: await accounts.issueToken(trx, accountId, 'invite', INVITATION_TTL_MS) };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw memberExists();
      throw error;
    }
    metrics.accountsCreated.inc({ kind: 'organizational' });
    const member = await members.find(db, organizationId, added.accountId);
    await mail.send(mails.invitation(config.publicUrl, {
      to: email, displayName: input.displayName.trim(), organizationName: organization.name,
      invitedBy: viewer.account?.displayName ?? null, token: added.token, oidcConfigured: organization.oidc_issuer !== null,
      programName: deps.programName?.(),
      locale: input.locale,
    }));
    return toMemberView(member!);
  }

  /** Ends the membership and every session of that account at once; never yourself, never the last admin. */
  async function removeMember(organizationId: string, accountId: string, viewer: Viewer, actor: Actor): Promise<void> {
    assertAccess(viewer, organizationId, 'manage');
    if (viewer.account?.id === accountId) {
      throw new DomainError('cannot_remove_self', 'You cannot remove yourself. Ask another admin of your organization.');
    }
    await db.transaction().execute(async (trx) => {
      if (!(await repo.lockOrganization(trx, organizationId))) throw new NotFoundError('The organization');
      const member = await members.find(trx, organizationId, accountId);
      if (!member) throw new NotFoundError('The member');
      if (member.role === 'admin' && (await members.countAdmins(trx, organizationId)) <= 1) throw lastAdmin();
      if (!(await members.detach(trx, organizationId, accountId))) throw new NotFoundError('The member');
      await audit.record(trx, actor, 'organization.member_removed', 'account', accountId, { organizationId, email: member.email });
    });
  }

  async function setMemberRole(organizationId: string, accountId: string, role: OrganizationRole, viewer: Viewer, actor: Actor): Promise<MemberView> {
    assertAccess(viewer, organizationId, 'manage');
    if (role !== 'admin' && role !== 'member') throw new ValidationError([{ path: 'role', message: 'Choose admin or member.' }]);
    return db.transaction().execute(async (trx) => {
      if (!(await repo.lockOrganization(trx, organizationId))) throw new NotFoundError('The organization');
      const member = await members.find(trx, organizationId, accountId);
      if (!member) throw new NotFoundError('The member');
      if (member.role === role) return toMemberView(member);
      if (role === 'member' && (await members.countAdmins(trx, organizationId)) <= 1) throw lastAdmin();
      await members.setRole(trx, organizationId, accountId, role);
      await audit.record(trx, actor, 'organization.member_role_changed', 'account', accountId, { organizationId, from: member.role, to: role });
      return toMemberView((await members.find(trx, organizationId, accountId))!);
    });
  }

  /** Who was invited, and to which organization, while the invitation still works. */
  async function describeInvitation(token: string): Promise<{ email: string; organizationName: string } | undefined> {
    const accountId = await accounts.tokenHolder(token, 'invite');
    const account = accountId ? await accounts.findAccount(accountId) : undefined;
    if (!account?.organization?.name) return undefined;
    return { email: account.email, organizationName: account.organization.name };
  }

  /** The invited person chose a password: their email is proven, and they can sign in. Returns the account. */
  async function acceptInvitation(token: string, password: string): Promise<AccountView> {
    const hash = await members.preparePassword(typeof password === 'string' ? password : '');
    const accountId = await db.transaction().execute(async (trx) => {
      const id = await accounts.consumeToken(trx, typeof token === 'string' ? token : '', 'invite');
      if (!(await members.setInitialPassword(trx, id, hash))) throw invitationGone();
      const account = await accounts.findAccount(id, trx);
      await audit.record(trx, { type: 'account', id, label: account?.email ?? id }, 'organization.invitation_accepted', 'account', id, { organizationId: account?.organization?.id });
      return id;
    });
    const account = await accounts.findAccount(accountId);
    if (!account) throw new NotFoundError('The account');
    return account;
  }

  return { listMembers, addMember, removeMember, setMemberRole, describeInvitation, acceptInvitation };
}

export type MemberService = ReturnType<typeof createMemberService>;

const memberExists = () => new DomainError('email_taken', 'This organization already has a member with this email.', {
  errors: [{ path: 'email', message: 'This organization already has a member with this email.' }],
});
const lastAdmin = () => new DomainError('last_admin', 'An organization needs at least one admin. Make someone else an admin first.');
const invitationGone = () => new DomainError('invalid_token', 'This invitation is not valid any more. Ask an admin of your organization for a new one.');
