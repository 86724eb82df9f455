/**
 * Unchanged polls are kept as runs (see docs/decisions.md, "Poll history: runs of unchanged polls").
 *
 * A poll that found nothing new (the upstream said what it said last time, or 304) no longer
 * inserts a job_polls row: it counts into the job's open run, kept in the job's own row, which
 * its outcome UPDATE writes anyway (no other page, no index entry). The run holds how many
 * polls, the first and last one's time, and the last one's HTTP status, latency, next poll
 * time and reason. The next poll that saw a change or failed closes the run: its transaction inserts the run as one job_polls row (`polls` = the
 * count, `polled_at` its first poll, `last_polled_at` its last) before the poll's own row, and
 * empties the job's run. The open run is listed from the job row, newest first.
 * `job_polls.polls` is 1 and `last_polled_at` NULL for a single poll (all rows written before).
 */
export const sql = /* sql */ `
ALTER TABLE jobs ADD COLUMN unchanged_polls INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN unchanged_since INTEGER;
ALTER TABLE jobs ADD COLUMN unchanged_last_at INTEGER;
ALTER TABLE jobs ADD COLUMN unchanged_http_status INTEGER;
ALTER TABLE jobs ADD COLUMN unchanged_latency_ms INTEGER;
ALTER TABLE jobs ADD COLUMN unchanged_next_poll_at INTEGER;
ALTER TABLE jobs ADD COLUMN unchanged_reason TEXT;
ALTER TABLE job_polls ADD COLUMN polls INTEGER NOT NULL DEFAULT 1;
ALTER TABLE job_polls ADD COLUMN last_polled_at INTEGER;
`;
