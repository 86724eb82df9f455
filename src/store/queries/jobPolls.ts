import type { Database } from '../port.ts';

export interface JobPollRow {
  /** Null for the job's open run of unchanged polls, which lives in the job row. */
  id: number | null;
  job_id: string;
  polled_at: number;
  outcome: string;
  upstream_status: string | null;
  http_status: number | null;
  latency_ms: number | null;
  next_poll_at: number | null;
  reason: string | null;
  error: string | null;
  /** How many polls the entry stands for: 1, or the length of a run of unchanged polls. */
  polls: number;
  /** The last poll of a run; null for a single poll. */
  last_polled_at: number | null;
}

const COLUMNS = 'outcome, upstream_status, http_status, latency_ms, next_poll_at, reason, error, polls, last_polled_at';

/**
 * A job's polls, newest first: on the first page (no `beforeId`) its open run of unchanged polls
 * (migration 0009, kept in the job row, newer than every job_polls row) when it has one, then the
 * job_polls rows before `beforeId` (the cursor). One statement, so a run closed meanwhile is
 * never listed twice or missed. The caller has checked the job is the tenant's; the tenant is
 * matched again so a wrong check leaks nothing.
 */
export function listJobPolls(db: Database, tenantId: string, jobId: string, beforeId: number | null, limit: number): JobPollRow[] {
  const rows = db
    .prepare<JobPollRow>(
      `SELECT * FROM (SELECT NULL AS id, id AS job_id, unchanged_since AS polled_at, 'unchanged' AS outcome, upstream_status,
            unchanged_http_status AS http_status, unchanged_latency_ms AS latency_ms, unchanged_next_poll_at AS next_poll_at,
            unchanged_reason AS reason, NULL AS error, unchanged_polls AS polls, unchanged_last_at AS last_polled_at
          FROM jobs WHERE id = ? AND tenant_id = ? AND unchanged_polls > 0 AND ? = 1)
       UNION ALL
       SELECT * FROM (SELECT id, job_id, polled_at, ${COLUMNS}
          FROM job_polls WHERE job_id = ? AND tenant_id = ? AND id < ? ORDER BY id DESC LIMIT ?)`,
    )
    .all(jobId, tenantId, beforeId == null ? 1 : 0, jobId, tenantId, beforeId ?? Number.MAX_SAFE_INTEGER, limit);
  const open = rows.findIndex((r) => r.id == null);
  if (open > 0) rows.unshift(rows.splice(open, 1)[0]!);
  return rows.slice(0, limit);
}
