import type { Database } from '../port.ts';
import type { DeliveryFinalStatus } from '../../core/deliveryOutcome.ts';

/** Bytes of a receiver's answer kept in the attempt log. */
export const RESPONSE_BODY_LOG_BYTES = 4096;

export interface DeliveryAttemptResult {
  deliveryId: string;
  leaseToken: string;
  status: DeliveryFinalStatus;
  nextAttemptAt: number | null;
  attemptedAt: number;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
}

/**
 * Records one attempt and the delivery's new state, only while the lease is still ours.
 * Returns false when the lease was lost (the delivery was replayed or re-claimed meanwhile):
 * nothing is written then, so a stale worker never overwrites a newer state.
 */
export function recordDeliveryResult(db: Database, r: DeliveryAttemptResult, now: number): boolean {
  const changed = db
    .prepare(
      `UPDATE deliveries SET status = ?, attempt_count = attempt_count + 1, next_attempt_at = ?,
         lease_token = NULL, lease_expires_at = NULL, last_status_code = ?, last_error = ?, updated_at = ?,
         delivered_at = COALESCE(?, delivered_at), dead_at = ?
       WHERE id = ? AND lease_token = ?`,
    )
    .run(
      r.status,
      r.nextAttemptAt,
      r.statusCode,
      // A delivered attempt's error is only a note (an answer cut short after its 2xx); the
      // delivery itself has no error.
      r.status === 'delivered' ? null : r.error,
      now,
      r.status === 'delivered' ? now : null,
      r.status === 'dead' ? now : null,
      r.deliveryId,
      r.leaseToken,
    ).changes;
  if (changed === 0) return false;
  db.prepare(
    `INSERT INTO delivery_attempts (delivery_id, attempted_at, duration_ms, status_code, error, response_body)
     VALUES (?, ?, ?, ?, ?, ?)`,
  ).run(r.deliveryId, r.attemptedAt, r.durationMs, r.statusCode, r.error, r.responseBody);
  return true;
}

/**
 * After a delivery finished (delivered, dead, canceled), makes the first unfinished delivery of
 * its lane (job + target) due now, if it was waiting. The lowest sequence is taken, not the next
 * one after the finished delivery, so an earlier delivery that was replayed meanwhile keeps its
 * place. Returns true when one was released.
 */
export function releaseNextInLane(db: Database, jobId: string, targetKey: string, now: number): boolean {
  return (
    db
      .prepare(
        `UPDATE deliveries SET next_attempt_at = ?, updated_at = ?
          WHERE id = (SELECT id FROM deliveries WHERE job_id = ? AND target_key = ? AND status IN ('pending','failed')
                       ORDER BY sequence LIMIT 1)
            AND next_attempt_at IS NULL AND lease_token IS NULL`,
      )
      .run(now, now, jobId, targetKey).changes > 0
  );
}
