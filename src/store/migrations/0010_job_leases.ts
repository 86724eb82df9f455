/**
 * Leases of claimed jobs, out of the jobs table.
 *
 * A claim used to write the lease into each claimed job's row (lease_token, lease_expires_at,
 * next_poll_at moved to the expiry). Due jobs are scattered over the jobs table, so at a million
 * jobs every claim of 1,000 dirtied about 1,000 table pages no earlier claim had touched, and the
 * WAL and the checkpoints carried them all: the claim cost grew with the table. Now a claim
 * writes one narrow row per job here, keyed by the job's rowid, and leaves the job row alone;
 * the outcome's write (recordPollOutcomes) takes the lease back in the transaction that updates
 * the row, so a job row is written once per poll.
 *
 * A leased job keeps its next_poll_at (the due time it was claimed at). The claim and the
 * earliest-due lookup walk the jobs_due index and skip entries with an unexpired lease here,
 * from the index alone (it holds the rowid). An expired lease (its worker died) no longer
 * hides its job, which is still due: no recovery scan.
 *
 * Keyed by rowid, not by the job's id, because the index walk only knows the rowid. Rows go
 * with their job (the trigger), so a rowid SQLite reuses never finds an old lease. VACUUM may
 * renumber jobs' rowids; a lease that then names the wrong job only delays that job until the
 * lease expires, and the outcome it guarded is refused and the job polled again.
 * jobs.lease_token and jobs.lease_expires_at stay (dropping them would rewrite the table) but
 * are no longer written.
 */
export const sql = /* sql */ `
CREATE TABLE job_leases (
  job_rowid   INTEGER PRIMARY KEY,
  token       TEXT NOT NULL,
  expires_at  INTEGER NOT NULL
);
CREATE INDEX job_leases_expiry ON job_leases(expires_at);
CREATE TRIGGER job_leases_leave_with_job AFTER DELETE ON jobs BEGIN
  DELETE FROM job_leases WHERE job_rowid = OLD.rowid;
END;
-- Migrations run before the engines start: no poll is in flight. Leased rows already carry the
-- lease expiry as next_poll_at, so they come due by themselves.
UPDATE jobs SET lease_token = NULL, lease_expires_at = NULL WHERE lease_token IS NOT NULL;
`;
