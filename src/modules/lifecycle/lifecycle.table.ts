/** One email about a subscription that has gone out (or is in the outbox): its key makes it go once. */
export interface LifecycleNoticeTable {
  subscription_id: string;
  /** Which email: `credit-80`, `ends-in-7`, `disabled`, `expired`, `deletion-in-7`. */
  notice: string;
  created_at: string;
}
