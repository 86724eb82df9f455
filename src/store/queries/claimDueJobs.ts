import type { Database } from '../port.ts';
import type { JobRow } from '../rows.ts';
import { allJobRows, JOB_COLUMNS } from '../jobColumns.ts';
import { leaseRowids, NOT_LEASED } from './jobLeases.ts';

export interface ClaimInput {
  leaseToken: string;
  now: number;
  leaseMs: number;
  limit: number;
}

/**
 * Claims up to `limit` due jobs: picks them from the `jobs_due` index, leases them in
 * `job_leases` (migration 0010) and reads their rows, in one transaction.
 *
 * The pick reads the index alone (it holds next_poll_at and the rowid; the lease check is a
 * lookup in the small leases table), and the lease is one narrow row per job, so the claim no
 * longer writes the jobs' own pages: due jobs are scattered over the table, and at a million
 * jobs writing them made each claim dirty (and the WAL carry) about one page per job. A leased
 * job stays at its due time in the index; if this worker dies, the lease runs out and the job,
 * still due, is claimed again with no recovery scan.
 *
 * The rows come back as arrays (`allJobRows`) in rowid order, i.e. table page order.
 */
export function claimDueJobs(db: Database, input: ClaimInput): JobRow[] {
  return db.transaction(() => {
    const picked = db
      .prepare<{ r: number }>(`SELECT rowid AS r FROM jobs WHERE next_poll_at <= ? AND ${NOT_LEASED} ORDER BY next_poll_at LIMIT ?`)
      .all(input.now, input.now, input.limit);
    if (picked.length === 0) return [];
    const rowids = JSON.stringify(picked.map((p) => p.r));
    leaseRowids(db, rowids, input.leaseToken, input.now + input.leaseMs);
    return allJobRows(db.prepare<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE rowid IN (SELECT value FROM json_each(?))`), rowids);
  });
}
