export type SupportCategory = 'activation' | 'billing' | 'technical' | 'account';
export type SupportCaseStatus = 'open' | 'waiting' | 'closed';

export interface SupportCaseTable {
  id: string;
  account_id: string | null;
  category: SupportCategory;
  subject: string;
  description: string;
  subscription_id: string | null;
  status: SupportCaseStatus;
  created_at: string;
  updated_at: string;
}

export interface SupportMessageTable {
  id: string;
  case_id: string;
  author_type: 'account' | 'operator' | 'system';
  author_id: string | null;
  body: string;
  created_at: string;
}
