import type { Database } from '../store/port.ts';
import { feedDeliveries, latestFeedSeq, listFeed, type FeedRow } from '../store/queries/eventFeed.ts';
import type { ParsedFeedQuery } from './feedQuery.ts';
import type { FeedItemView, FeedPageView } from './schemas/events.ts';
import { isOperationalType, type AnyEventType } from '../core/types.ts';

/** Rows -> feed items, each with its deliveries. */
export function presentFeedItems(db: Database, rows: readonly FeedRow[]): FeedItemView[] {
  const deliveries = feedDeliveries(db, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    cursor: String(r.seq),
    jobId: isOperationalType(r.type) ? null : r.job_id,
    sequence: r.sequence,
    type: r.type as AnyEventType,
    createdAt: new Date(r.created_at).toISOString(),
    payload: parsePayload(r.body),
    deliveries: (deliveries.get(r.id) ?? []).map((d) => ({
      id: d.id,
      target: d.target_key,
      url: d.url,
      status: d.status as FeedItemView['deliveries'][number]['status'],
      attemptCount: d.attempt_count,
      lastStatusCode: d.last_status_code,
    })),
  }));
}

function parsePayload(body: string): FeedItemView['payload'] {
  try {
    return JSON.parse(body) as FeedItemView['payload'];
  } catch {
    return {} as FeedItemView['payload'];
  }
}

/** One page of the feed, newest first, or oldest first after a cursor. */
export function readFeedPage(db: Database, tenantId: string, q: ParsedFeedQuery): FeedPageView {
  if (q.after !== undefined) {
    const rows = listFeed(db, tenantId, q.filter, { after: q.after }, q.limit + 1);
    const kept = rows.slice(0, q.limit);
    const next = kept.length ? String(kept[kept.length - 1]!.seq) : String(q.after);
    return { data: presentFeedItems(db, kept), hasMore: rows.length > q.limit, nextCursor: next, pollCursor: next };
  }
  // Read the newest seq before the page: an event committed in between is then either on the
  // page or above pollCursor, never skipped by a consumer that continues with after=pollCursor.
  const latest = latestFeedSeq(db, tenantId);
  const rows = listFeed(db, tenantId, q.filter, { before: q.before }, q.limit + 1);
  const kept = rows.slice(0, q.limit);
  const more = rows.length > q.limit;
  const top = Math.max(latest, kept[0]?.seq ?? 0);
  return {
    data: presentFeedItems(db, kept),
    hasMore: more,
    nextCursor: more ? String(kept[kept.length - 1]!.seq) : null,
    pollCursor: String(top),
  };
}
