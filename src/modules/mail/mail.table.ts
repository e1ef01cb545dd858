export interface MailOutboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  created_at: string;
  sent_at: string | null;
  attempts: number;
  last_error: string | null;
  /** The message's secrets (link tokens), sealed, until it is delivered; the bodies hold markers instead. */
  sealed_secrets: string | null;
}
