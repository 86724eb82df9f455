import type { Database } from '../port.ts';

/**
 * True when an enabled subscription of the tenant lists `job.progress` (it is opt-in, so a
 * NULL filter, the default set, does not). LIKE on the JSON text is enough: the API stores the
 * filter as a JSON array of known type names.
 */
export function tenantWantsProgress(db: Database, tenantId: string): boolean {
  return (
    db
      .prepare(
        `SELECT 1 FROM subscriptions WHERE tenant_id = ? AND enabled = 1 AND deleted_at IS NULL
           AND events LIKE '%"job.progress"%' LIMIT 1`,
      )
      .get(tenantId) !== undefined
  );
}
