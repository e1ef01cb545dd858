// Where a person goes once signed in: where they were going (a safe returnTo), else the pass they are in
// the middle of redeeming, else their account. A pass waits either in the session (a code typed but not
// yet bound: its confirm step) or in the database (bound to this account, not activated: its activation
// form), so signing in on another day or another device still leads back to it.
import { safeReturnTo } from '../../http/pages.tsx';
import type { SessionData } from '../sessions/sessions.service.ts';
import type { RedemptionService } from '../redemptions/redemptions.service.ts';

const CONFIRM_PATH = '/redeem/confirm';

export async function destinationAfterSignIn(
  redemptions: Pick<RedemptionService, 'openPendingCode' | 'awaitingActivation'>, data: SessionData, accountId: string,
): Promise<string> {
  const returnTo = safeReturnTo(data.returnTo);
  if (returnTo) return returnTo;
  if (data.pendingCode !== undefined && redemptions.openPendingCode(data.pendingCode.code) !== undefined) return CONFIRM_PATH;
  const [bound] = await redemptions.awaitingActivation(accountId);
  return bound ? `/activate/${encodeURIComponent(bound.redemptionId)}` : '/account';
}
