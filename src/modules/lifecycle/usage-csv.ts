// A subscription's usage as CSV (RFC 4180), for the recipient's export.
import type { SubscriptionExport } from './lifecycle.service.ts';

export const USAGE_CSV_HEADER = 'event_id,meter,amount,currency,occurred_at\n';

/**
 * Quotes a field when it needs it; a field a spreadsheet would run as a formula (=, +, -, @ first) gets
 * a leading apostrophe, since event ids and meters come from the platform.
 */
function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function usageCsv(data: Pick<SubscriptionExport, 'usage'>): string {
  let text = USAGE_CSV_HEADER;
  for (const u of data.usage) {
    text += `${csvField(u.id ?? '')},${csvField(u.meter ?? '')},${u.amount},${csvField(u.currency)},${csvField(u.occurredAt ?? '')}\n`;
  }
  return text;
}
