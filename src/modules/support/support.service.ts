// Support cases: a recipient opens one (about an activation, billing, a technical problem or their
// account), the recipient and the operator write to each other, and the operator moves it between
// open, waiting (for the recipient) and closed. Every change lands with its audit entry in one
// transaction; an operator's reply is then emailed to the recipient.
// Signed-out visitors (someone who never got their verification email cannot sign in to ask) write the
// same form with their email address: the case waits as a request until they open the link mailed there,
// then belongs to the account with that address, or to the address itself. Requests are throttled per
// client address and per email, and nothing a visitor sees says whether an address has an account.
import { createHmac, randomBytes } from 'node:crypto';
import type { Config } from '../../config.ts';
import { deriveKey } from '../../config.ts';
import type { Db, DbOrTrx, Trx } from '../../db/database.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { DomainError, NotFoundError, ValidationError, type FieldError } from '../../lib/errors.ts';
import { newId } from '../../lib/ids.ts';
import type { Redis } from '../../lib/redis.ts';
import { createLimiter } from '../../lib/throttle.ts';
import type { Actor, AuditService } from '../audit/audit.service.ts';
import { checkEmail } from '../accounts/accounts.service.ts';
import type { MailMessage } from '../mail/mail.service.ts';
import * as mails from './support.mails.ts';
import * as repo from './support.repository.ts';
import type { SupportCaseStatus, SupportCategory, SupportMessageTable } from './support.table.ts';

export const SUPPORT_CATEGORIES: readonly SupportCategory[] = ['activation', 'billing', 'technical', 'account'];
export const SUPPORT_STATUSES: readonly SupportCaseStatus[] = ['open', 'waiting', 'closed'];
export const MAX_SUBJECT_LENGTH = 200;
export const MAX_TEXT_LENGTH = 10_000;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;
/** How long the link that opens a signed-out visitor's case works. */
export const CASE_REQUEST_TTL_MS = 24 * 60 * 60 * 1000;
/**
 * Signed-out requests an hour: per client address (a venue's people behind one NAT address share it, so it
 * is generous) and per email address (a mailbox gets a few confirmation links, never a flood).
 */
export const CASE_REQUEST_LIMITS = { perAddress: 20, perEmail: 3 };

export type AuthorType = SupportMessageTable['author_type'];

export interface SupportMessageView {
  id: string;
  authorType: AuthorType;
  /** How the conversation names the author: the account's display name, "Support team" or "cloudpass". */
  authorName: string;
  body: string;
  createdAt: string;
}

export interface SupportCaseView {
  id: string;
  status: SupportCaseStatus;
  category: SupportCategory;
  subject: string;
  description: string;
  subscriptionId: string | null;
  account: { id: string; email: string; displayName: string } | null;
  /** The address a signed-out visitor confirmed when they opened the case; null for cases opened signed in. */
  contactEmail: string | null;
  createdAt: string;
  updatedAt: string;
  /** Oldest first; present when one case is read. */
  messages?: SupportMessageView[];
}

export interface CasePage {
  items: SupportCaseView[];
  /** Pass as `before` for the next page; null on the last one. */
  nextCursor: string | null;
}

export interface NewCase {
  category: string;
  subject: string;
  description: string;
  subscriptionId?: string | null;
}

/** What a signed-out visitor writes: the case and the address to reach them at. */
export interface NewCaseRequest extends NewCase {
  email: string;
}

/** Where a signed-out request comes from: the client's address (throttling) and the page's language (the mails). */
export interface RequestClient {
  address: string;
  locale: string;
}

export interface ListOptions {
  status?: string;
  limit?: number;
  before?: string;
}

/** A case cloudpass opens by itself, e.g. for a subscription that could not be set up. */
export interface SystemCase {
  /** Given by the caller when it must name the case in the same transaction (its audit entry); new otherwise. */
  id?: string;
  accountId: string;
  category: SupportCategory;
  subject: string;
  description: string;
  subscriptionId: string | null;
  /** The first message of the conversation, written by cloudpass. */
  message: string;
}

/** Who writes a message: the account that owns the case, or the operator (a key or an operator admin). */
export type Author = { role: 'owner'; accountId: string } | { role: 'operator' };

/** The subscriptions a case may be about: only the account's own. */
export interface SubscriptionDirectory {
  list(accountId: string): Promise<Array<{ id: string; name: string; status: string }>>;
}

export interface SupportServiceDeps {
  db: Db;
  clock: Clock;
  config: Config;
  audit: AuditService;
  mail: { send(message: MailMessage): Promise<void>; sendWithin(handle: DbOrTrx, message: MailMessage): Promise<() => void> };
  subscriptions: SubscriptionDirectory;
  /** Shares the signed-out request throttle across instances when set. */
  redis?: Redis;
  /** The request limits an hour (tests make them small). */
  requestLimits?: { perAddress: number; perEmail: number };
  /** The program's name for emails (the operator's branding); "cloudpass" when not given. */
  programName?: () => string;
}

export function createSupportService(deps: SupportServiceDeps) {
  const { db, clock, config, audit, mail, subscriptions } = deps;
  const programName = () => deps.programName?.() ?? 'cloudpass';
  const tokenKey = deriveKey(config.secret, 'support-case-requests');
  const hashToken = (token: string) => createHmac('sha256', tokenKey).update(token).digest('hex');
  const limits = deps.requestLimits ?? CASE_REQUEST_LIMITS;
  const requestsPerAddress = createLimiter(deps.redis, { keyPrefix: 'support-request-address', points: limits.perAddress, durationSeconds: 3600 });
  const requestsPerEmail = createLimiter(deps.redis, { keyPrefix: 'support-request-email', points: limits.perEmail, durationSeconds: 3600 });

  // ---- opening a case ------------------------------------------------------------------

  async function openCase(accountId: string, input: NewCase, actor: Actor): Promise<SupportCaseView> {
    const fields = validateNewCase(input);
    if (fields.subscriptionId && !(await ownsSubscription(accountId, fields.subscriptionId))) {
      throw new NotFoundError('This subscription');
    }
    const now = iso(clock.now());
    const id = newId();
    await db.transaction().execute(async (trx) => {
      await repo.insertCase(trx, {
        id, account_id: accountId, category: fields.category, subject: fields.subject, description: fields.description,
        subscription_id: fields.subscriptionId, status: 'open', created_at: now, updated_at: now,
      });
      await audit.record(trx, actor, 'support_case.created', 'support_case', id, {
        category: fields.category, subscriptionId: fields.subscriptionId,
      });
    });
    return (await readCase(id))!;
  }

  /** Opens a case with its first message inside the caller's transaction, so it exists exactly when what caused it does. */
  async function openSystemCase(trx: Trx, input: SystemCase): Promise<string> {
    const id = input.id ?? newId();
    const now = iso(clock.now());
    await repo.insertCase(trx, {
      id, account_id: input.accountId, category: input.category, subject: input.subject, description: input.description,
      subscription_id: input.subscriptionId, status: 'open', created_at: now, updated_at: now,
    });
    await repo.insertMessage(trx, { id: newId(), case_id: id, author_type: 'system', author_id: null, body: input.message, created_at: now });
    return id;
  }

  // ---- opening a case without signing in ----------------------------------------------------

  /**
   * Keeps a signed-out visitor's case as a request and mails a link to the address they gave; the same
   * happens whether or not an account has that address. Bad input stores nothing and counts nothing;
   * past the limits (per client address, then per email) nothing is stored or sent.
   */
  async function requestCase(input: NewCaseRequest, client: RequestClient): Promise<{ email: string }> {
    const errors = checkEmail(input.email);
    let fields: ValidCase | undefined;
    try {
      fields = validateNewCase({ ...input, subscriptionId: null });
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(...error.errors);
    }
    if (errors.length > 0 || !fields) throw new ValidationError(errors);
    const email = input.email.trim();
    await requestsPerAddress.consume(client.address);
    await requestsPerEmail.consume(normalizeEmail(email));

    const token = randomBytes(32).toString('base64url');
    const now = clock.now();
    // The request and its mail are written together; delivery starts once both are committed.
    const deliver = await db.transaction().execute(async (trx) => {
      await repo.insertRequest(trx, {
        token_hash: hashToken(token), email, locale: client.locale, category: fields.category, subject: fields.subject,
        description: fields.description, created_at: iso(now), expires_at: iso(addMs(now, CASE_REQUEST_TTL_MS)), used_at: null, case_id: null,
      });
      return mail.sendWithin(trx, mails.confirmCaseRequest(config.publicUrl, { email, locale: client.locale }, token, {
        subject: fields.subject, validHours: CASE_REQUEST_TTL_MS / 3_600_000, programName: programName(),
      }));
    });
    deliver();
    return { email };
  }

  /**
   * Opens the case a mailed link stands for, once: a link used, expired or unknown is `invalid_token`. The
   * case belongs to the account with the confirmed address when there is one; its contact is the address.
   */
  async function confirmCaseRequest(token: string): Promise<SupportCaseView> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 200) throw invalidLink();
    const tokenHash = hashToken(token);
    const id = newId();
    await db.transaction().execute(async (trx) => {
      const now = iso(clock.now());
      const request = await repo.useRequest(trx, tokenHash, now);
      if (!request) throw invalidLink();
      const accountId = await repo.findAccountIdByEmail(trx, normalizeEmail(request.email)) ?? null;
      await repo.insertCase(trx, {
        id, account_id: accountId, category: request.category, subject: request.subject, description: request.description,
        subscription_id: null, status: 'open', created_at: now, updated_at: now, contact_email: request.email, contact_locale: request.locale,
      });
      await repo.setRequestCase(trx, tokenHash, id);
      const actor: Actor = accountId
        ? { type: 'account', id: accountId, label: request.email }
        : { type: 'system', id: null, label: request.email };
      await audit.record(trx, actor, 'support_case.created', 'support_case', id, {
        category: request.category, subscriptionId: null, signedOut: true,
      });
    });
    return (await readCase(id))!;
  }

  /** Deletes requests whose link can no longer open anything (housekeeping). */
  async function purgeSpentRequests(): Promise<number> {
    const now = clock.now();
    return repo.deleteSpentRequests(db, iso(now), iso(addMs(now, -CASE_REQUEST_TTL_MS)));
  }

  async function ownsSubscription(accountId: string, subscriptionId: string): Promise<boolean> {
    return (await subscriptions.list(accountId)).some((s) => s.id === subscriptionId);
  }

  /** The account's subscriptions, for the "about which subscription?" choice of the form. */
  async function subscriptionChoices(accountId: string) {
    return subscriptions.list(accountId);
  }

  // ---- reading -----------------------------------------------------------------------------

  /** The account's own cases, most recently active first. */
  async function listOfAccount(accountId: string, options: ListOptions = {}): Promise<CasePage> {
    return page({ ...listFilter(options), accountId });
  }

  /** Every case (the operator's queue), most recently active first. */
  async function listQueue(options: ListOptions = {}): Promise<CasePage> {
    return page(listFilter(options));
  }

  async function page(filter: repo.CaseFilter): Promise<CasePage> {
    const rows = await repo.listCases(db, { ...filter, limit: filter.limit + 1 });
    const items = rows.slice(0, filter.limit).map((row) => toCaseView(row));
    const last = rows.length > filter.limit ? rows[filter.limit - 1] : undefined;
    return { items, nextCursor: last ? encodeCursor(last) : null };
  }

  async function queueCounts(): Promise<Record<SupportCaseStatus, number>> {
    return repo.countByStatus(db);
  }

  /** One of the account's own cases with its messages; another account's is as absent as a missing one. */
  async function getOwn(accountId: string, id: string): Promise<SupportCaseView> {
    const row = await repo.findCase(db, id);
    if (!row || row.account_id !== accountId) throw new NotFoundError('This support case');
    return withMessages(row);
  }

  /** Any case, for the operator. */
  async function getForOperator(id: string): Promise<SupportCaseView> {
    const row = await repo.findCase(db, id);
    if (!row) throw new NotFoundError('This support case');
    return withMessages(row);
  }

  /** Whether this account opened the case: its owner answers as the recipient, even an operator admin. */
  async function isOwner(accountId: string, id: string): Promise<boolean> {
    const row = await repo.findCase(db, id);
    return row?.account_id === accountId;
  }

  async function readCase(id: string): Promise<SupportCaseView | undefined> {
    const row = await repo.findCase(db, id);
    return row ? withMessages(row) : undefined;
  }

  async function withMessages(row: repo.SupportCaseRow): Promise<SupportCaseView> {
    const messages = await repo.listMessages(db, row.id);
    return toCaseView(row, messages);
  }

  // ---- writing to each other --------------------------------------------------------------

  /**
   * Adds a message. The recipient writing moves a waiting or closed case back to open (it needs the
   * operator again); the operator answering an open case moves it to waiting (for the recipient). The
   * operator's message is then emailed to the recipient with a link to the case.
   */
  async function addMessage(caseId: string, author: Author, input: { body: string }, actor: Actor): Promise<SupportCaseView> {
    const body = validateText(input.body, 'body', 'Message');
    const now = iso(clock.now());
    const messageId = newId();
    const row = await db.transaction().execute(async (trx) => {
      const current = await repo.findCase(trx, caseId);
      if (!current || (author.role === 'owner' && current.account_id !== author.accountId)) {
        throw new NotFoundError('This support case');
      }
      const authorType: AuthorType = author.role === 'owner' ? 'account' : 'operator';
      await repo.insertMessage(trx, {
        id: messageId, case_id: caseId, author_type: authorType, author_id: author.role === 'owner' ? author.accountId : actor.id,
        body, created_at: now,
      });
      await audit.record(trx, actor, 'support_case.message_added', 'support_case', caseId, { messageId, authorType, length: body.length });
      const [from, to]: [SupportCaseStatus[], SupportCaseStatus] = authorType === 'account' ? [['waiting', 'closed'], 'open'] : [['open'], 'waiting'];
      if (await repo.changeStatus(trx, caseId, from.filter((s) => s === current.status), to, now) === 1) {
        await audit.record(trx, actor, 'support_case.status_changed', 'support_case', caseId, { from: current.status, to, reason: 'message' });
      } else {
        await repo.touchCase(trx, caseId, now);
      }
      return current;
    });
    if (author.role === 'operator' && row.account_email) {
      await mail.send(mails.operatorReplied(config.publicUrl, {
        email: row.account_email, name: row.account_display_name ?? '', locale: row.account_locale ?? row.contact_locale ?? 'en',
      }, { id: caseId, subject: row.subject }, body));
    } else if (author.role === 'operator' && row.contact_email) {
      // Nobody can sign in to a case without an account: the mail carries the reply and how to answer.
      await mail.send(mails.operatorRepliedToContact(config.publicUrl, { email: row.contact_email, locale: row.contact_locale ?? 'en' }, {
        id: caseId, subject: row.subject,
      }, body));
    }
    return (await readCase(caseId))!;
  }

  /** The operator opens, parks (waiting) or closes a case. Setting the status it already has changes nothing. */
  async function changeStatus(caseId: string, status: string, actor: Actor): Promise<SupportCaseView> {
    const to = parseStatus(status, 'status');
    const now = iso(clock.now());
    await db.transaction().execute(async (trx) => {
      const current = await repo.findCase(trx, caseId);
      if (!current) throw new NotFoundError('This support case');
      if (current.status === to) return;
      if (await repo.changeStatus(trx, caseId, [current.status], to, now) === 1) {
        await audit.record(trx, actor, 'support_case.status_changed', 'support_case', caseId, { from: current.status, to });
      }
    });
    return (await readCase(caseId))!;
  }

  return {
    openCase, openSystemCase, requestCase, confirmCaseRequest, purgeSpentRequests, subscriptionChoices, listOfAccount, listQueue, queueCounts, getOwn, getForOperator, isOwner, addMessage, changeStatus,
  };
}

export type SupportService = ReturnType<typeof createSupportService>;

/** As accounts store it (email_normalized): the throttle and the account look-up use the same key. */
const normalizeEmail = (email: string) => email.trim().toLowerCase();

const invalidLink = () => new DomainError('invalid_token', 'This link is not valid any more. It may have expired or been used already.');

// ---- rules of input ------------------------------------------------------------------------------

interface ValidCase {
  category: SupportCategory;
  subject: string;
  description: string;
  subscriptionId: string | null;
}

function validateNewCase(input: NewCase): ValidCase {
  const errors: FieldError[] = [];
  const attempt = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(...error.errors);
      return undefined;
    }
  };
  const category = attempt(() => parseCategory(input.category));
  const subject = attempt(() => validateSubject(input.subject));
  const description = attempt(() => validateText(input.description, 'description', 'Description'));
  const subscriptionId = typeof input.subscriptionId === 'string' && input.subscriptionId.trim() !== '' ? input.subscriptionId.trim() : null;
  if (errors.length > 0) throw new ValidationError(errors);
  return { category: category!, subject: subject!, description: description!, subscriptionId };
}

function parseCategory(value: unknown): SupportCategory {
  const found = SUPPORT_CATEGORIES.find((c) => c === value);
  if (!found) throw new ValidationError([{ path: 'category', message: 'Choose a category: activation, billing, technical or account.' }]);
  return found;
}

export function parseStatus(value: unknown, path: string): SupportCaseStatus {
  const found = SUPPORT_STATUSES.find((s) => s === value);
  if (!found) throw new ValidationError([{ path, message: 'Choose a status: open, waiting or closed.' }]);
  return found;
}

const length = (text: string) => [...text].length;

/** One line: runs of whitespace (newlines included) become one space; control characters are dropped. */
function validateSubject(value: unknown): string {
  const subject = typeof value === 'string' ? stripControls(value).replace(/\s+/g, ' ').trim() : '';
  if (subject === '') throw new ValidationError([{ path: 'subject', message: 'Enter a subject.' }]);
  if (length(subject) > MAX_SUBJECT_LENGTH) {
    throw new ValidationError([{ path: 'subject', message: `Subject must be ${MAX_SUBJECT_LENGTH} characters or fewer (it has ${length(subject)}).` }]);
  }
  return subject;
}

/** Free text keeps its lines; line endings become \n, control characters (NUL among them) are dropped. */
function validateText(value: unknown, path: string, label: string): string {
  const text = typeof value === 'string' ? stripControls(value.replace(/\r\n?/g, '\n')).trim() : '';
  if (text === '') throw new ValidationError([{ path, message: `Enter a ${label.toLowerCase()}.` }]);
  if (length(text) > MAX_TEXT_LENGTH) {
    throw new ValidationError([{ path, message: `${label} must be ${MAX_TEXT_LENGTH.toLocaleString('en')} characters or fewer (it has ${length(text).toLocaleString('en')}).` }]);
  }
  return text;
}

// eslint-disable-next-line no-control-regex
const stripControls = (text: string) => text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

function listFilter(options: ListOptions): repo.CaseFilter {
  const status = options.status === undefined || options.status === '' ? undefined : parseStatus(options.status, 'status');
  const limit = options.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new ValidationError([{ path: 'limit', message: `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}.` }]);
  }
  return { status, limit, before: options.before ? decodeCursor(options.before) : undefined };
}

function encodeCursor(row: repo.SupportCaseRow): string {
  return Buffer.from(JSON.stringify([row.updated_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { updatedAt: string; id: string } {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'string')) {
      return { updatedAt: value[0] as string, id: value[1] as string };
    }
  } catch {
    // falls through to the error below
  }
  throw new ValidationError([{ path: 'before', message: 'before is not a cursor this list gave out (use nextCursor).' }]);
}

// ---- the one mapping from rows ---------------------------------------------------------------------

const AUTHOR_NAMES: Record<Exclude<AuthorType, 'account'>, string> = { operator: 'Support team', system: 'cloudpass' };

function toCaseView(row: repo.SupportCaseRow, messages?: repo.SupportMessageRow[]): SupportCaseView {
  const account = row.account_id && row.account_email !== null
    ? { id: row.account_id, email: row.account_email, displayName: row.account_display_name ?? '' }
    : null;
  const view: SupportCaseView = {
    id: row.id, status: row.status, category: row.category, subject: row.subject, description: row.description,
    subscriptionId: row.subscription_id, account, contactEmail: row.contact_email, createdAt: row.created_at, updatedAt: row.updated_at,
  };
  if (messages) {
    view.messages = messages.map((m) => ({
      id: m.id, authorType: m.author_type, body: m.body, createdAt: m.created_at,
      authorName: m.author_type === 'account' ? (account?.displayName || row.contact_email || 'Recipient') : AUTHOR_NAMES[m.author_type],
    }));
  }
  return view;
}
