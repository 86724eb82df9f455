import type { Database } from '../port.ts';
import { newId } from '../../core/ids.ts';
import { DEFAULT_EVENT_TYPES, type EventType } from '../../core/types.ts';
import { parseStoredFilter, payloadMatches } from '../../core/eventFilter.ts';

export interface EnqueueInput {
  tenantId: string;
  jobId: string;
  eventId: string;
  sequence: number;
  type: EventType;
  /** The job's callback, unless it was disabled by a 410. */
  callbackUrl: string | null;
  /** The job's event filter (JSON array text) or null for the default set. */
  callbackEvents: string | null;
  /** The event body: subscriptions' provider and metadata filters read it (parsed only when one has a filter). */
  body?: string;
}

/** True when the filter (JSON array text, or null for the default set) accepts the type. */
export function filterAccepts(filter: string | null, type: EventType): boolean {
  if (filter == null) return DEFAULT_EVENT_TYPES.includes(type);
  try {
    const list = JSON.parse(filter) as unknown;
    return Array.isArray(list) && list.includes(type);
  } catch {
    return false;
  }
}

/**
 * Adds one delivery per target whose filter accepts the event: the job's callback and every
 * enabled subscription of the tenant. Call inside the transaction that appends the event.
 *
 * Ordering lanes: deliveries of one job to one target (`target_key`) go out in sequence order.
 * A new delivery is due now only when nothing earlier in its lane is unfinished; otherwise its
 * next_attempt_at stays NULL and the delivery engine releases it when the one ahead finishes.
 */
export function enqueueDeliveries(db: Database, input: EnqueueInput, now: number): number {
  const targets: Array<{ key: string; url: string; subscriptionId: string | null }> = [];
  if (input.callbackUrl && filterAccepts(input.callbackEvents, input.type)) {
    targets.push({ key: 'callback', url: input.callbackUrl, subscriptionId: null });
  }
  const subs = db
    .prepare<{ id: string; url: string; events: string | null; filter: string | null }>(
      'SELECT id, url, events, filter FROM subscriptions WHERE tenant_id = ? AND enabled = 1 AND deleted_at IS NULL',
    )
    .all(input.tenantId);
  let payload: unknown;
  for (const s of subs) {
    if (!filterAccepts(s.events, input.type)) continue;
    if (s.filter != null) {
      payload ??= parseBody(input.body);
      if (!payloadMatches(parseStoredFilter(s.filter), payload)) continue;
    }
    targets.push({ key: s.id, url: s.url, subscriptionId: s.id });
  }

  const blocked = db.prepare(
    `SELECT 1 FROM deliveries WHERE job_id = ? AND target_key = ? AND status IN ('pending','failed')
       AND sequence < ? LIMIT 1`,
  );
  const insert = db.prepare(
    `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, subscription_id, target_key, url,
       status, attempt_count, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
  );
  for (const t of targets) {
    const waits = blocked.get(input.jobId, t.key, input.sequence) !== undefined;
    insert.run(
      newId('msg', now),
      input.tenantId,
      input.eventId,
      input.jobId,
      input.sequence,
      t.subscriptionId,
      t.key,
      t.url,
      waits ? null : now,
      now,
      now,
    );
  }
  return targets.length;
}

function parseBody(body: string | undefined): unknown {
  try {
    return body === undefined ? null : JSON.parse(body);
  } catch {
    return null;
  }
}
