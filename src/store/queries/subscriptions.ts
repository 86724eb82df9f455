import { filtersCanOverlap, parseStoredFilter, type PayloadFilter } from '../../core/eventFilter.ts';
import type { Database, SqlValue } from '../port.ts';
import { getLiveRow, listLiveRows } from './liveRows.ts';
import type { SubscriptionRow } from '../rows.ts';
import { newId } from '../../core/ids.ts';

export interface NewSubscription {
  tenantId: string;
  url: string;
  /** JSON array text, or null for the default set. */
  events: string | null;
  description: string | null;
  enabled: boolean;
  /** JSON provider/metadata filter, or null. */
  filter?: string | null;
}

/** Why a subscription was switched off by its owner (the delivery engine sets its own reasons). */
export const MANUAL_DISABLE_REASON = 'disabled by the user';

export function insertSubscription(db: Database, s: NewSubscription, now: number): SubscriptionRow {
  const id = newId('sub', now);
  db.prepare(
    `INSERT INTO subscriptions (id, tenant_id, url, events, description, enabled, disabled_reason, disabled_at,
       created_at, updated_at, filter) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    id,
    s.tenantId,
    s.url,
    s.events,
    s.description,
    s.enabled ? 1 : 0,
    s.enabled ? null : MANUAL_DISABLE_REASON,
    s.enabled ? null : now,
    now,
    now,
    s.filter ?? null,
  );
  return getSubscription(db, s.tenantId, id)!;
}

export const getSubscription = (db: Database, tenantId: string, id: string): SubscriptionRow | undefined =>
  getLiveRow<SubscriptionRow>(db, 'subscriptions', tenantId, id);

export const listSubscriptions = (db: Database, tenantId: string, q: { beforeId?: string; limit: number }): SubscriptionRow[] =>
  listLiveRows<SubscriptionRow>(db, 'subscriptions', tenantId, q);

export function hasEnabledSubscription(db: Database, tenantId: string): boolean {
  return (
    db
      .prepare('SELECT 1 FROM subscriptions WHERE tenant_id = ? AND enabled = 1 AND deleted_at IS NULL LIMIT 1')
      .get(tenantId) !== undefined
  );
}

export interface SubscriptionPatch {
  url?: string;
  /** null resets to the default set. */
  events?: string | null;
  description?: string | null;
  enabled?: boolean;
  /** JSON text; null removes the filter. */
  filter?: string | null;
}

/**
 * Applies a partial update. Enabling clears the delivery engine's disable bookkeeping
 * (reason, time, failing_since) so the 5-day failure clock starts over.
 */
export function updateSubscription(
  db: Database,
  tenantId: string,
  id: string,
  patch: SubscriptionPatch,
  now: number,
): SubscriptionRow | undefined {
  return db.transaction(() => {
    const current = getSubscription(db, tenantId, id);
    if (!current) return undefined;
    const sets: string[] = ['updated_at = ?'];
    const params: SqlValue[] = [now];
    if (patch.url !== undefined) {
      sets.push('url = ?');
      params.push(patch.url);
    }
    if (patch.events !== undefined) {
      sets.push('events = ?');
      params.push(patch.events);
    }
    if (patch.filter !== undefined) {
      sets.push('filter = ?');
      params.push(patch.filter);
    }
    if (patch.description !== undefined) {
      sets.push('description = ?');
      params.push(patch.description);
    }
    if (patch.enabled === true) {
      sets.push('enabled = 1', 'disabled_reason = NULL', 'disabled_at = NULL', 'failing_since = NULL');
    } else if (patch.enabled === false && current.enabled === 1) {
      sets.push('enabled = 0', 'disabled_reason = ?', 'disabled_at = ?');
      params.push(MANUAL_DISABLE_REASON, now);
    }
    params.push(id, tenantId);
    db.prepare(`UPDATE subscriptions SET ${sets.join(', ')} WHERE id = ? AND tenant_id = ?`).run(...params);
    if (patch.enabled === false && current.enabled === 1) cancelUnfinished(db, tenantId, id, 'subscription disabled', now);
    return getSubscription(db, tenantId, id);
  });
}

/**
 * Soft-deletes the subscription and cancels its unfinished deliveries: the target is gone, as
 * after a 410. Clearing the lease makes an attempt in flight record nothing over the cancel.
 */
export function deleteSubscription(db: Database, tenantId: string, id: string, now: number): boolean {
  return db.transaction(() => {
    const r = db
      .prepare('UPDATE subscriptions SET deleted_at = ?, enabled = 0, updated_at = ? WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL')
      .run(now, now, id, tenantId);
    if (r.changes === 0) return false;
    cancelUnfinished(db, tenantId, id, 'subscription deleted', now);
    return true;
  });
}

/**
 * A disabled or deleted subscription receives nothing more: its unfinished deliveries are
 * canceled (dead ones stay replayable). Clearing the lease makes an attempt in flight record
 * nothing over the cancel.
 */
function cancelUnfinished(db: Database, tenantId: string, subscriptionId: string, reason: string, now: number): void {
  db.prepare(
    `UPDATE deliveries SET status = 'canceled', next_attempt_at = NULL, lease_token = NULL, lease_expires_at = NULL,
       last_error = ?, updated_at = ?
      WHERE subscription_id = ? AND tenant_id = ? AND status IN ('pending','failed')`,
  ).run(reason, now, subscriptionId, tenantId);
}

/** A URL as compared for duplicates: `HTTPS://Example.com:443/a` and `https://example.com/a` are one endpoint. */
function endpointKey(url: string): string {
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}

/**
 * Another live subscription of the tenant (enabled or not) to the same URL whose event types
 * overlap `events` (the effective set: null stands for `defaults`). Two of them would deliver
 * each event twice, under two webhook-ids.
 */
export function findOverlappingSubscription(
  db: Database,
  tenantId: string,
  url: string,
  events: readonly string[],
  defaults: readonly string[],
  filter: PayloadFilter | null,
  exceptId?: string,
): { id: string; shared: string[] } | undefined {
  const key = endpointKey(url);
  const rows = db
    .prepare<{ id: string; url: string; events: string | null; filter: string | null }>(
      'SELECT id, url, events, filter FROM subscriptions WHERE tenant_id = ? AND deleted_at IS NULL ORDER BY id',
    )
    .all(tenantId);
  for (const row of rows) {
    if (row.id === exceptId || endpointKey(row.url) !== key) continue;
    if (!filtersCanOverlap(filter, parseStoredFilter(row.filter))) continue;
    const theirs = new Set<string>(row.events ? (JSON.parse(row.events) as string[]) : defaults);
    const shared = [...new Set(events)].filter((e) => theirs.has(e));
    if (shared.length > 0) return { id: row.id, shared };
  }
  return undefined;
}
