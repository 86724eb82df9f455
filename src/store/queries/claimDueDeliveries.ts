import type { Database } from '../port.ts';

/** A delivery claimed under a lease, with everything needed to send it (no further reads). */
export interface ClaimedDelivery {
  id: string;
  tenantId: string;
  eventId: string;
  jobId: string;
  sequence: number;
  subscriptionId: string | null;
  targetKey: string;
  url: string;
  attemptCount: number;
  retryBase: number;
  /** When the event was committed (the delivery row is written in the same transaction). */
  createdAt: number;
  /** The stored event body, sent byte for byte. */
  body: string;
  leaseToken: string;
  leaseExpiresAt: number;
}

interface ClaimRow {
  id: string;
  tenant_id: string;
  event_id: string;
  job_id: string;
  sequence: number;
  subscription_id: string | null;
  target_key: string;
  url: string;
  attempt_count: number;
  retry_base: number;
  created_at: number;
  body: string | null;
}

/**
 * Claims up to `limit` due deliveries in one statement. next_attempt_at moves to the lease
 * expiry, so a delivery whose worker died becomes due again through the same index; every later
 * write is guarded by the lease token. The event body comes back in the same statement.
 */
export function claimDueDeliveries(
  db: Database,
  claim: { leaseToken: string; now: number; leaseExpiresAt: number; limit: number },
): ClaimedDelivery[] {
  if (claim.limit <= 0) return [];
  const rows = db
    .prepare<ClaimRow>(
      `UPDATE deliveries SET lease_token = ?, lease_expires_at = ?, next_attempt_at = ?
        WHERE rowid IN (SELECT rowid FROM deliveries WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
       RETURNING id, tenant_id, event_id, job_id, sequence, subscription_id, target_key, url, attempt_count,
         retry_base, created_at, (SELECT body FROM events WHERE events.id = deliveries.event_id) AS body`,
    )
    .all(claim.leaseToken, claim.leaseExpiresAt, claim.leaseExpiresAt, claim.now, claim.limit);
  return rows.map((r) => ({
    id: r.id,
    tenantId: r.tenant_id,
    eventId: r.event_id,
    jobId: r.job_id,
    sequence: r.sequence,
    subscriptionId: r.subscription_id,
    targetKey: r.target_key,
    url: r.url,
    attemptCount: r.attempt_count,
    retryBase: r.retry_base,
    createdAt: r.created_at,
    body: r.body ?? '',
    leaseToken: claim.leaseToken,
    leaseExpiresAt: claim.leaseExpiresAt,
  }));
}
