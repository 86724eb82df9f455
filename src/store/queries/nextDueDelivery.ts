import type { Database } from '../port.ts';

/** Epoch ms of the earliest scheduled attempt (claimed ones count at their lease expiry), or null. */
export function nextDueDeliveryAt(db: Database): number | null {
  const row = db
    .prepare<{ t: number }>(
      'SELECT next_attempt_at AS t FROM deliveries WHERE next_attempt_at IS NOT NULL ORDER BY next_attempt_at LIMIT 1',
    )
    .get();
  return row?.t ?? null;
}
