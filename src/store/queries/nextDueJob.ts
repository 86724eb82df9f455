import type { Database } from '../port.ts';

/** Epoch ms of the earliest scheduled poll (leased jobs count at their lease expiry), or null. */
export function nextDueAt(db: Database): number | null {
  const row = db
    .prepare<{ t: number | null }>('SELECT MIN(next_poll_at) AS t FROM jobs WHERE next_poll_at IS NOT NULL')
    .get();
  return row?.t ?? null;
}
