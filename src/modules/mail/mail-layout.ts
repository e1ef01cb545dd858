// What every email's HTML part looks like: paragraphs, one link drawn as a button (and written out, for
// mail clients that hide buttons), more paragraphs. Everything passed in is text and is escaped here.
// Links are absolute, built from PUBLIC_URL. Mails are written in the recipient's language (`locale`).
import { translator } from '../../i18n/catalogue.ts';

export function mailLink(publicUrl: URL, path: string, params: Record<string, string> = {}): string {
  const url = new URL(path, publicUrl);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  return url.href;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A paragraph, or what someone wrote, quoted with its line breaks. */
export type MailBlock = string | { quote: string };

const block = (b: MailBlock) => typeof b === 'string'
  ? `<p style="margin:0 0 16px">${escapeHtml(b)}</p>`
  : `<blockquote style="margin:0 0 16px;padding:12px 16px;border-left:4px solid #1d4ed8;background:#eff6ff;white-space:pre-wrap">${escapeHtml(b.quote)}</blockquote>`;

export function htmlMail(before: MailBlock[], action: { href: string; label: string }, after: MailBlock[] = [], locale = 'en'): string {
  const i18n = translator(locale);
  return `<!doctype html><html lang="${i18n.locale}"><body style="font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#111827">`
    + before.map(block).join('')
    + `<p style="margin:0 0 16px"><a href="${escapeHtml(action.href)}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#fff;text-decoration:none;border-radius:6px">${escapeHtml(action.label)}</a></p>`
    + `<p style="margin:0 0 16px;font-size:14px;color:#4b5563">${escapeHtml(i18n.t('mail.orOpen', { href: action.href }))}</p>`
    + after.map(block).join('')
    + `</body></html>`;
}
