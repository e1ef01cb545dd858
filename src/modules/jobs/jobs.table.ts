export interface JobTable {
  id: string;
  type: string;
  /** JSON payload. */
  payload: string;
  run_at: string;
  attempts: number;
  locked_by: string | null;
  /** A worker holds a job until this time; after it the job is taken again (crashed worker). */
  locked_until: string | null;
  last_error: string | null;
  /** When a worker first took the job: the retry window is measured from here. */
  first_attempt_at: string | null;
  created_at: string;
  done_at: string | null;
  failed_at: string | null;
}
