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
import { countryName, isCountryCode } from '../../lib/countries.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { codeHasher } from '../codes/codes.service.ts';
import { formatPassCode, lastFour, parsePassCode } from '../codes/pass-code.ts';
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
}) {
  const { db, dialect, clock, metrics, audit } = deps;
  const hashCode = codeHasher(deps.config);
  const pendingKey = deriveKey(deps.config.secret, 'pending-codes');
  const limits = createGuessingLimits(deps.redis);

  // ---- checking a code ------------------------------------------------------------------

  /** The normalised code; a typo is named as one before anything else, without touching the database. */
  function parseCode(input: string): string {
    const parsed = parsePassCode(input);
    if (!parsed.ok) throw codeMistyped();
    return parsed.code;
  }

  /**
   * Everything that can be said about a code before binding it. `guesser.accountId` is the signed-in
   * caller, if any: their own redeemed code is returned with its redemption instead of refused.
   */
  async function check(input: CodeInput, guesser: Guesser, scope: 'check' | 'redeem' = 'check'): Promise<CodeCheck> {
    const code = parseCode(input.code);
    const country = parseCountry(input.country);
    await limits.assertMayTry(guesser);
    const codeHash = hashCode(code);
    const found = await repo.findCodeWithCampaign(db, codeHash);
    if (!found) {
      await limits.recordFailure(guesser);
      metrics.redemptionFailures.inc({ scope });
      throw new DomainError('invalid_code', 'There is no pass with this promo code. Check that you typed the code printed on your pass.');
    }
    const result: CodeCheck = { code: formatPassCode(code), last4: lastFour(code), country, campaign: campaignView(found.campaign), redemption: null };
    if (found.code.state === 'revoked') throw codeRevoked();
    if (found.code.state === 'redeemed') {
      const live = await repo.findLiveRedemptionOfCode(db, codeHash);
      if (live && guesser.accountId !== null && live.account_id === guesser.accountId) return { ...result, redemption: redemptionView(live) };
      throw codeAlreadyUsed();
    }
    assertRedeemable(found.campaign, country);
    // Redeeming counts the account's passes inside its transaction (bind); only a check counts here.
    if (scope === 'check' && guesser.accountId && await reachedPassLimit(guesser.accountId, found.campaign)) {
      // The pass that fills the limit may be this very code, bound by a concurrent request of the same caller.
      const live = await repo.findLiveRedemptionOfCode(db, codeHash);
      if (live && live.account_id === guesser.accountId) return { ...result, redemption: redemptionView(live) };
      throw passLimitReached(found.campaign.passes_per_account);
    }
    return result;
  }

  function assertRedeemable(campaign: repo.CampaignRow, country: string): void {
    if (campaign.status === 'closed') {
      throw new DomainError('code_expired', 'This pass has expired: its campaign has ended.', { reason: 'campaign_closed' });
    }
    if (today() > campaign.redeem_by) {
      throw new DomainError('code_expired', `This pass has expired: it could be redeemed until ${longDate(campaign.redeem_by)}.`, { reason: 'redeem_by_passed', redeemBy: campaign.redeem_by });
    }
    if (campaign.status === 'paused') {
      throw new DomainError('campaign_paused', 'Redeeming this pass is paused for now. Please try again later.');
    }
    const countries = campaign.countries ? (JSON.parse(campaign.countries) as string[]) : null;
    if (countries && !countries.includes(country)) {
      throw new DomainError('country_not_eligible', `This pass is not available in ${countryName(country)}.`, { eligibleCountries: countries });
    }
  }

  async function reachedPassLimit(accountId: string, campaign: repo.CampaignRow): Promise<boolean> {
    return await repo.countLiveRedemptions(db, accountId, campaign.id) >= campaign.passes_per_account;
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
    parseCode(input.code);
    if (!redeemer.account.emailVerified) {
      throw new DomainError('email_not_verified', 'Confirm your email address first: open the link we emailed you, then try again.');
    }
    const guesser = { accountId: redeemer.account.id, address: redeemer.address };
    // A code released by its holder at the very moment another account binds it can lose a race it
    // would win a moment later; trying again a couple of times settles it.
    for (let attempt = 0; ; attempt++) {
      const checked = await check(input, guesser, 'redeem');
      if (checked.redemption) return { redemption: checked.redemption, created: false };
      const bound = await bind(checked, redeemer);
      if (bound) return { redemption: bound, created: true };
      if (attempt === 2) throw new DomainError('conflict', 'This pass is changing hands right now. Please try again.');
    }
  }

  /** One transaction: the conditional write on the code, the pass limit, the redemption row and the audit entry. */
  async function bind(checked: CodeCheck, redeemer: Redeemer): Promise<RedemptionView | undefined> {
    const code = parseCode(checked.code);
    const codeHash = hashCode(code);
    const accountId = redeemer.account.id;
    const now = iso(clock.now());
    const id = newId();
    try {
      const won = await db.transaction().execute(async (trx) => {
        // PostgreSQL counts one account's redemptions one transaction at a time; SQLite needs no lock:
        // the write below comes first, and a SQLite writer excludes every other writer until it commits.
        if (dialect === 'postgres') await repo.lockAccountForRedemption(trx, accountId);
        if (!(await repo.bindIssuedCode(trx, codeHash, accountId, now))) return false;
        const campaign = checked.campaign;
        if (await repo.countLiveRedemptions(trx, accountId, campaign.id) >= campaign.passesPerAccount) {
          throw passLimitReached(campaign.passesPerAccount);
        }
        await repo.insertRedemption(trx, {
          id, code_hash: codeHash, code_last4: checked.last4, account_id: accountId, campaign_id: campaign.id,
          country: checked.country, state: 'redeemed', redeemed_at: now, activated_at: null, released_at: null, subscription_id: null,
        });
        await audit.record(trx, redeemer.actor, 'code.redeemed', 'pass_code', codeHash, {
          redemptionId: id, campaignId: campaign.id, accountId, country: checked.country, last4: checked.last4,
        });
        return true;
      });
      if (!won) return undefined;
    } catch (error) {
      if (isUniqueViolation(error)) return undefined;
      throw error;
    }
    const { name, credit, validityDays } = checked.campaign;
    return {
      id, state: 'redeemed', campaign: { id: checked.campaign.id, name, credit, validityDays }, country: checked.country,
      codeLast4: checked.last4, redeemedAt: now, activatedAt: null, releasedAt: null, subscriptionId: null,
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
    const codeHash = hashCode(parseCode(codeText));
    const found = await repo.findCodeWithCampaign(db, codeHash);
    if (!found) throw new DomainError('invalid_code', 'No pass code like this was ever issued.');
    const live = await repo.findLiveRedemptionOfCode(db, codeHash);
    if (live) await release(live, actor, 'operator');
    const after = await repo.findCodeWithCampaign(db, codeHash);
    return {
      state: after?.code.state ?? found.code.state,
      campaignId: found.code.campaign_id,
      redemption: live ? redemptionView(await mustFind(live.id)) : null,
    };
  }

  async function release(row: repo.RedemptionRow, actor: Actor, by: 'recipient' | 'operator'): Promise<void> {
    if (row.state === 'released') return;
    if (row.state === 'activated') throw alreadyActivated();
    const now = iso(clock.now());
    const released = await db.transaction().execute(async (trx) => {
      if (!(await repo.markReleased(trx, row.id, now))) return false;
      const reissued = await repo.reissueCode(trx, row.code_hash, row.account_id);
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
    return sealSecret(pendingKey, parseCode(code), 'pending-code');
  }

  function openPendingCode(sealed: string): string | undefined {
    try {
      return formatPassCode(parseCode(openSecret(pendingKey, sealed, 'pending-code')));
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
    passForActivation, awaitingActivation, markActivated,
  };
}

export type RedemptionService = ReturnType<typeof createRedemptionService>;

// ---- mapping ----------------------------------------------------------------------------

function campaignView(row: repo.CampaignRow): PassCampaignView {
  return {
    id: row.id, name: row.name, credit: { amount: Number(row.credit_amount), currency: row.credit_currency },
    validityDays: row.validity_days, redeemBy: row.redeem_by, passesPerAccount: row.passes_per_account,
  };
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

const codeMistyped = () => new DomainError('code_mistyped',
  'This code has a typo. A promo code has 16 letters and digits: check each one against your pass.');
const codeRevoked = () => new DomainError('code_revoked', 'This pass has been withdrawn and can no longer be redeemed.');
const codeAlreadyUsed = () => new DomainError('code_already_used', 'This promo code is already used.');
const alreadyActivated = () => new DomainError('already_activated', 'This pass is already activated, so it can no longer be released.');
const passLimitReached = (max: number) => new DomainError('pass_limit_reached',
  max === 1 ? 'This account already has a pass from this campaign, and each account can have only one.'
    : `This account already has ${max} passes from this campaign, the most each account can have.`, { passesPerAccount: max });

function longDate(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
}

/** A unique index refused the row (SQLite and PostgreSQL say it differently). */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
