import type { Database } from '../port.ts';
import { newId } from '../../core/ids.ts';
import type { OperationalEventType } from '../../core/types.ts';
import { filterAccepts } from './enqueueDeliveries.ts';

/**
 * Operational events (an endpoint failing, disabled or recovered, a signing secret rotated) go
 * through the same outbox as job events: an events row, deliveries, the feed and the stream.
 * An event belongs to a job (events.job_id is a foreign key), so each tenant has one hidden job
 * row that carries its operational events: id `job_<the tenant id's ULID>`, provider `pollhook`,
 * soft-deleted from the start (the API never shows or polls it) and never finished (retention
 * never prunes it). Its events are one ordering lane per target, so they arrive in order.
 *
 * Call inside the transaction that makes the change. Deliveries go only to enabled
 * subscriptions that list the type, never to the subscription the event is about.
 */
export const OPERATIONAL_PROVIDER = 'pollhook';

export const operationalJobId = (tenantId: string): string => `job_${tenantId.slice(tenantId.indexOf('_') + 1)}`;

export function appendOperationalEvent(
  db: Database,
  tenantId: string,
  type: OperationalEventType,
  data: Record<string, unknown>,
  now: number,
  subjectSubscriptionId: string | null = null,
): string {
  const { jobId, eventId, sequence } = appendCarrierEvent(db, tenantId, type, data, now);
  const subs = db
    .prepare<{ id: string; url: string; events: string | null }>(
      'SELECT id, url, events FROM subscriptions WHERE tenant_id = ? AND enabled = 1 AND deleted_at IS NULL',
    )
    .all(tenantId);
  const blocked = db.prepare(
    `SELECT 1 FROM deliveries WHERE job_id = ? AND target_key = ? AND status IN ('pending','failed') AND sequence < ? LIMIT 1`,
  );
  for (const s of subs) {
    if (s.id === subjectSubscriptionId || !filterAccepts(s.events, type as never)) continue;
    const waits = blocked.get(jobId, s.id, sequence) !== undefined;
    db.prepare(
      `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, subscription_id, target_key, url,
         status, attempt_count, next_attempt_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
    ).run(newId('msg', now), tenantId, eventId, jobId, sequence, s.id, s.id, s.url, waits ? null : now, now, now);
  }
  return eventId;
}

/** The event row on the tenant's carrier job (created on first use); no deliveries. */
function appendCarrierEvent(
  db: Database,
  tenantId: string,
  type: OperationalEventType,
  data: Record<string, unknown>,
  now: number,
): { jobId: string; eventId: string; sequence: number } {
  const jobId = operationalJobId(tenantId);
  db.prepare(
    `INSERT OR IGNORE INTO jobs (id, tenant_id, provider, external_id, deadline_at, created_at, updated_at, deleted_at)
     VALUES (?, ?, ?, 'operational-events', ?, ?, ?, ?)`,
  ).run(jobId, tenantId, OPERATIONAL_PROVIDER, now, now, now, now);
  const sequence = db
    .prepare<{ last_sequence: number }>('UPDATE jobs SET last_sequence = last_sequence + 1 WHERE id = ? RETURNING last_sequence')
    .get(jobId)!.last_sequence;
  const eventId = newId('evt', now);
  const body = JSON.stringify({ type, timestamp: new Date(now).toISOString(), data });
  db.prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
    eventId,
    jobId,
    tenantId,
    sequence,
    type,
    body,
    now,
  );
  return { jobId, eventId, sequence };
}

/**
 * `endpoint.test`: an event on the carrier job with one delivery, to exactly this subscription
 * (whatever its `events` list), through the outbox like any other. It keeps the subscription's
 * lane order on the carrier job: it waits behind an earlier operational event not yet delivered
 * to it. Returns the delivery's id. Call inside a transaction.
 */
export function appendTestEvent(db: Database, subscriptionId: string, now: number): { eventId: string; deliveryId: string } | null {
  const about = subscriptionSubject(db, subscriptionId);
  const url = db.prepare<{ url: string }>('SELECT url FROM subscriptions WHERE id = ?').get(subscriptionId)?.url;
  if (!about || url === undefined) return null;
  const data = { ...about.data, message: 'A test event sent on request; it changes nothing.' };
  const { jobId, eventId, sequence } = appendCarrierEvent(db, about.tenantId, 'endpoint.test', data, now);
  const waits =
    db
      .prepare(`SELECT 1 FROM deliveries WHERE job_id = ? AND target_key = ? AND status IN ('pending','failed') AND sequence < ? LIMIT 1`)
      .get(jobId, subscriptionId, sequence) !== undefined;
  const deliveryId = newId('msg', now);
  db.prepare(
    `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, subscription_id, target_key, url,
       status, attempt_count, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?, ?)`,
  ).run(deliveryId, about.tenantId, eventId, jobId, sequence, subscriptionId, subscriptionId, url, waits ? null : now, now, now);
  return { eventId, deliveryId };
}

/** The subscription as operational events describe it. */
export function subscriptionSubject(db: Database, subscriptionId: string): { tenantId: string; data: Record<string, unknown> } | null {
  const row = db
    .prepare<{ tenant_id: string; url: string; description: string | null; failing_since: number | null; disabled_reason: string | null }>(
      'SELECT tenant_id, url, description, failing_since, disabled_reason FROM subscriptions WHERE id = ?',
    )
    .get(subscriptionId);
  if (!row) return null;
  return {
    tenantId: row.tenant_id,
    data: {
      subscriptionId,
      url: row.url,
      description: row.description,
      failingSince: row.failing_since == null ? null : new Date(row.failing_since).toISOString(),
      disabledReason: row.disabled_reason,
    },
  };
}
