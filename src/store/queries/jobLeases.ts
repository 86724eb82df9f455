import type { Database } from '../port.ts';

/**
 * Job leases live in their own narrow table (migration 0010): a claim writes one small row per
 * job instead of the job's wide row. These are the pieces every query on leases shares.
 */

/** True for a jobs row no unexpired lease holds; binds one parameter, the current time. */
export const NOT_LEASED = 'NOT EXISTS (SELECT 1 FROM job_leases l WHERE l.job_rowid = jobs.rowid AND l.expires_at > ?)';

/**
 * Takes back the lease `token` holds on job `jobId`. True when it held it: only then may the
 * holder write the poll's outcome. One write per job, in the transaction that writes the job.
 */
export function takeBackLease(db: Database, jobId: string, token: string): boolean {
  return (
    db
      .prepare('DELETE FROM job_leases WHERE job_rowid = (SELECT rowid FROM jobs WHERE id = ?) AND token = ?')
      .run(jobId, token).changes > 0
  );
}

/** Ends any lease on job `jobId`: a poll in flight for it will record nothing. */
export function dropLease(db: Database, jobId: string): void {
  db.prepare('DELETE FROM job_leases WHERE job_rowid = (SELECT rowid FROM jobs WHERE id = ?)').run(jobId);
}

/** Ends with an INSERT INTO job_leases ... SELECT: an expired lease of the same job is replaced. */
export const REPLACING_EXPIRED = 'ON CONFLICT(job_rowid) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at';

/** Leases the jobs with these rowids to `token` until `leaseUntil` (one statement, three parameters). */
export function leaseRowids(db: Database, rowidsJson: string, token: string, leaseUntil: number): void {
  db.prepare(
    `INSERT INTO job_leases (job_rowid, token, expires_at) SELECT value, ?, ? FROM json_each(?) WHERE true ${REPLACING_EXPIRED}`,
  ).run(token, leaseUntil, rowidsJson);
}

/** The lease on job `jobId`, if any (expired or not). */
export function leaseOf(db: Database, jobId: string): { token: string; expiresAt: number } | null {
  const row = db
    .prepare<{ token: string; expires_at: number }>(
      'SELECT token, expires_at FROM job_leases WHERE job_rowid = (SELECT rowid FROM jobs WHERE id = ?)',
    )
    .get(jobId);
  return row ? { token: row.token, expiresAt: row.expires_at } : null;
}
