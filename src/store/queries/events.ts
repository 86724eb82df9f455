import type { Database } from '../port.ts';
import type { EventRow } from '../rows.ts';

export interface EventDeliverySummary {
  id: string;
  event_id: string;
  target_key: string;
  url: string;
  status: string;
  attempt_count: number;
}

/** A job's events, oldest first, after the given sequence (keyset; 0 for the first page). */
export function listJobEvents(
  db: Database,
  tenantId: string,
  jobId: string,
  afterSequence: number,
  limit: number,
): EventRow[] {
  return db
    .prepare<EventRow>(
      `SELECT * FROM events WHERE job_id = ? AND tenant_id = ? AND sequence > ? ORDER BY sequence ASC LIMIT ?`,
    )
    .all(jobId, tenantId, afterSequence, limit);
}

/** The sequence of one of the job's events: resolves an events cursor. */
export function eventSequence(db: Database, tenantId: string, jobId: string, eventId: string): number | null {
  const row = db
    .prepare<{ sequence: number }>('SELECT sequence FROM events WHERE id = ? AND job_id = ? AND tenant_id = ?')
    .get(eventId, jobId, tenantId);
  return row?.sequence ?? null;
}

/** Deliveries of the given events, grouped by event id. */
export function deliveriesOfEvents(db: Database, eventIds: readonly string[]): Map<string, EventDeliverySummary[]> {
  const byEvent = new Map<string, EventDeliverySummary[]>();
  if (eventIds.length === 0) return byEvent;
  const rows: EventDeliverySummary[] = [];
  // At most 100 bound parameters per statement (Durable Object SQLite). An event's deliveries
  // all come from its own chunk, so each list stays ordered by id.
  for (let i = 0; i < eventIds.length; i += 100) {
    const ids = eventIds.slice(i, i + 100);
    rows.push(
      ...db
        .prepare<EventDeliverySummary>(
          `SELECT id, event_id, target_key, url, status, attempt_count FROM deliveries
            WHERE event_id IN (${ids.map(() => '?').join(', ')}) ORDER BY id`,
        )
        .all(...ids),
    );
  }
  for (const r of rows) {
    const list = byEvent.get(r.event_id) ?? [];
    list.push(r);
    byEvent.set(r.event_id, list);
  }
  return byEvent;
}
