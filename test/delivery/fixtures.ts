/** Test fixtures for the delivery engine: rows inserted with SQL and the real enqueue query. */
import type { Database } from '../../src/store/port.ts';
import type { SecretBox } from '../../src/security/secretBox.ts';
import { newId } from '../../src/core/ids.ts';
import { insertSigningSecret } from '../../src/store/queries/signingSecrets.ts';
import { enqueueDeliveries } from '../../src/store/queries/enqueueDeliveries.ts';
import type { EventType } from '../../src/core/types.ts';

export function insertTenant(db: Database, box: SecretBox, now: number): { tenantId: string; secret: string } {
  const tenantId = newId('tnt', now);
  db.prepare('INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)').run(tenantId, 'test', now);
  const { secret } = insertSigningSecret(db, box, tenantId, now);
  return { tenantId, secret };
}

export function insertJob(db: Database, tenantId: string, callbackUrl: string | null, now: number): string {
  const id = newId('job', now);
  db.prepare(
    `INSERT INTO jobs (id, tenant_id, provider, external_id, callback_url, deadline_at, created_at, updated_at)
     VALUES (?, ?, 'fotolabs', ?, ?, ?, ?, ?)`,
  ).run(id, tenantId, `ext-${id}`, callbackUrl, now + 86_400_000, now, now);
  return id;
}

export function insertSubscription(db: Database, tenantId: string, url: string, now: number): string {
  const id = newId('sub', now);
  db.prepare('INSERT INTO subscriptions (id, tenant_id, url, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(
    id,
    tenantId,
    url,
    now,
    now,
  );
  return id;
}

/**
 * The stored body is deliberately not in JSON.stringify's canonical form (spacing, escapes,
 * non-ASCII), so a re-serializing sender would be caught.
 */
export function eventBody(jobId: string, sequence: number, type: EventType): string {
  return `{"type":"${type}", "timestamp":"2026-11-22T17:00:00.000Z","data":{"id":"${jobId}","sequence":${sequence},"note":"caf\u00e9 \u2713 \\u00e9"}}`;
}

/** Appends event `sequence` of the job and enqueues its deliveries, as the scheduler does. */
export function appendEvent(
  db: Database,
  e: { tenantId: string; jobId: string; sequence: number; type?: EventType; callbackUrl: string | null },
  now: number,
): { eventId: string; body: string } {
  const type = e.type ?? 'job.running';
  const eventId = newId('evt', now);
  const body = eventBody(e.jobId, e.sequence, type);
  db.transaction(() => {
    db.prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      eventId,
      e.jobId,
      e.tenantId,
      e.sequence,
      type,
      body,
      now,
    );
    db.prepare('UPDATE jobs SET last_sequence = ? WHERE id = ?').run(e.sequence, e.jobId);
    enqueueDeliveries(
      db,
      { tenantId: e.tenantId, jobId: e.jobId, eventId, sequence: e.sequence, type, callbackUrl: e.callbackUrl, callbackEvents: null },
      now,
    );
  });
  return { eventId, body };
}

export interface DeliveryView {
  id: string;
  status: string;
  sequence: number;
  job_id: string;
  target_key: string;
  subscription_id: string | null;
  attempt_count: number;
  retry_base: number;
  next_attempt_at: number | null;
  lease_token: string | null;
  last_status_code: number | null;
  last_error: string | null;
  delivered_at: number | null;
  dead_at: number | null;
  body: string;
}

export const deliveries = (db: Database): DeliveryView[] =>
  db
    .prepare<DeliveryView>(
      `SELECT d.*, e.body FROM deliveries d JOIN events e ON e.id = d.event_id ORDER BY d.job_id, d.target_key, d.sequence`,
    )
    .all();

export const delivery = (db: Database, id: string): DeliveryView =>
  db.prepare<DeliveryView>('SELECT d.*, e.body FROM deliveries d JOIN events e ON e.id = d.event_id WHERE d.id = ?').get(id)!;

export interface AttemptView {
  attempted_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

export const attempts = (db: Database, deliveryId: string): AttemptView[] =>
  db.prepare<AttemptView>('SELECT * FROM delivery_attempts WHERE delivery_id = ? ORDER BY id').all(deliveryId);
