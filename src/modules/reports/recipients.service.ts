// The console's view of the people in a program: who redeemed what, whether they activated it, and what
// they have left; one recipient's whole story; the people stuck between redeemed and activated, and the one
// reminder each may be sent. It reads through its read-only repository and acts through the owning
// modules' services.
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError } from '../../lib/errors.ts';
import type { AccountView } from '../accounts/account-view.ts';
import type { Actor, AuditEventView, AuditService } from '../audit/audit.service.ts';
import type { CreditService } from '../credit/credit.service.ts';
import type { MailService } from '../mail/mail.service.ts';
import type { RedemptionService } from '../redemptions/redemptions.service.ts';
import type { SubscriptionView } from '../subscriptions/subscriptions.service.ts';
import { activationReminder } from './recipients.mails.ts';
import * as repo from './recipients.repository.ts';
import type { RedemptionState } from './recipients.repository.ts';

export const REDEMPTION_STATES: readonly RedemptionState[] = ['redeemed', 'activated', 'released'];
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** The CSV reads this many rows a query: memory holds one page whatever the program's size. */
export const CSV_PAGE_SIZE = 1000;
/** Redeemed this long ago and not activated: stuck, worth a reminder. */
export const STUCK_AFTER_MS = 24 * 60 * 60 * 1000;

interface Money { amount: number; currency: string }

export interface RecipientView {
  redemptionId: string;
  accountId: string;
  email: string;
  displayName: string;
  kind: 'personal' | 'organizational';
  organization: { id: string; name: string } | null;
  campaignId: string;
  campaignName: string;
  codeLast4: string;
  redemptionState: RedemptionState;
  redeemedAt: string;
  activatedAt: string | null;
  remindedAt: string | null;
  subscriptionId: string | null;
  subscriptionStatus: string | null;
  credit: { granted: Money; remaining: Money } | null;
  endsAt: string | null;
}

export interface RecipientPage {
  items: RecipientView[];
  /** Pass it as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface RecipientQuery {
  email?: string;
  campaignId?: string;
  state?: string;
  cursor?: string;
  limit?: number;
}

export interface RecipientStory {
  account: AccountView;
  passes: RecipientView[];
  subscriptions: SubscriptionView[];
  audit: AuditEventView[];
}

export function createRecipientService(deps: {
  db: Db; clock: Clock; config: Config; audit: AuditService; mail: MailService;
  credit: Pick<CreditService, 'balances'>;
  accounts: { findAccount(id: string): Promise<AccountView | undefined> };
  subscriptions: { list(accountId: string): Promise<SubscriptionView[]> };
  redemptions: Pick<RedemptionService, 'releaseRedemptionByOperator' | 'markReminded'>;
  programName: () => string;
}) {
  const { db, clock, config, audit, mail, credit } = deps;

  async function toViews(rows: repo.RecipientRow[]): Promise<RecipientView[]> {
    const balances = await credit.balances(db, rows.flatMap((r) => (r.subscription_id ? [r.subscription_id] : [])));
    return rows.map((row) => toRecipientView(row, row.subscription_id ? balances.get(row.subscription_id) : undefined));
  }

  async function list(query: RecipientQuery = {}): Promise<RecipientPage> {
    const filter = parseFilter(query);
    const limit = Math.min(Math.max(query.limit ?? DEFAULT_PAGE_SIZE, 1), MAX_PAGE_SIZE);
    const rows = await repo.listRecipients(db, filter, decodeCursor(query.cursor), limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: await toViews(page), nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
  }

  /** Every recipient the filter matches, a page at a time (the CSV download streams these). */
  async function* all(query: Omit<RecipientQuery, 'cursor' | 'limit'> = {}): AsyncGenerator<RecipientView[]> {
    const filter = parseFilter(query);
    let after: repo.RecipientCursor | undefined;
    for (;;) {
      const rows = await repo.listRecipients(db, filter, after, CSV_PAGE_SIZE);
      if (rows.length > 0) yield await toViews(rows);
      if (rows.length < CSV_PAGE_SIZE) return;
      const last = rows[rows.length - 1]!;
      after = { redeemedAt: last.redeemed_at, id: last.redemption_id };
    }
  }

  async function story(accountId: string): Promise<RecipientStory> {
    const account = await deps.accounts.findAccount(accountId);
    if (!account) throw new NotFoundError('This recipient');
    const [rows, subscriptions] = await Promise.all([repo.listRecipientRowsOfAccount(db, accountId), deps.subscriptions.list(accountId)]);
    const passes = await toViews(rows);
    const events = await audit.listAbout([
      { type: 'account', ids: [accountId] },
      { type: 'pass_code', ids: rows.map((r) => r.code_hash) },
      { type: 'subscription', ids: subscriptions.map((s) => s.id) },
    ]);
    return { account, passes, subscriptions, audit: events };
  }

  /** Redeemed more than a day ago and still not activated, oldest first. */
  async function stuck(limit = 200): Promise<RecipientView[]> {
    return toViews(await repo.listStuck(db, iso(addMs(clock.now(), -STUCK_AFTER_MS)), Math.min(limit, MAX_PAGE_SIZE)));
  }

  /** The one reminder to activate a stuck pass: recorded, audited and put in the outbox; never twice. */
  async function remind(redemptionId: string, actor: Actor): Promise<RecipientView> {
    const row = await repo.findRecipientRow(db, redemptionId);
    if (!row) throw new NotFoundError('This pass');
    const at = iso(clock.now());
    await db.transaction().execute(async (trx) => {
      if (!(await deps.redemptions.markReminded(trx, redemptionId, at))) {
        throw new DomainError('conflict', row.reminded_at
          ? 'This recipient was already reminded: each gets one reminder.'
          : 'This pass is no longer waiting to be activated.');
      }
      await audit.record(trx, actor, 'recipient.reminded', 'account', row.account_id, { redemptionId, campaignId: row.campaign_id, last4: row.code_last4 });
    });
    // After the commit: a reminder that failed to record is never sent, and the outbox keeps what is sent.
    await mail.send(activationReminder(config.publicUrl, { email: row.email, name: row.display_name, country: row.country }, {
      redemptionId, campaignName: row.campaign_name, redeemedAt: row.redeemed_at, programName: deps.programName(),
    }));
    return (await toViews([{ ...row, reminded_at: at }]))[0]!;
  }

  /** Releases a wrongly-claimed pass (redeemed, not activated): its code can be redeemed again. */
  async function release(redemptionId: string, actor: Actor): Promise<RecipientView> {
    await deps.redemptions.releaseRedemptionByOperator(redemptionId, actor);
    const row = await repo.findRecipientRow(db, redemptionId);
    if (!row) throw new NotFoundError('This pass');
    return (await toViews([row]))[0]!;
  }

  return { list, all, story, stuck, remind, release };
}

export type RecipientService = ReturnType<typeof createRecipientService>;

function parseFilter(query: RecipientQuery): repo.RecipientFilter {
  const email = query.email?.trim().toLowerCase() || undefined;
  const state = query.state || undefined;
  if (state !== undefined && !REDEMPTION_STATES.includes(state as RedemptionState)) {
    throw new ValidationError([{ path: 'state', message: `state must be one of ${REDEMPTION_STATES.join(', ')}.` }]);
  }
  return { email, campaignId: query.campaignId || undefined, state: state as RedemptionState | undefined };
}

function encodeCursor(row: repo.RecipientRow): string {
  return Buffer.from(JSON.stringify([row.redeemed_at, row.redemption_id])).toString('base64url');
}

function decodeCursor(cursor: string | undefined): repo.RecipientCursor | undefined {
  if (!cursor) return undefined;
  try {
    const [redeemedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof redeemedAt === 'string' && typeof id === 'string') return { redeemedAt, id };
  } catch { /* reported below */ }
  throw new ValidationError([{ path: 'cursor', message: 'cursor must be a nextCursor from an earlier page.' }]);
}

function toRecipientView(row: repo.RecipientRow, balance: { granted: number; remaining: number } | undefined): RecipientView {
  const currency = row.credit_currency;
  return {
    redemptionId: row.redemption_id, accountId: row.account_id, email: row.email, displayName: row.display_name, kind: row.kind,
    organization: row.organization_id ? { id: row.organization_id, name: row.organization_name ?? '' } : null,
    campaignId: row.campaign_id, campaignName: row.campaign_name, codeLast4: row.code_last4, redemptionState: row.state,
    redeemedAt: row.redeemed_at, activatedAt: row.activated_at, remindedAt: row.reminded_at,
    subscriptionId: row.subscription_id, subscriptionStatus: row.subscription_status,
    credit: row.subscription_id && currency && balance
      ? { granted: { amount: balance.granted, currency }, remaining: { amount: balance.remaining, currency } }
      : null,
    endsAt: row.ends_at,
  };
}
