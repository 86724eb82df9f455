import type { Database } from '../port.ts';

export interface DeliveryRelease {
  id: string;
  leaseToken: string;
  /** When it is due again. */
  dueAt: number;
}

/**
 * Gives claimed deliveries back without counting an attempt: deferred (open circuit, busy
 * origin) or released on shutdown. Guarded by the lease token, so a lease that was lost (expired
 * and claimed by another worker, or replayed) is left alone. Returns how many were released.
 */
export function releaseDeliveries(db: Database, releases: readonly DeliveryRelease[], now: number): number {
  if (releases.length === 0) return 0;
  const stmt = db.prepare(
    `UPDATE deliveries SET next_attempt_at = ?, lease_token = NULL, lease_expires_at = NULL, updated_at = ?
      WHERE id = ? AND lease_token = ?`,
  );
  return db.transaction(() => {
    let released = 0;
    for (const r of releases) released += stmt.run(r.dueAt, now, r.id, r.leaseToken).changes;
    return released;
  });
}
