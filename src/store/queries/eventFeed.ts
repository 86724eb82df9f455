import type { Database, SqlValue } from '../port.ts';

/** One row of the tenant's event feed. */
export interface FeedRow {
  seq: number;
  id: string;
  job_id: string;
  sequence: number;
  type: string;
  body: string;
  created_at: number;
}

export interface FeedFilter {
  types?: readonly string[];
  jobId?: string;
  providers?: readonly string[];
  /** Top-level metadata keys (validated by the caller: letters, digits, `_`, `-`). */
  metadata?: Readonly<Record<string, string>>;
  /** created_at bounds, epoch ms: since inclusive, until exclusive. */
  since?: number;
  until?: number;
}

export type FeedPosition = { after: number } | { before?: number };

const COLUMNS = 'seq, id, job_id, sequence, type, body, created_at';

/**
 * A page of the tenant's feed. `{ after }` reads oldest first from just after that seq (a
 * consumer catching up); `{ before }` reads newest first below it (browsing). Both walk
 * events_feed (tenant_id, seq). Filters on provider and metadata read the stored payload, which
 * is exactly what was signed, so the feed filters what a receiver would see.
 */
export function listFeed(db: Database, tenantId: string, filter: FeedFilter, position: FeedPosition, limit: number): FeedRow[] {
  const where = ['tenant_id = ?'];
  const params: SqlValue[] = [tenantId];
  const ascending = 'after' in position;
  if (ascending) {
    where.push('seq > ?');
    params.push(position.after);
  } else if (position.before !== undefined) {
    where.push('seq < ?');
    params.push(position.before);
  } else {
    where.push('seq IS NOT NULL');
  }
  addFilter(where, params, filter);
  params.push(limit);
  const sql = `SELECT ${COLUMNS} FROM events WHERE ${where.join(' AND ')} ORDER BY seq ${ascending ? 'ASC' : 'DESC'} LIMIT ?`;
  return db.prepare<FeedRow>(sql).all(...params);
}

/** The tenant's newest seq (0 when it has no events): where a new consumer starts. */
export function latestFeedSeq(db: Database, tenantId: string): number {
  const row = db.prepare<{ seq: number | null }>('SELECT MAX(seq) AS seq FROM events WHERE tenant_id = ?').get(tenantId);
  return row?.seq ?? 0;
}

function addFilter(where: string[], params: SqlValue[], f: FeedFilter): void {
  if (f.types?.length) {
    where.push(`type IN (${f.types.map(() => '?').join(', ')})`);
    params.push(...f.types);
  }
  if (f.jobId !== undefined) {
    where.push('job_id = ?');
    params.push(f.jobId);
  }
  if (f.providers?.length) {
    where.push(`json_extract(body, '$.data.provider') IN (${f.providers.map(() => '?').join(', ')})`);
    params.push(...f.providers);
  }
  for (const [key, value] of Object.entries(f.metadata ?? {})) {
    // A query value is text: it matches a string, or a number or boolean with the same JSON text.
    const path = `$.data.metadata."${key}"`;
    where.push(
      `(CASE json_type(body, ?) WHEN 'text' THEN json_extract(body, ?) WHEN 'true' THEN 'true' WHEN 'false' THEN 'false'
         WHEN 'integer' THEN CAST(json_extract(body, ?) AS TEXT) WHEN 'real' THEN CAST(json_extract(body, ?) AS TEXT) END) = ?`,
    );
    params.push(path, path, path, path, value);
  }
  if (f.since !== undefined) {
    where.push('created_at >= ?');
    params.push(f.since);
  }
  if (f.until !== undefined) {
    where.push('created_at < ?');
    params.push(f.until);
  }
}

export interface FeedDeliverySummary {
  id: string;
  event_id: string;
  target_key: string;
  url: string;
  status: string;
  attempt_count: number;
  last_status_code: number | null;
}

/** The deliveries of the given events, grouped by event id; at most 100 ids per statement. */
export function feedDeliveries(db: Database, eventIds: readonly string[]): Map<string, FeedDeliverySummary[]> {
  const byEvent = new Map<string, FeedDeliverySummary[]>();
  for (let i = 0; i < eventIds.length; i += 100) {
    const chunk = eventIds.slice(i, i + 100);
    const rows = db
      .prepare<FeedDeliverySummary>(
        `SELECT id, event_id, target_key, url, status, attempt_count, last_status_code FROM deliveries
          WHERE event_id IN (${chunk.map(() => '?').join(', ')}) ORDER BY id`,
      )
      .all(...chunk);
    for (const r of rows) {
      const list = byEvent.get(r.event_id) ?? [];
      list.push(r);
      byEvent.set(r.event_id, list);
    }
  }
  return byEvent;
}

/** The newest seq handed out over all tenants (migration 0006's counter). */
export function feedCounter(db: Database): number {
  return db.prepare<{ last: number }>('SELECT last FROM event_feed_counter WHERE id = 1').get()?.last ?? 0;
}
