// Outgoing mail. Every message is written to the outbox first; with SMTP_URL it is then delivered through
// nodemailer, and failed deliveries are retried later. Without SMTP the outbox is where operators read it.
import type { Transporter } from 'nodemailer';
import type { Db, DbOrTrx } from '../../db/database.ts';
import type { Config } from '../../config.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import * as repo from './mail.repository.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
}

export interface MailView {
  id: string;
  to: string;
  subject: string;
  text: string;
  html: string | null;
  createdAt: string;
  sentAt: string | null;
  attempts: number;
  lastError: string | null;
}

export interface MailLog {
  info(message: string): void;
  warn(message: string): void;
}

export const MAX_ATTEMPTS = 5;
const RETRY_INTERVAL_MS = 60 * 1000;
/** A delivery that started this long ago without an outcome was lost (a crash): try it again. */
const STALE_ATTEMPT_MS = 5 * 60 * 1000;

const consoleLog: MailLog = { info: (m) => console.info(m), warn: (m) => console.warn(m) };
const silentLog: MailLog = { info: () => {}, warn: () => {} };

export function createMailService(deps: {
  db: Db; clock: Clock; config: Config; metrics: Metrics; log?: MailLog;
  closers?: Array<() => Promise<void> | void>;
}) {
  const { db, clock, config, metrics } = deps;
  const log = deps.log ?? (config.logLevel === 'silent' ? silentLog : consoleLog);
  const transport = config.smtpUrl ? smtpTransport(config.smtpUrl, config.mailFrom) : undefined;
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;

  /** Keeps the message and starts delivery; a delivery failure never fails the caller. */
  async function send(message: MailMessage): Promise<void> {
    (await sendWithin(db, message))();
  }

  /**
   * Writes the message to the outbox with the caller's handle (a transaction, so the mail exists exactly
   * when what it tells of does); call the returned function once that committed to start delivery.
   */
  async function sendWithin(handle: DbOrTrx, message: MailMessage): Promise<() => void> {
    const row = {
      id: newId(), to_address: message.to, subject: message.subject, text_body: message.text,
      html_body: message.html ?? null, created_at: iso(clock.now()), sent_at: null, attempts: 0, last_error: null,
    };
    await repo.insertMail(handle, row);
    return () => {
      if (!transport) {
        metrics.mailSent.inc({ outcome: 'outbox' });
        log.info(`mail kept in the outbox (no SMTP_URL): "${message.subject}" to ${message.to}`);
        return;
      }
      track(deliver(row.id, 0));
    };
  }

  function track(promise: Promise<void>) {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  }

  /** Claims one attempt with a conditional write, so two instances never send the same try twice. */
  async function deliver(id: string, seenAttempts: number): Promise<void> {
    if (!transport) return;
    try {
      if (!(await repo.claimAttempt(db, id, seenAttempts))) return;
      const mail = await repo.findMail(db, id);
      if (!mail) return;
      try {
        await (await transport.get()).sendMail({
          from: config.mailFrom, to: mail.to_address, subject: mail.subject, text: mail.text_body,
          ...(mail.html_body ? { html: mail.html_body } : {}),
        });
        await repo.markSent(db, id, iso(clock.now()));
        metrics.mailSent.inc({ outcome: 'sent' });
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        await repo.markFailed(db, id, reason.slice(0, 1000));
        metrics.mailSent.inc({ outcome: 'failed' });
        log.warn(`mail delivery failed (attempt ${seenAttempts + 1}), will retry: "${mail.subject}" to ${mail.to_address}: ${reason}`);
      }
    } catch (error) {
      log.warn(`mail outbox unavailable: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  /** Tries again every message whose delivery failed or was lost; returns how many were tried. */
  async function retryPending(): Promise<number> {
    if (!transport) return 0;
    const due = await repo.findRetryable(db, MAX_ATTEMPTS, iso(addMs(clock.now(), -STALE_ATTEMPT_MS)));
    for (const mail of due) track(deliver(mail.id, mail.attempts));
    await Promise.all(inFlight);
    return due.length;
  }

  async function list(options: { limit?: number; before?: string } = {}): Promise<MailView[]> {
    const rows = await repo.listMail(db, Math.min(Math.max(options.limit ?? 100, 1), 500), options.before);
    return rows.map(toMailView);
  }

  /** Waits for deliveries in progress (tests, shutdown). */
  async function settle(): Promise<void> {
    while (inFlight.size > 0) await Promise.all(inFlight);
  }

  function start() {
    if (!transport || timer) return;
    timer = setInterval(() => { void retryPending().catch(() => {}); }, RETRY_INTERVAL_MS);
    timer.unref();
  }

  async function close() {
    if (timer) clearInterval(timer);
    timer = undefined;
    await settle();
    await transport?.close();
  }

  start();
  deps.closers?.push(close);
  return { send, sendWithin, list, retryPending, settle, close };
}

export type MailService = ReturnType<typeof createMailService>;

function toMailView(row: repo.MailRow): MailView {
  return {
    id: row.id, to: row.to_address, subject: row.subject, text: row.text_body, html: row.html_body,
    createdAt: row.created_at, sentAt: row.sent_at, attempts: row.attempts, lastError: row.last_error,
  };
}

/** nodemailer is loaded with the first mail that goes out by SMTP, so a server without SMTP never carries it. */
function smtpTransport(url: string, from: string) {
  let transporter: Promise<Transporter> | undefined;
  return {
    get: () => (transporter ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport(url, { from }))),
    async close() {
      (await transporter)?.close();
    },
  };
}
