import type { Database } from '../port.ts';

export interface JobPollRow {
  id: number;
  job_id: string;
  polled_at: number;
  outcome: string;
  upstream_status: string | null;
  http_status: number | null;
  latency_ms: number | null;
  next_poll_at: number | null;
  reason: string | null;
  error: string | null;
}

/**
 * A job's polls, newest first, those before `beforeId` (the cursor) when given. The caller has
 * checked the job is the tenant's; the tenant is matched again so a wrong check leaks nothing.
 */
export function listJobPolls(db: Database, tenantId: string, jobId: string, beforeId: number | null, limit: number): JobPollRow[] {
  return db
    .prepare<JobPollRow>(
      `SELECT id, job_id, polled_at, outcome, upstream_status, http_status, latency_ms, next_poll_at, reason, error
         FROM job_polls WHERE job_id = ? AND tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?`,
    )
    .all(jobId, tenantId, beforeId ?? Number.MAX_SAFE_INTEGER, limit);
}
