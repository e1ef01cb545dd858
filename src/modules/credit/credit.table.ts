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
  created_at: string;
}
