/**
 * Per-poll history for the dashboard's job timeline and GET /v1/jobs/{id}/polls.
 *
 * One row per poll that was recorded (its lease held), written by recordPollOutcomes in the
 * transaction that records the outcome, as multi-row INSERTs. `id` (the rowid) is the list
 * cursor. No AUTOINCREMENT: it would write sqlite_sequence on every batch, and a job's own rows
 * are only deleted with the job, so a new row of a live job always numbers above its older ones.
 * `outcome` is 'changed', 'unchanged' or a poll failure kind; `reason` says why the next poll
 * is when it is (the schedule policy's reason, or the failure policy's); `error` is the
 * failure's message, cut short (providers never put credentials in it).
 * Rows go with their job: retention (pruneFinished) and tenant deletion delete them.
 */
export const sql = /* sql */ `
CREATE TABLE job_polls (
  id              INTEGER PRIMARY KEY,
  job_id          TEXT NOT NULL,
  tenant_id       TEXT NOT NULL,
  polled_at       INTEGER NOT NULL,
  outcome         TEXT NOT NULL,
  upstream_status TEXT,
  http_status     INTEGER,
  latency_ms      INTEGER,
  next_poll_at    INTEGER,
  reason          TEXT,
  error           TEXT
);
CREATE INDEX job_polls_by_job ON job_polls(job_id, polled_at);
`;
