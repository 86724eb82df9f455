import type { Database, SqlValue } from '../port.ts';
import type { DeliveryRow, JobRow, SubscriptionRow } from '../rows.ts';
import { OPEN_DELIVERY } from './deliveries.ts';

/** Read-only figures for the dashboard's overview, all scoped to one tenant. */
export interface TenantOverview {
  /** How late the most overdue poll is (0 when none is due). */
  dueLagMs: number;
  dueJobs: number;
  activeJobs: number;
  outbox: { pending: number; retrying: number; dead: number };
  lastHour: { delivered: number; retrying: number; dead: number };
  /** Delivery attempts in the last hour, in 12 five-minute buckets, oldest first. */
  attemptBuckets: { ok: number; failed: number }[];
  troubledEndpoints: SubscriptionRow[];
  /** Jobs whose callback answered 410 Gone: pollhook stopped sending to it. */
  stoppedCallbacks: JobRow[];
  deadlineJobs: JobRow[];
}

export const BUCKET_MS = 5 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

export function tenantOverview(db: Database, tenantId: string, now: number): TenantOverview {
  const since = Math.floor(now) - HOUR_MS;
  const due = db
    .prepare<{ oldest: number | null; n: number }>(
      'SELECT min(next_poll_at) AS oldest, count(*) AS n FROM jobs WHERE tenant_id = ? AND deleted_at IS NULL AND next_poll_at IS NOT NULL AND next_poll_at <= ?',
    )
    .get(tenantId, now)!;
  const active = db
    .prepare<{ n: number }>('SELECT count(*) AS n FROM jobs WHERE tenant_id = ? AND deleted_at IS NULL AND finished_at IS NULL')
    .get(tenantId)!;
  const open = db
    .prepare<{ status: string; n: number }>(
      "SELECT status, count(*) AS n FROM deliveries WHERE status IN ('pending','failed','dead') AND tenant_id = ? GROUP BY status",
    )
    .all(tenantId);
  const count = (s: string) => open.find((r) => r.status === s)?.n ?? 0;
  const hour = db
    .prepare<{ delivered: number | null; dead: number | null; retrying: number | null }>(
      `SELECT sum(delivered_at >= ?) AS delivered, sum(dead_at >= ?) AS dead, sum(status = 'failed') AS retrying
       FROM deliveries WHERE tenant_id = ? AND updated_at >= ?`,
    )
    .get(since, since, tenantId, since)!;
  const attempts = db
    .prepare<{ bucket: number; ok: number; failed: number }>(
      `SELECT CAST((a.attempted_at - ?) / ${BUCKET_MS} AS INTEGER) AS bucket,
              sum(a.status_code BETWEEN 200 AND 299) AS ok, sum(a.status_code IS NULL OR a.status_code NOT BETWEEN 200 AND 299) AS failed
       FROM deliveries d JOIN delivery_attempts a ON a.delivery_id = d.id
       WHERE d.tenant_id = ? AND d.updated_at >= ? AND a.attempted_at >= ?
       GROUP BY bucket`,
    )
    .all(since, tenantId, since, since);
  const attemptBuckets = Array.from({ length: 12 }, (_, i) => {
    const row = attempts.find((r) => Math.floor(r.bucket) === i);
    return { ok: row?.ok ?? 0, failed: row?.failed ?? 0 };
  });
  const troubledEndpoints = db
    .prepare<SubscriptionRow>(
      'SELECT * FROM subscriptions WHERE tenant_id = ? AND deleted_at IS NULL AND (enabled = 0 OR failing_since IS NOT NULL) ORDER BY id DESC LIMIT 20',
    )
    .all(tenantId);
  const stoppedCallbacks = db
    .prepare<JobRow>('SELECT * FROM jobs WHERE tenant_id = ? AND deleted_at IS NULL AND callback_disabled_at IS NOT NULL ORDER BY id DESC LIMIT 10')
    .all(tenantId);
  const deadlineJobs = db
    .prepare<JobRow>(
      `SELECT * FROM jobs WHERE tenant_id = ? AND deleted_at IS NULL AND error LIKE '%"deadline_exceeded"%' ORDER BY id DESC LIMIT 10`,
    )
    .all(tenantId);
  return {
    dueLagMs: due.oldest == null ? 0 : Math.max(0, now - due.oldest),
    dueJobs: due.n,
    activeJobs: active.n,
    outbox: { pending: count('pending'), retrying: count('failed'), dead: count('dead') },
    lastHour: { delivered: hour.delivered ?? 0, retrying: hour.retrying ?? 0, dead: hour.dead ?? 0 },
    attemptBuckets,
    troubledEndpoints,
    stoppedCallbacks,
    deadlineJobs,
  };
}

/** Per subscription, the outcome of its deliveries created since `since`. */
export function endpointSuccess(db: Database, tenantId: string, since: number): Map<string, { delivered: number; total: number }> {
  const rows = db
    .prepare<{ id: string; delivered: number; total: number }>(
      `SELECT subscription_id AS id, sum(status = 'delivered') AS delivered, sum(status IN ('delivered','dead','failed')) AS total
       FROM deliveries WHERE tenant_id = ? AND subscription_id IS NOT NULL AND created_at >= ? GROUP BY subscription_id`,
    )
    .all(tenantId, since);
  return new Map(rows.map((r) => [r.id, { delivered: r.delivered, total: r.total }]));
}

/**
 * Changes whenever one of the tenant's jobs or deliveries changes: the dashboard's live pages
 * refresh when it does. Two indexed scans of the tenant's rows.
 */
export function tenantChangeMark(db: Database, tenantId: string): string {
  const jobs = db.prepare<{ t: number | null; n: number }>('SELECT max(updated_at) AS t, count(*) AS n FROM jobs WHERE tenant_id = ?').get(tenantId)!;
  const dels = db
    .prepare<{ t: number | null; n: number }>('SELECT max(updated_at) AS t, count(*) AS n FROM deliveries WHERE tenant_id = ?')
    .get(tenantId)!;
  return `${jobs.t ?? 0}.${jobs.n}.${dels.t ?? 0}.${dels.n}`;
}

/** Cheap and global: moves on every new event or delivery attempt anywhere (one index lookup each). */
export function globalChangeMark(db: Database): string {
  const e = db.prepare<{ m: number | null }>('SELECT max(rowid) AS m FROM events').get()!;
  const a = db.prepare<{ m: number | null }>('SELECT max(id) AS m FROM delivery_attempts').get()!;
  const j = db.prepare<{ m: number | null }>('SELECT max(rowid) AS m FROM jobs').get()!;
  return `${e.m ?? 0}.${a.m ?? 0}.${j.m ?? 0}`;
}

/** How many deliveries `recoverDeliveries` would queue for the same input (its confirmation). */
export function countRecoverable(db: Database, tenantId: string, since: number, subscriptionId: string | null): number {
  return db
    .prepare<{ n: number }>(
      `SELECT count(*) AS n FROM deliveries WHERE tenant_id = ? AND status = 'dead' AND created_at >= ? AND (? IS NULL OR subscription_id = ?)`,
    )
    .get(tenantId, since, subscriptionId, subscriptionId)!.n;
}

export interface JobSearch {
  state?: string;
  provider?: string;
  /** An external id (exact or part of it) or text in the metadata JSON. */
  text?: string;
  /** Registered at or after (epoch ms). */
  since?: number;
  beforeId?: string;
  limit: number;
}

const likePattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The jobs list of the API (newest first, keyset by id) with the dashboard's search and time filters. */
export function searchJobs(db: Database, tenantId: string, q: JobSearch): JobRow[] {
  const where = ['tenant_id = ?', 'deleted_at IS NULL'];
  const params: SqlValue[] = [tenantId];
  if (q.state) where.push('state = ?'), params.push(q.state);
  if (q.provider) where.push('provider = ?'), params.push(q.provider);
  if (q.text) {
    where.push("(external_id LIKE ? ESCAPE '\\' OR metadata LIKE ? ESCAPE '\\')");
    params.push(likePattern(q.text), likePattern(q.text));
  }
  if (q.since !== undefined) where.push('created_at >= ?'), params.push(Math.floor(q.since));
  if (q.beforeId) where.push('id < ?'), params.push(q.beforeId);
  params.push(q.limit);
  return db.prepare<JobRow>(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...params);
}

export interface DeliverySearch {
  status?: string;
  subscriptionId?: string;
  since?: number;
  beforeId?: string;
  limit: number;
}

/** The deliveries list of the API with a time filter (created at or after `since`). */
export function searchDeliveries(db: Database, tenantId: string, q: DeliverySearch): DeliveryRow[] {
  const where = ['tenant_id = ?'];
  const params: SqlValue[] = [tenantId];
  if (q.status) {
    where.push('status = ?');
    params.push(q.status);
    if (q.status !== 'delivered') where.push(OPEN_DELIVERY);
  }
  if (q.subscriptionId) where.push('subscription_id = ?'), params.push(q.subscriptionId);
  if (q.since !== undefined) where.push('created_at >= ?'), params.push(Math.floor(q.since));
  if (q.beforeId) where.push('id < ?'), params.push(q.beforeId);
  params.push(q.limit);
  return db.prepare<DeliveryRow>(`SELECT * FROM deliveries WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...params);
}
