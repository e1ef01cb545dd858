// The one typed view of the database, composed from each domain's table types.
import type { Kysely, Transaction } from 'kysely';
import type { AccountTable, AccountTokenTable } from '../modules/accounts/accounts.table.ts';
import type { ApiKeyTable } from '../modules/apikeys/apikeys.table.ts';
import type { AuditEventTable } from '../modules/audit/audit.table.ts';
import type { CampaignTable } from '../modules/campaigns/campaigns.table.ts';
import type { CodeBatchTable, PassCodeTable } from '../modules/codes/codes.table.ts';
import type { CreditBalanceTable, CreditLedgerTable } from '../modules/credit/credit.table.ts';
import type { LifecycleNoticeTable } from '../modules/lifecycle/lifecycle.table.ts';
import type { JobTable } from '../modules/jobs/jobs.table.ts';
import type { MailOutboxTable } from '../modules/mail/mail.table.ts';
import type { OrganizationDomainTable, OrganizationTable } from '../modules/organizations/organizations.table.ts';
import type { RedemptionTable } from '../modules/redemptions/redemptions.table.ts';
import type { SessionTable } from '../modules/sessions/sessions.table.ts';
import type { SettingTable } from '../modules/settings/settings.table.ts';
import type { IdempotencyKeyTable, SubscriptionTable } from '../modules/subscriptions/subscriptions.table.ts';
import type { SupportCaseRequestTable, SupportCaseTable, SupportMessageTable } from '../modules/support/support.table.ts';

export interface Database {
  accounts: AccountTable;
  account_tokens: AccountTokenTable;
  api_keys: ApiKeyTable;
  audit_events: AuditEventTable;
  campaigns: CampaignTable;
  code_batches: CodeBatchTable;
  pass_codes: PassCodeTable;
  credit_ledger: CreditLedgerTable;
  credit_balances: CreditBalanceTable;
  lifecycle_notices: LifecycleNoticeTable;
  jobs: JobTable;
  mail_outbox: MailOutboxTable;
  organizations: OrganizationTable;
  organization_domains: OrganizationDomainTable;
  redemptions: RedemptionTable;
  sessions: SessionTable;
  settings: SettingTable;
  subscriptions: SubscriptionTable;
  idempotency_keys: IdempotencyKeyTable;
  support_cases: SupportCaseTable;
  support_messages: SupportMessageTable;
  support_case_requests: SupportCaseRequestTable;
}

export type Db = Kysely<Database>;
export type Trx = Transaction<Database>;
/** Either handle: repositories take whichever the caller owns. */
export type DbOrTrx = Db | Trx;
