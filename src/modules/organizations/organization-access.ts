// Who may do what with an organization: its admins manage it; operators may read it and verify its domains.
import type { DbOrTrx } from '../../db/database.ts';
import { DomainError, NotFoundError } from '../../lib/errors.ts';
import type { AccountView } from '../accounts/account-view.ts';
import * as repo from './organizations.repository.ts';

/** Who is asking: an operator (key or admin session) or a signed-in account. */
export interface Viewer {
  operator: boolean;
  account: AccountView | null;
}

export function isAdminOf(viewer: Viewer, organizationId: string): boolean {
  const a = viewer.account;
  return a?.kind === 'organizational' && a.organization?.id === organizationId && a.organizationRole === 'admin';
}

export function assertAccess(viewer: Viewer, organizationId: string, need: 'read' | 'manage' | 'verify'): void {
  if (isAdminOf(viewer, organizationId)) return;
  if (viewer.operator && need !== 'manage') return;
  if (!viewer.account && !viewer.operator) throw new DomainError('unauthenticated', 'Sign in with an admin account of this organization.');
  throw new DomainError('forbidden', 'Only admins of this organization may do this.');
}

/** The organization's row, or `not_found`. */
export async function organizationRow(db: DbOrTrx, id: string): Promise<repo.OrganizationRow> {
  const row = await repo.findOrganization(db, id);
  if (!row) throw new NotFoundError('The organization');
  return row;
}
