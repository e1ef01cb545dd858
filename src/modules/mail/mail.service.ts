// Outgoing mail. Every message is written to the outbox first; with SMTP_URL it is then delivered through
// nodemailer, and failed deliveries are retried later. Without SMTP the outbox is where operators read it.
import { randomBytes } from 'node:crypto';
import type { Transporter } from 'nodemailer';
import type { Db, DbOrTrx } from '../../db/database.ts';
import { deriveKey, type Config } from '../../config.ts';
import { openSecret, sealSecret } from '../../lib/secret-box.ts';
import type { Metrics } from '../../lib/metrics.ts';
import { addMs, iso, type Clock } from '../../lib/clock.ts';
import { newId } from '../../lib/ids.ts';
import * as repo from './mail.repository.ts';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /**
   * Values in the text and HTML that must never be readable from the outbox (the token of a link that
   * verifies an email or resets a password). They are kept sealed until the message is delivered, then
   * dropped; the outbox shows `[redacted]` in their place.
   */
  secrets?: string[];
}

/** What the outbox shows in place of a secret. */
export const REDACTED = '[redacted]';
const MARKER = /\[redacted-[0-9a-f]{16}\]/g;

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
  const secretKey = deriveKey(config.secret, 'mail-secrets');
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
    const id = newId();
    const { text, html, sealed } = withoutSecrets(id, message);
    const row = {
      id, to_address: message.to, subject: message.subject, text_body: text,
      html_body: html, created_at: iso(clock.now()), sent_at: null, attempts: 0, last_error: null,
      // Without SMTP the log line below is the delivery: nothing is kept to read the secrets again.
      sealed_secrets: transport ? sealed : null,
    };
    await repo.insertMail(handle, row);
    return () => {
      if (!transport) {
        metrics.mailSent.inc({ outcome: 'outbox' });
        // Whoever reads the server's log runs the server (and holds its secret); an operator key holder does not.
        log.info(`mail kept in the outbox (no SMTP_URL): "${message.subject}" to ${message.to}${message.secrets?.length ? `\n${message.text}` : ''}`);
        return;
      }
      track(deliver(row.id, 0));
    };
  }

  /** The bodies with each secret replaced by a marker, and the markers' values sealed to this message. */
  function withoutSecrets(id: string, message: MailMessage): { text: string; html: string | null; sealed: string | null } {
    let text = message.text;
    let html = message.html ?? null;
    const pairs: Array<[string, string]> = [];
    for (const secret of new Set(message.secrets ?? [])) {
      if (secret.length < 8) continue;
      const marker = `[redacted-${randomBytes(8).toString('hex')}]`;
      text = text.replaceAll(secret, marker);
      html = html?.replaceAll(secret, marker) ?? null;
      pairs.push([marker, secret]);
    }
    return { text, html, sealed: pairs.length ? sealSecret(secretKey, JSON.stringify(pairs), id) : null };
  }

  /** The bodies as they are sent: markers replaced by their sealed values. */
  function withSecrets(mail: repo.MailRow): { text: string; html: string | null } {
    if (!mail.sealed_secrets) return { text: mail.text_body, html: mail.html_body };
    const pairs = JSON.parse(openSecret(secretKey, mail.sealed_secrets, mail.id)) as Array<[string, string]>;
    const put = (body: string) => pairs.reduce((b, [marker, value]) => b.replaceAll(marker, value), body);
    return { text: put(mail.text_body), html: mail.html_body === null ? null : put(mail.html_body) };
  }

  function track(promise: Promise<void>) {
    inFlight.add(promise);
    void promise.finally(() => inFlight.delete(promise));
  }

  const messageIdOf = (id: string) => `<${id}.outbox@${config.publicUrl.hostname}>`;

  /** Claims one attempt with a conditional write, so two instances never send the same try twice. */
  async function deliver(id: string, seenAttempts: number): Promise<void> {
    if (!transport) return;
    try {
      if (!(await repo.claimAttempt(db, id, seenAttempts))) return;
      const mail = await repo.findMail(db, id);
      if (!mail) return;
      try {
        const { text, html } = withSecrets(mail);
        await (await transport.get()).sendMail({
          // The same Message-ID on every try: a try whose "sent" was lost (the process died between the
          // SMTP server's OK and markSent) is sent again, and mail systems drop the copy by this header.
          messageId: messageIdOf(mail.id),
          from: config.mailFrom, to: mail.to_address, subject: mail.subject, text,
          ...(html ? { html } : {}),
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
    id: row.id, to: row.to_address, subject: row.subject, text: redacted(row.text_body), html: row.html_body === null ? null : redacted(row.html_body),
    createdAt: row.created_at, sentAt: row.sent_at, attempts: row.attempts, lastError: row.last_error,
  };
}

const redacted = (body: string) => body.replace(MARKER, REDACTED);

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
