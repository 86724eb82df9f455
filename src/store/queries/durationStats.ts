import type { Database } from '../port.ts';
import { bucketOf, modelFromBuckets, type DurationModel } from '../../core/durationModel.ts';

/** Counts one finished job's time-to-terminal. Call inside the transaction that finishes it. */
export function recordDuration(db: Database, tenantId: string, provider: string, durationMs: number): void {
  db.prepare(
    `INSERT INTO duration_stats (tenant_id, provider, bucket, count) VALUES (?, ?, ?, 1)
       ON CONFLICT (tenant_id, provider, bucket) DO UPDATE SET count = count + 1`,
  ).run(tenantId, provider, bucketOf(durationMs));
}

/** The learned distribution for a tenant and provider (a primary-key range read, ~100 rows at most). */
export function loadDurationModel(db: Database, tenantId: string, provider: string): DurationModel {
  const rows = db
    .prepare<{ bucket: number; count: number }>(
      'SELECT bucket, count FROM duration_stats WHERE tenant_id = ? AND provider = ? ORDER BY bucket',
    )
    .all(tenantId, provider);
  return modelFromBuckets(rows);
}
