import type { Database, SqlValue } from '../port.ts';

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

const CLAIM_SQL = `UPDATE deliveries SET lease_token = ?, lease_expires_at = ?, next_attempt_at = ?
    WHERE rowid IN (SELECT rowid FROM deliveries WHERE next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?)
   RETURNING id, tenant_id, event_id, job_id, sequence, subscription_id, target_key, url, attempt_count,
     retry_base, created_at, (SELECT body FROM events WHERE events.id = deliveries.event_id) AS body`;
/** The claim's columns, in the order the row arrays hold them. */
const COLUMNS = ['id', 'tenant_id', 'event_id', 'job_id', 'sequence', 'subscription_id', 'target_key', 'url', 'attempt_count', 'retry_base', 'created_at', 'body'] as const;

/**
 * Claims up to `limit` due deliveries in one statement. next_attempt_at moves to the lease
 * expiry, so a delivery whose worker died becomes due again through the same index; every later
 * write is guarded by the lease token. The event body comes back in the same statement.
 * Rows are read as arrays where the driver can (Statement.values): a keyed object per row cost
 * about 2 us more per claimed delivery (9.3 against 7.4 us in a micro-benchmark of the claim).
 */
export function claimDueDeliveries(
  db: Database,
  claim: { leaseToken: string; now: number; leaseExpiresAt: number; limit: number },
): ClaimedDelivery[] {
  if (claim.limit <= 0) return [];
  const stmt = db.prepare<Record<(typeof COLUMNS)[number], SqlValue>>(CLAIM_SQL);
  const params = [claim.leaseToken, claim.leaseExpiresAt, claim.leaseExpiresAt, claim.now, claim.limit];
  const rows = stmt.values ? stmt.values(...params) : stmt.all(...params).map((r) => COLUMNS.map((c) => r[c]));
  const claimed: ClaimedDelivery[] = new Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    claimed[i] = {
      id: r[0] as string,
      tenantId: r[1] as string,
      eventId: r[2] as string,
      jobId: r[3] as string,
      sequence: r[4] as number,
      subscriptionId: r[5] as string | null,
      targetKey: r[6] as string,
      url: r[7] as string,
      attemptCount: r[8] as number,
      retryBase: r[9] as number,
      createdAt: r[10] as number,
      body: (r[11] as string | null) ?? '',
      leaseToken: claim.leaseToken,
      leaseExpiresAt: claim.leaseExpiresAt,
    };
  }
  return claimed;
}
