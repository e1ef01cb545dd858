// The email domains an organization claims and proves: by a DNS TXT record, or an operator vouching for
// it. A verified domain lets people with an email there join through the organization's provider; one
// organization only may hold it verified.
import dns from 'node:dns/promises';
import type { Db } from '../../db/database.ts';
import { isUniqueViolation } from '../../db/unique-violation.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { assertAccess, isAdminOf, organizationRow, type Viewer } from './organization-access.ts';
import { toDomainView, type DomainView } from './organization-view.ts';
import { checkDomain, dnsRecordName, emailDomain, newDomainRow, normalizeDomain, txtRecordsContain } from './domains.ts';
import * as repo from './organizations.repository.ts';

export type ResolveTxt = (hostname: string) => Promise<string[][]>;

export interface DomainServiceDeps {
  db: Db; clock: Clock; audit: AuditService;
  /** DNS TXT look-up; node:dns/promises by default. DNS is the edge of the world, so tests pass their own. */
  resolveTxt?: ResolveTxt;
}

export function createDomainService(deps: DomainServiceDeps) {
  const { db, clock, audit } = deps;
  const resolveTxt = deps.resolveTxt ?? dns.resolveTxt;

  async function addDomain(organizationId: string, input: string, viewer: Viewer, actor: Actor): Promise<DomainView> {
    assertAccess(viewer, organizationId, 'manage');
    const errors = checkDomain(input, 'domain');
    if (errors.length > 0) throw new ValidationError(errors);
    const domain = normalizeDomain(input)!;
    await organizationRow(db, organizationId);
    const owner = await repo.findVerifiedDomain(db, domain);
    if (owner && owner.organization_id !== organizationId) throw domainTaken();
    const now = iso(clock.now());
    try {
      await db.transaction().execute(async (trx) => {
        await repo.insertDomain(trx, newDomainRow(organizationId, domain, now));
        await audit.record(trx, actor, 'organization.domain_added', 'organization', organizationId, { domain });
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new DomainError('domain_exists', 'This domain is already on your organization’s list.', { errors: [{ path: 'domain', message: 'This domain is already on the list.' }] });
      }
      throw error;
    }
    return toDomainView((await repo.findDomain(db, organizationId, domain))!);
  }

  async function removeDomain(organizationId: string, input: string, viewer: Viewer, actor: Actor): Promise<void> {
    assertAccess(viewer, organizationId, 'manage');
    const domain = normalizeDomain(input) ?? input;
    await db.transaction().execute(async (trx) => {
      if (!(await repo.deleteDomain(trx, organizationId, domain))) throw new NotFoundError('The domain');
      await audit.record(trx, actor, 'organization.domain_removed', 'organization', organizationId, { domain });
    });
  }

  /**
   * Proves a domain: an organization admin by the DNS TXT record `_cloudpass-verification.<domain>`
   * holding the token; an operator may vouch for it without DNS.
   */
  async function verifyDomain(organizationId: string, input: string, viewer: Viewer, actor: Actor): Promise<DomainView> {
    assertAccess(viewer, organizationId, 'verify');
    const domain = normalizeDomain(input) ?? input;
    const row = await repo.findDomain(db, organizationId, domain);
    if (!row) throw new NotFoundError('The domain');
    if (row.verified_at) return toDomainView(row);
    const vouchedByOperator = viewer.operator && !isAdminOf(viewer, organizationId);
    if (!vouchedByOperator) await assertTxtRecord(row);
    try {
      await db.transaction().execute(async (trx) => {
        if (await repo.markDomainVerified(trx, organizationId, domain, iso(clock.now()))) {
          await audit.record(trx, actor, 'organization.domain_verified', 'organization', organizationId, { domain, method: vouchedByOperator ? 'operator' : 'dns' });
        }
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw domainTaken();
      throw error;
    }
    return toDomainView((await repo.findDomain(db, organizationId, domain))!);
  }

  async function assertTxtRecord(row: repo.DomainRow): Promise<void> {
    const name = dnsRecordName(row.domain);
    let records: string[][];
    try {
      records = await resolveTxt(name);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const missing = code === 'ENOTFOUND' || code === 'ENODATA';
      throw new DomainError('domain_not_verified', missing
        ? `There is no TXT record at ${name} yet. Publish it, wait a few minutes for DNS to update, and try again.`
        : `We could not look up ${name} right now (${code ?? 'DNS error'}). Try again in a few minutes.`);
    }
    if (!txtRecordsContain(records, row.verification_token)) {
      throw new DomainError('domain_not_verified', `The TXT record at ${name} does not hold the expected value yet. Check it and try again in a few minutes.`);
    }
  }

  /** The organization that has proven the domain of this email, if any. */
  async function findByEmailDomain(email: string): Promise<{ id: string; name: string; oidcConfigured: boolean } | null> {
    const domain = emailDomain(email);
    if (!domain) return null;
    const claim = await repo.findVerifiedDomain(db, domain);
    if (!claim) return null;
    const row = await repo.findOrganization(db, claim.organization_id);
    return row ? { id: row.id, name: row.name, oidcConfigured: row.oidc_issuer !== null } : null;
  }

  return { addDomain, removeDomain, verifyDomain, findByEmailDomain };
}

export type DomainService = ReturnType<typeof createDomainService>;

const domainTaken = () => new DomainError('domain_taken', 'Another organization has already verified this domain.', {
  errors: [{ path: 'domain', message: 'Another organization has already verified this domain.' }],
});
