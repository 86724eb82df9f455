import type { Database } from '../port.ts';
import type { JobRow } from '../rows.ts';
import { allJobRows, JOB_COLUMNS } from '../jobColumns.ts';

export interface ClaimInput {
  leaseToken: string;
  now: number;
  leaseMs: number;
  limit: number;
}

/**
 * Claims up to `limit` due jobs in one statement through the `jobs_due` index (O(log n) per
 * job). The claim moves next_poll_at to the lease expiry: if this worker dies, the job becomes
 * due again by itself, found by the same index, with no recovery scan.
 *
 * The due rows are picked by rowid, which `jobs_due` holds: the pick reads the index alone
 * (selecting `id` read every due row's table page once more and then searched the `id` index),
 * and the update then visits the rows in rowid order, i.e. in table page order.
 *
 * The rows come back as arrays (`allJobRows`): the driver building a keyed object per returned
 * row was the largest part of the claim's cost.
 */
export function claimDueJobs(db: Database, input: ClaimInput): JobRow[] {
  const leaseUntil = input.now + input.leaseMs;
  const stmt = db.prepare<JobRow>(
    `UPDATE jobs SET lease_token = ?, lease_expires_at = ?, next_poll_at = ?
      WHERE rowid IN (SELECT rowid FROM jobs WHERE next_poll_at <= ? ORDER BY next_poll_at LIMIT ?)
      RETURNING ${JOB_COLUMNS}`,
  );
  return allJobRows(stmt, input.leaseToken, leaseUntil, leaseUntil, input.now, input.limit);
}
