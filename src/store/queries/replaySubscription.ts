import type { Database } from '../port.ts';
import { newId } from '../../core/ids.ts';
import { DEFAULT_EVENT_TYPES, isOperationalType } from '../../core/types.ts';
import { parseStoredFilter, payloadMatches } from '../../core/eventFilter.ts';
import { listFeed } from './eventFeed.ts';

export const MAX_REPLAY_EVENTS = 10_000;

/**
 * Queues for one subscription every event of its tenant since `since` that it would have
 * received (its types and filter) and has no delivery of that is delivered or still under way:
 * what it missed while disabled (events are kept), or what died. Oldest first, at most
 * MAX_REPLAY_EVENTS per call (`more` says there are others: call again with the same `since`).
 * Ordering lanes hold as for new deliveries: one behind an unfinished earlier one waits for it.
 */
export function replaySubscription(
  db: Database,
  sub: { id: string; tenantId: string; url: string; events: string | null; filter: string | null },
  since: number,
  now: number,
): { queued: number; more: boolean } {
  const types = sub.events ? (JSON.parse(sub.events) as string[]) : [...DEFAULT_EVENT_TYPES];
  const filter = parseStoredFilter(sub.filter);
  const has = db.prepare(
    `SELECT 1 FROM deliveries WHERE event_id = ? AND subscription_id = ? AND status IN ('delivered','pending','failed') LIMIT 1`,
  );
  const blocked = db.prepare(
    `SELECT 1 FROM deliveries WHERE job_id = ? AND target_key = ? AND status IN ('pending','failed') AND sequence < ? LIMIT 1`,
  );
  const insert = db.prepare(
    `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, subscription_id, target_key, url,
       status, attempt_count, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
  );
  return db.transaction(() => {
    let queued = 0;
    let after = 0;
    for (;;) {
      const rows = listFeed(db, sub.tenantId, { types, since }, { after }, 500);
      for (const e of rows) {
        after = e.seq;
        if (has.get(e.id, sub.id) !== undefined) continue;
        if (!isOperationalType(e.type) && filter && !payloadMatches(filter, JSON.parse(e.body))) continue;
        if (queued === MAX_REPLAY_EVENTS) return { queued, more: true };
        const waits = blocked.get(e.job_id, sub.id, e.sequence) !== undefined;
        insert.run(newId('msg', now), sub.tenantId, e.id, e.job_id, e.sequence, sub.id, sub.id, sub.url, waits ? null : now, now, now);
        queued++;
      }
      if (rows.length < 500) return { queued, more: false };
    }
  });
}
