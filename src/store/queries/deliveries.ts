import type { Database, SqlValue } from '../port.ts';
import type { DeliveryRow } from '../rows.ts';

export interface DeliveryListQuery {
  status?: string;
  jobId?: string;
  subscriptionId?: string;
  /** Keyset cursor: only ids below this one (newest first). */
  beforeId?: string;
  limit: number;
}

/**
 * The WHERE term of the partial index deliveries_open (migration 0003). SQLite uses a partial
 * index only for a query that repeats this term, so every reader of that index adds it.
 */
export const OPEN_DELIVERY = "status <> 'delivered'";

export function listDeliveries(db: Database, tenantId: string, q: DeliveryListQuery): DeliveryRow[] {
  const where = ['tenant_id = ?'];
  const params: SqlValue[] = [tenantId];
  if (q.status) {
    where.push('status = ?');
    params.push(q.status);
    // Any other status is in deliveries_open; 'delivered' walks deliveries_by_tenant.
    if (q.status !== 'delivered') where.push(OPEN_DELIVERY);
  }
  if (q.jobId) {
    where.push('job_id = ?');
    params.push(q.jobId);
  }
  if (q.subscriptionId) {
    where.push('subscription_id = ?');
    params.push(q.subscriptionId);
  }
  if (q.beforeId) {
    where.push('id < ?');
    params.push(q.beforeId);
  }
  params.push(q.limit);
  return db
    .prepare<DeliveryRow>(`SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`)
    .all(...params);
}

export type DeliveryWithType = DeliveryRow & { event_type: string };

export function getDelivery(db: Database, tenantId: string, id: string): DeliveryWithType | undefined {
  return db
    .prepare<DeliveryWithType>(
      `SELECT d.*, e.type AS event_type FROM deliveries d JOIN events e ON e.id = d.event_id
        WHERE d.id = ? AND d.tenant_id = ?`,
    )
    .get(id, tenantId);
}

export interface AttemptRow {
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

/** Every attempt of one delivery, oldest first. */
export function listAttempts(db: Database, deliveryId: string): AttemptRow[] {
  return db
    .prepare<AttemptRow>(
      `SELECT attempted_at, duration_ms, status_code, error, response_body FROM delivery_attempts
        WHERE delivery_id = ? ORDER BY id ASC`,
    )
    .all(deliveryId);
}
