import type { Database } from '../port.ts';
import { OPEN_DELIVERY } from './deliveries.ts';

export type RequeueResult = 'queued' | 'not_found' | 'not_retryable';

/**
 * Queues a dead or failed delivery again. It keeps its id (the webhook-id) and its attempts, and
 * its place in the job's order: if something earlier in its lane is unfinished it waits for
 * that, and unfinished later ones in the lane (not in flight) wait for it again.
 * The retry schedule restarts (retry_base), as after a manual replay in Svix.
 */
export function requeueDelivery(db: Database, tenantId: string, id: string, now: number): RequeueResult {
  return db.transaction(() => {
    const d = db
      .prepare<{ status: string; job_id: string; target_key: string; sequence: number; lease_expires_at: number | null }>(
        'SELECT status, job_id, target_key, sequence, lease_expires_at FROM deliveries WHERE id = ? AND tenant_id = ?',
      )
      .get(id, tenantId);
    if (!d) return 'not_found';
    if (d.status !== 'dead' && d.status !== 'failed') return 'not_retryable';
    // An attempt in flight holds the lease: taking it over would lose that attempt's record.
    if (d.lease_expires_at != null && d.lease_expires_at > now) return 'not_retryable';
    requeueRow(db, id, d, now);
    return 'queued';
  });
}

export interface RecoverInput {
  since: number;
  subscriptionId?: string | null;
}

/** Queues every dead delivery of the tenant created since `since` again; returns how many. */
export function recoverDeliveries(db: Database, tenantId: string, input: RecoverInput, now: number): number {
  return db.transaction(() => {
    const rows = db
      .prepare<{ id: string; status: string; job_id: string; target_key: string; sequence: number }>(
        `SELECT id, status, job_id, target_key, sequence FROM deliveries
          WHERE tenant_id = ? AND status = 'dead' AND ${OPEN_DELIVERY} AND created_at >= ?
            AND (? IS NULL OR subscription_id = ?)
          ORDER BY job_id, target_key, sequence`,
      )
      .all(tenantId, input.since, input.subscriptionId ?? null, input.subscriptionId ?? null);
    for (const r of rows) requeueRow(db, r.id, r, now);
    return rows.length;
  });
}

function requeueRow(
  db: Database,
  id: string,
  lane: { job_id: string; target_key: string; sequence: number },
  now: number,
): void {
  const earlierUnfinished = db
    .prepare(
      `SELECT 1 FROM deliveries WHERE job_id = ? AND target_key = ? AND sequence < ?
         AND status IN ('pending','failed') LIMIT 1`,
    )
    .get(lane.job_id, lane.target_key, lane.sequence);
  db.prepare(
    `UPDATE deliveries SET status = 'pending', next_attempt_at = ?, retry_base = attempt_count,
       dead_at = NULL, lease_token = NULL, lease_expires_at = NULL, updated_at = ?
     WHERE id = ?`,
  ).run(earlierUnfinished ? null : now, now, id);
  db.prepare(
    `UPDATE deliveries SET next_attempt_at = NULL, updated_at = ?
      WHERE job_id = ? AND target_key = ? AND sequence > ? AND status IN ('pending','failed')
        AND lease_token IS NULL`,
  ).run(now, lane.job_id, lane.target_key, lane.sequence);
}
