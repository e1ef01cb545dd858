// Every recipient as CSV, streamed: pages of rows from the service go through csv-stringify (quoting as
// RFC 4180 asks) straight to the response, so memory holds one page whatever the program's size.
import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { RecipientView } from './recipients.service.ts';

export const RECIPIENT_CSV_COLUMNS = [
  'account_id', 'email', 'kind', 'organization', 'campaign_id', 'campaign', 'code_last4', 'redemption_state', 'redeemed_at',
  'subscription_id', 'subscription_status', 'credit_remaining', 'credit_currency', 'ends_at',
] as const;

function record(r: RecipientView): string[] {
  return [
    r.accountId, r.email, r.kind, r.organization?.name ?? '', r.campaignId, r.campaignName, r.codeLast4, r.redemptionState, r.redeemedAt,
    r.subscriptionId ?? '', r.subscriptionStatus ?? '', r.credit ? minorUnits(r.credit.remaining.amount, r.credit.remaining.currency) : '',
    r.credit?.remaining.currency ?? '', r.endsAt ?? '',
  ];
}

const DIGITS: Record<string, number> = {};
/** 12345 USD → "123.45": the amount as a spreadsheet reads it. */
function minorUnits(amount: number, currency: string): string {
  const digits = (DIGITS[currency] ??= new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2);
  if (digits === 0) return String(amount);
  const sign = amount < 0 ? '-' : '';
  const text = String(Math.abs(amount)).padStart(digits + 1, '0');
  return `${sign}${text.slice(0, -digits)}.${text.slice(-digits)}`;
}

/** A byte stream of the CSV, header first; pulls the next page only when the reader wants more. */
export function recipientsCsv(pages: AsyncIterable<RecipientView[]>): Readable {
  async function* records() {
    for await (const page of pages) for (const r of page) yield record(r);
  }
  const csv = stringify({ header: true, columns: [...RECIPIENT_CSV_COLUMNS] });
  const source = Readable.from(records());
  source.on('error', (error) => csv.destroy(error));
  return source.pipe(csv);
}
