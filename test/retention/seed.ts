import { newId } from '../../src/core/ids.ts';
import type { DeliveryStatus } from '../../src/store/rows.ts';
import type { Database } from '../../src/store/port.ts';

export const DAY = 86_400_000;

export interface SeededJob {
  id: string;
  deliveryIds: string[];
}

/** A job as the engines leave it: events, deliveries in the given statuses, one attempt each. */
export function seedJob(
  db: Database,
  tenantId: string,
  at: { createdAt: number; finishedAt?: number | null; deletedAt?: number | null },
  deliveryStatuses: DeliveryStatus[] = ['delivered', 'dead'],
): SeededJob {
  const id = newId('job', at.createdAt);
  const deliveryIds: string[] = [];
  db.transaction(() => {
    db.prepare(
      `INSERT INTO jobs (id, tenant_id, provider, external_id, deadline_at, state, created_at, updated_at, finished_at, deleted_at)
       VALUES (?, ?, 'fotolabs', ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      id,
      tenantId,
      id,
      at.createdAt + DAY,
      at.finishedAt != null ? 'succeeded' : 'running',
      at.createdAt,
      at.createdAt,
      // As the product does: deleting a job also ends it.
      at.finishedAt ?? at.deletedAt ?? null,
      at.deletedAt ?? null,
    );
    deliveryStatuses.forEach((status, i) => {
      const sequence = i + 1;
      const eventId = newId('evt', at.createdAt);
      db.prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        eventId,
        id,
        tenantId,
        sequence,
        'job.running',
        '{}',
        at.createdAt,
      );
      const deliveryId = newId('msg', at.createdAt);
      deliveryIds.push(deliveryId);
      db.prepare(
        `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, target_key, url, status, attempt_count, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'callback', 'https://example.com/hook', ?, 1, ?, ?)`,
      ).run(deliveryId, tenantId, eventId, id, sequence, status, at.createdAt, at.createdAt);
      db.prepare('INSERT INTO delivery_attempts (delivery_id, attempted_at, duration_ms, status_code) VALUES (?, ?, 5, 500)').run(
        deliveryId,
        at.createdAt,
      );
    });
  });
  return { id, deliveryIds };
}

export function rowCounts(db: Database, jobId?: string) {
  const one = (sql: string) => (db.prepare<{ n: number }>(sql).get(...(jobId ? [jobId] : []))?.n ?? 0);
  const where = jobId ? ' WHERE job_id = ?' : '';
  return {
    jobs: one(`SELECT COUNT(*) AS n FROM jobs${jobId ? ' WHERE id = ?' : ''}`),
    events: one(`SELECT COUNT(*) AS n FROM events${where}`),
    deliveries: one(`SELECT COUNT(*) AS n FROM deliveries${where}`),
    attempts: one(
      jobId
        ? 'SELECT COUNT(*) AS n FROM delivery_attempts WHERE delivery_id IN (SELECT id FROM deliveries WHERE job_id = ?)'
        : 'SELECT COUNT(*) AS n FROM delivery_attempts',
    ),
  };
}
