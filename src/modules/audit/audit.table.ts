export type ActorType = 'apikey' | 'admin' | 'account' | 'system';

export interface AuditEventTable {
  id: string;
  at: string;
  actor_type: ActorType;
  actor_id: string | null;
  /** Human-readable actor (key name, admin email) kept even if the actor is later deleted. */
  actor_label: string;
  action: string;
  subject_type: string;
  subject_id: string | null;
  /** JSON object with the action's details. */
  details: string;
}
