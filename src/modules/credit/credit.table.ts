export type LedgerEntryKind = 'grant' | 'usage' | 'adjustment' | 'expiry';

export interface CreditLedgerTable {
  id: string;
  subscription_id: string;
  kind: LedgerEntryKind;
  /** Signed integer minor units: grants positive, usage negative. */
  amount: number;
  currency: string;
  /** The platform's usage event id, unique so an event is applied once. */
  usage_event_id: string | null;
  /** Usage: what was used (`compute`, `storage`); adjustments: the operator's reason. */
  meter: string | null;
  /** Usage: when it happened on the platform (ISO 8601 UTC); other entries: null. */
  occurred_at: string | null;
  created_at: string;
}

/**
 * Each subscription's ledger totals, written in the same transaction as every ledger entry (never
 * recomputed elsewhere): `balance` = `granted` + `adjusted` − `used`.
 */
export interface CreditBalanceTable {
  subscription_id: string;
  currency: string;
  granted: number;
  /** Adjustments and expiry entries, signed. */
  adjusted: number;
  /** Usage, as a positive sum. */
  used: number;
  balance: number;
}
