import type { Database } from '../port.ts';

export interface Release {
  jobId: string;
  leaseToken: string;
  nextPollAt: number;
}

/**
 * Gives claimed jobs back unpolled (over a credential's rate budget, or their origin is busy),
 * due again at `nextPollAt`. Only while this worker still holds the lease.
 */
export function releaseJobs(db: Database, releases: readonly Release[], now: number): number {
  if (releases.length === 0) return 0;
  const stmt = db.prepare(
    `UPDATE jobs SET next_poll_at = ?, lease_token = NULL, lease_expires_at = NULL, updated_at = ?
      WHERE id = ? AND lease_token = ?`,
  );
  return db.transaction(() => {
    let n = 0;
    for (const r of releases) n += stmt.run(r.nextPollAt, now, r.jobId, r.leaseToken).changes;
    return n;
  });
}
