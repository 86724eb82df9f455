import type { Database } from '../port.ts';
import { NOT_LEASED } from './jobLeases.ts';

/**
 * Epoch ms at which the next claim can find a job: the earliest due job no lease holds, or the
 * earliest lease expiry (a job whose worker died comes back then), or null.
 */
export function nextDueAt(db: Database, now: number): number | null {
  const due = earliestUnleasedDueAt(db, now);
  const lease = db.prepare<{ t: number | null }>('SELECT MIN(expires_at) AS t FROM job_leases WHERE expires_at > ?').get(now)?.t ?? null;
  if (due === null) return lease;
  return lease === null ? due : Math.min(due, lease);
}

/** The earliest next_poll_at of a job no unexpired lease holds: a walk down `jobs_due` past polls in flight. */
export function earliestUnleasedDueAt(db: Database, now: number): number | null {
  return (
    db
      .prepare<{ t: number }>(`SELECT next_poll_at AS t FROM jobs WHERE next_poll_at IS NOT NULL AND ${NOT_LEASED} ORDER BY next_poll_at LIMIT 1`)
      .get(now)?.t ?? null
  );
}
