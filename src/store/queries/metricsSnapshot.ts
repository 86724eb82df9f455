import type { Database } from '../port.ts';
import { OPEN_DELIVERY } from './deliveries.ts';
import { PROVIDER_NAMES } from '../../core/types.ts';

export interface OutboxSnapshot {
  /** Open deliveries by status (pending, failed, dead), from the partial index deliveries_open (a prefix of it). */
  deliveriesByStatus: Record<string, number>;
  /** Tracked jobs by provider, from the partial index jobs_active_by_provider; 0 for every known provider without any. */
  activeJobsByProvider: Record<string, number>;
}

/** Counts read from small partial indexes; the metrics layer caches them between refreshes. */
export function readOutboxSnapshot(db: Database): OutboxSnapshot {
  const deliveriesByStatus: Record<string, number> = { pending: 0, failed: 0, dead: 0 };
  for (const r of db
    .prepare<{ status: string; n: number }>(
      `SELECT status, COUNT(*) AS n FROM deliveries WHERE status IN ('pending','failed','dead') AND ${OPEN_DELIVERY} GROUP BY status`,
    )
    .all()) {
    deliveriesByStatus[r.status] = r.n;
  }
  // Every known provider has a sample, 0 included: a gauge with no sample reads as "no data" in
  // Prometheus, and an alert or a sum() over it would silently see nothing.
  const activeJobsByProvider: Record<string, number> = Object.fromEntries(PROVIDER_NAMES.map((p) => [p, 0]));
  for (const r of db
    .prepare<{ provider: string; n: number }>(
      'SELECT provider, COUNT(*) AS n FROM jobs WHERE finished_at IS NULL AND deleted_at IS NULL GROUP BY provider',
    )
    .all()) {
    activeJobsByProvider[r.provider] = r.n;
  }
  return { deliveriesByStatus, activeJobsByProvider };
}

