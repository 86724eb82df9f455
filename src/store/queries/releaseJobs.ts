import type { Database } from '../port.ts';
import { takeBackLease } from './jobLeases.ts';

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
  const reschedule = db.prepare('UPDATE jobs SET next_poll_at = ?, updated_at = ? WHERE id = ?');
  return db.transaction(() => {
    let n = 0;
    for (const r of releases) {
      if (takeBackLease(db, r.jobId, r.leaseToken)) n += reschedule.run(r.nextPollAt, now, r.jobId).changes;
    }
    return n;
  });
}
