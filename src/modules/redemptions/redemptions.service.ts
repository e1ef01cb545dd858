// The rules of redeeming a pass code: check it as typed, bind it to exactly one account exactly once,
// resume instead of refusing when the caller already holds it, and release it again before activation.
import type { Config } from '../../config.ts';
import { deriveKey } from '../../config.ts';
import type { Dialect } from '../../db/connect.ts';
import type { Db, DbOrTrx, Trx } from '../../db/database.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Redis } from '../../lib/redis.ts';
import { isCountryCode } from '../../lib/countries.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { assertRedeemable, type CampaignTerms } from '../campaigns/campaign-rules.ts';
import type { CodeService, PassCodeRef } from '../codes/codes.service.ts';
import { openSecret, sealSecret } from '../../lib/secret-box.ts';
import { createGuessingLimits, type Guesser } from './guessing-limits.ts';
import * as repo from './redemptions.repository.ts';

export interface CodeInput {
  code: string;
  country: string;
}

/** Who is redeeming: the account (verified email needed) and where the request came from. */
export interface Redeemer {
  account: { id: string; emailVerified: boolean };
  address: string;
  actor: Actor;
}

export interface PassCampaignView {
  id: string;
  name: string;
  credit: { amount: number; currency: string };
  validityDays: number;
  /** Last day (UTC) on which the campaign's codes can be redeemed. */
  redeemBy: string;
  passesPerAccount: number;
}

export interface RedemptionView {
  id: string;
  state: 'redeemed' | 'activated' | 'released';
  campaign: Omit<PassCampaignView, 'redeemBy' | 'passesPerAccount'>;
  country: string;
  codeLast4: string;
  redeemedAt: string;
  activatedAt: string | null;
  releasedAt: string | null;
  subscriptionId: string | null;
}

/** A code that may be redeemed (or that the caller already holds). */
export interface CodeCheck {
  /** The code as printed: XXXX-XXXX-XXXX-XXXX. */
  code: string;
  last4: string;
  country: string;
  campaign: PassCampaignView;
  /** Set when the signed-in caller already redeemed this code: continue it rather than redeem again. */
  redemption: RedemptionView | null;
}

/** A redeemed pass as its activation needs it: whose it is, where it stands and what it grants. */
export interface PassForActivation {
  redemptionId: string;
  accountId: string;
  state: 'redeemed' | 'activated' | 'released';
  subscriptionId: string | null;
  country: string;
  codeLast4: string;
  redeemedAt: string;
  campaign: { id: string; name: string; credit: { amount: number; currency: string }; validityDays: number };
}

export interface ReleaseResult {
  /** The code's state afterwards: 'issued' once released (or 'revoked' when it was revoked meanwhile). */
  state: 'issued' | 'redeemed' | 'revoked';
  campaignId: string;
  redemption: RedemptionView | null;
}

export function createRedemptionService(deps: {
  db: Db; dialect: Dialect; clock: Clock; config: Config; metrics: Metrics; audit: AuditService; redis?: Redis;
  sleep?: (ms: number) => Promise<unknown>;
  codes: Pick<CodeService, 'parse' | 'findForRedemption' | 'bindIssued' | 'reissue'>;
}) {
  const { db, dialect, clock, metrics, audit, codes } = deps;
  const pendingKey = deriveKey(deps.config.secret, 'pending-codes');
  const limits = createGuessingLimits(deps.redis, { sleep: deps.sleep });

  // ---- checking a code ------------------------------------------------------------------

  /** The normalised code (XXXX-XXXX-XXXX-XXXX); a typo is named as one before anything else, without touching the database. */
  function parseCode(input: string): string {
    return codes.parse(input).formatted;
  }

  /**
   * What can be said of a code before binding it, with one read of the code and its campaign: the
   * guessing limits first (a blocked client learns nothing), then the code's state and the campaign's
   * rules. The caller's own redeemed code comes back with its redemption instead of being refused.
   */
  async function inspect(code: PassCodeRef, country: string, guesser: Guesser, step: 'check' | 'redeem'): Promise<CodeCheck> {
    await limits.assertMayTry(guesser);
    const found = await codes.findForRedemption(db, code);
    if (!found) {
      await limits.recordFailure(guesser);
      metrics.redemptionFailures.inc({ scope: step });
      throw new DomainError('invalid_code', 'There is no pass with this promo code. Check that you typed the code printed on your pass.');
    }
    const result: CodeCheck = { code: code.formatted, last4: code.last4, country, campaign: passCampaignView(found.campaign), redemption: null };
    if (found.state === 'revoked') throw codeRevoked();
    if (found.state === 'redeemed') {
      const live = guesser.accountId !== null && found.accountId === guesser.accountId ? await repo.findLiveRedemptionOfCode(db, code.hash) : undefined;
      if (live && live.account_id === guesser.accountId) return { ...result, redemption: redemptionView(live) };
      throw codeAlreadyUsed();
    }
    assertRedeemable(found.campaign, country, today());
    return result;
  }

  /**
   * Everything that can be said about a code before binding it. `guesser.accountId` is the signed-in
   * caller, if any: their own redeemed code is returned with its redemption instead of refused, and a
   * pass limit they reached is said now rather than after they confirm.
   */
  async function check(input: CodeInput, guesser: Guesser): Promise<CodeCheck> {
    const code = codes.parse(input.code);
    const checked = await inspect(code, parseCountry(input.country), guesser, 'check');
    if (checked.redemption || !guesser.accountId) return checked;
    const campaign = checked.campaign;
    if (await repo.countLiveRedemptions(db, guesser.accountId, campaign.id) >= campaign.passesPerAccount) {
      // The pass that fills the limit may be this very code, bound by a concurrent request of the same caller.
      const live = await repo.findLiveRedemptionOfCode(db, code.hash);
      if (live && live.account_id === guesser.accountId) return { ...checked, redemption: redemptionView(live) };
      throw passLimitReached(campaign.passesPerAccount);
    }
    return checked;
  }

  // ---- redeeming ----------------------------------------------------------------------

  /**
   * Binds the code to the account, exactly once. `created` is false when the account already held the
   * code (redeeming it again resumes where it was).
   */
  async function redeem(input: CodeInput, redeemer: Redeemer): Promise<{ redemption: RedemptionView; created: boolean }> {
    try {
      const result = await redeemOrRefuse(input, redeemer);
      metrics.redemptions.inc({ outcome: result.created ? 'redeemed' : 'resumed' });
      return result;
    } catch (error) {
      metrics.redemptions.inc({ outcome: error instanceof DomainError ? error.code : 'error' });
      throw error;
    }
  }

  async function redeemOrRefuse(input: CodeInput, redeemer: Redeemer): Promise<{ redemption: RedemptionView; created: boolean }> {
    const code = codes.parse(input.code);
    const country = parseCountry(input.country);
    if (!redeemer.account.emailVerified) {
      throw new DomainError('email_not_verified', 'Confirm your email address first: open the link we emailed you, then try again.');
    }
    const guesser = { accountId: redeemer.account.id, verified: redeemer.account.emailVerified, address: redeemer.address };
    // A code released by its holder at the very moment another account binds it can lose a race it
    // would win a moment later; trying again a couple of times settles it.
    for (let attempt = 0; ; attempt++) {
      const checked = await inspect(code, country, guesser, 'redeem');
      if (checked.redemption) return { redemption: checked.redemption, created: false };
      const bound = await bind(code, checked, redeemer);
      if (bound) return { redemption: bound, created: true };
      if (attempt === 2) throw new DomainError('conflict', 'This pass is changing hands right now. Please try again.');
    }
  }

  /** One transaction: the conditional write on the code, the pass limit, the redemption row and the audit entry. */
  async function bind(code: PassCodeRef, checked: CodeCheck, redeemer: Redeemer): Promise<RedemptionView | undefined> {
    const accountId = redeemer.account.id;
    const now = iso(clock.now());
    const id = newId();
    const campaign = checked.campaign;
    try {
      const won = await db.transaction().execute(async (trx) => {
        // PostgreSQL counts one account's redemptions one transaction at a time; SQLite needs no lock:
        // the write below comes first, and a SQLite writer excludes every other writer until it commits.
        if (dialect === 'postgres') await repo.lockAccountForRedemption(trx, accountId);
        if (!(await codes.bindIssued(trx, code, accountId, now))) return false;
        if (await repo.countLiveRedemptions(trx, accountId, campaign.id) >= campaign.passesPerAccount) {
          throw passLimitReached(campaign.passesPerAccount);
        }
        await repo.insertRedemption(trx, {
          id, code_hash: code.hash, code_last4: code.last4, account_id: accountId, campaign_id: campaign.id,
          country: checked.country, state: 'redeemed', redeemed_at: now, activated_at: null, released_at: null, subscription_id: null, reminded_at: null,
        });
        await audit.record(trx, redeemer.actor, 'code.redeemed', 'pass_code', code.hash, {
          redemptionId: id, campaignId: campaign.id, accountId, country: checked.country, last4: code.last4,
        });
        return true;
      });
      if (!won) return undefined;
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
    const { name, credit, validityDays } = campaign;
    return {
      id, state: 'redeemed', campaign: { id: campaign.id, name, credit, validityDays }, country: checked.country,
      codeLast4: code.last4, redeemedAt: now, activatedAt: null, releasedAt: null, subscriptionId: null,
    };
  }

  // ---- reading ------------------------------------------------------------------------

  async function listOfAccount(accountId: string): Promise<RedemptionView[]> {
    return (await repo.listRedemptionsOfAccount(db, accountId)).map(redemptionView);
  }

  /** The account's own redemption; another account's is not found, so ids reveal nothing. */
  async function getOfAccount(accountId: string, id: string): Promise<RedemptionView> {
    const row = await repo.findRedemption(db, id);
    if (!row || row.account_id !== accountId) throw new NotFoundError('The redemption');
    return redemptionView(row);
  }

  // ---- releasing ----------------------------------------------------------------------

  /** The recipient gives a pass back before activating it; the code is issued again. */
  async function releaseOwn(accountId: string, id: string, actor: Actor): Promise<RedemptionView> {
    const row = await repo.findRedemption(db, id);
    if (!row || row.account_id !== accountId) throw new NotFoundError('The redemption');
    await release(row, actor, 'recipient');
    return redemptionView(await mustFind(id));
  }

  /** An operator releases a redeemed, not yet activated code by its text. */
  async function releaseByOperator(codeText: string, actor: Actor): Promise<ReleaseResult> {
    const code = codes.parse(codeText);
    const found = await codes.findForRedemption(db, code);
    if (!found) throw new DomainError('invalid_code', 'No pass code like this was ever issued.');
    const live = await repo.findLiveRedemptionOfCode(db, code.hash);
    if (live) await release(live, actor, 'operator');
    const after = await codes.findForRedemption(db, code);
    return {
      state: after?.state ?? found.state,
      campaignId: found.campaign.id,
      redemption: live ? redemptionView(await mustFind(live.id)) : null,
    };
  }

  /** An operator releases a wrongly-claimed pass by its redemption (the console's recipient page). */
  async function releaseRedemptionByOperator(id: string, actor: Actor): Promise<RedemptionView> {
    await release(await mustFind(id), actor, 'operator');
    return redemptionView(await mustFind(id));
  }

  /**
   * Inside the caller's transaction: the one reminder to activate this pass. False when it was reminded
   * already, or is no longer waiting (activated or released meanwhile).
   */
  async function markReminded(trx: Trx, id: string, at: string): Promise<boolean> {
    return repo.markReminded(trx, id, at);
  }

  async function release(row: repo.RedemptionRow, actor: Actor, by: 'recipient' | 'operator'): Promise<void> {
    if (row.state === 'released') return;
    if (row.state === 'activated') throw alreadyActivated();
    const now = iso(clock.now());
    const released = await db.transaction().execute(async (trx) => {
      if (!(await repo.markReleased(trx, row.id, now))) return false;
      const reissued = await codes.reissue(trx, row.code_hash, row.account_id);
      await audit.record(trx, actor, 'code.released', 'pass_code', row.code_hash, {
        redemptionId: row.id, campaignId: row.campaign_id, accountId: row.account_id, last4: row.code_last4, by, reissued,
      });
      return true;
    });
    if (released) return;
    // Activation or another release got there first.
    const current = await mustFind(row.id);
    if (current.state === 'activated') throw alreadyActivated();
  }

  // ---- activation, as subscriptions see it ---------------------------------------------

  /** The pass behind a redemption id, whoever holds it (the caller checks the holder); read with the caller's handle. */
  async function passForActivation(handle: DbOrTrx, redemptionId: string): Promise<PassForActivation | undefined> {
    const row = await repo.findRedemptionForActivation(handle, redemptionId);
    return row ? toPassForActivation(row) : undefined;
  }

  /** Passes this account redeemed and has not activated yet, newest first. */
  async function awaitingActivation(accountId: string): Promise<PassForActivation[]> {
    return (await repo.listRedemptionsAwaitingActivation(db, accountId)).map(toPassForActivation);
  }

  /**
   * Inside the activation's transaction: a redemption still 'redeemed' becomes 'activated' with its
   * subscription. False when it is not 'redeemed' any more (activated by a concurrent request, or released).
   */
  async function markActivated(trx: Trx, redemptionId: string, subscriptionId: string, at: string): Promise<boolean> {
    return repo.markRedemptionActivated(trx, redemptionId, subscriptionId, at);
  }

  // ---- the pending code in a session --------------------------------------------------

  /** The code a visitor is redeeming is kept sealed in the session: a stolen database holds no usable code. */
  function sealPendingCode(code: string): string {
    return sealSecret(pendingKey, codes.parse(code).normalized, 'pending-code');
  }

  function openPendingCode(sealed: string): string | undefined {
    try {
      return codes.parse(openSecret(pendingKey, sealed, 'pending-code')).formatted;
    } catch {
      return undefined;
    }
  }

  async function mustFind(id: string): Promise<repo.RedemptionWithCampaign> {
    const row = await repo.findRedemption(db, id);
    if (!row) throw new NotFoundError('The redemption');
    return row;
  }

  const today = () => iso(clock.now()).slice(0, 10);

  return {
    parseCode, check, redeem, listOfAccount, getOfAccount, releaseOwn, releaseByOperator, sealPendingCode, openPendingCode,
    passForActivation, awaitingActivation, markActivated, releaseRedemptionByOperator, markReminded,
  };
}

export type RedemptionService = ReturnType<typeof createRedemptionService>;

// ---- mapping ----------------------------------------------------------------------------

function passCampaignView(campaign: CampaignTerms): PassCampaignView {
  const { id, name, credit, validityDays, redeemBy, passesPerAccount } = campaign;
  return { id, name, credit, validityDays, redeemBy, passesPerAccount };
}

function toPassForActivation(row: repo.RedemptionForActivationRow): PassForActivation {
  return {
    redemptionId: row.id, accountId: row.account_id, state: row.state, subscriptionId: row.subscription_id, country: row.country,
    codeLast4: row.code_last4, redeemedAt: row.redeemed_at,
    campaign: {
      id: row.campaign_id, name: row.campaign_name, credit: { amount: row.credit_amount, currency: row.credit_currency }, validityDays: row.validity_days,
    },
  };
}

function redemptionView(row: repo.RedemptionWithCampaign): RedemptionView {
  return {
    id: row.id,
    state: row.state,
    campaign: {
      id: row.campaign_id, name: row.campaign_name,
      credit: { amount: Number(row.credit_amount), currency: row.credit_currency }, validityDays: row.validity_days,
    },
    country: row.country,
    codeLast4: row.code_last4,
    redeemedAt: row.redeemed_at,
    activatedAt: row.activated_at,
    releasedAt: row.released_at,
    subscriptionId: row.subscription_id,
  };
}

// ---- refusals ---------------------------------------------------------------------------

function parseCountry(input: string): string {
  const country = input.trim().toUpperCase();
  if (!isCountryCode(country)) throw new ValidationError([{ path: 'country', message: 'Select your country from the list.' }]);
  return country;
}

const codeRevoked = () => new DomainError('code_revoked', 'This pass has been withdrawn and can no longer be redeemed.');
const codeAlreadyUsed = () => new DomainError('code_already_used', 'This promo code is already used.');
const alreadyActivated = () => new DomainError('already_activated', 'This pass is already activated, so it can no longer be released.');
const passLimitReached = (max: number) => new DomainError('pass_limit_reached',
  max === 1 ? 'This account already has a pass from this campaign, and each account can have only one.'
    : `This account already has ${max} passes from this campaign, the most each account can have.`, { passesPerAccount: max });

/** A unique index refused the row (SQLite and PostgreSQL say it differently). */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
