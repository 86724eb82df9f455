import type { Database, SqlValue } from '../port.ts';
import type { JobRow } from '../rows.ts';
import { dropLease } from './jobLeases.ts';

/** What the API stores for a new job; everything else starts at the schema's defaults. */
export interface NewJob {
  id: string;
  tenantId: string;
  provider: string;
  externalId: string;
  connectionId: string | null;
  credentialsEnc: string | null;
  httpSpec: string | null;
  httpHeadersEnc: string | null;
  callbackUrl: string | null;
  events: string | null;
  metadata: string | null;
  pollIntervalMs: number | null;
  maxPollIntervalMs: number | null;
  deadlineAt: number;
  nextPollAt: number;
  createdAt: number;
}

export type InsertJobResult = { inserted: true; job: JobRow } | { inserted: false; job: JobRow };

/**
 * Inserts the job unless a live job with the same identity exists, in which case that one is
 * returned. The check and the partial unique index `jobs_identity` together make this race-safe
 * even across processes: the loser of a race hits the constraint and reads the winner's row.
 */
export function insertJobOnce(db: Database, job: NewJob): InsertJobResult {
  const existing = () => findLiveJobByIdentity(db, job.tenantId, job.provider, job.externalId);
  try {
    return db.transaction(() => {
      const found = existing();
      if (found) return { inserted: false as const, job: found };
      db.prepare(
        `INSERT INTO jobs (id, tenant_id, provider, external_id, connection_id, credentials_enc, http_spec,
           http_headers_enc, callback_url, events, metadata, poll_interval_ms, max_poll_interval_ms,
           deadline_at, next_poll_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        job.id,
        job.tenantId,
        job.provider,
        job.externalId,
        job.connectionId,
        job.credentialsEnc,
        job.httpSpec,
        job.httpHeadersEnc,
        job.callbackUrl,
        job.events,
        job.metadata,
        job.pollIntervalMs,
        job.maxPollIntervalMs,
        job.deadlineAt,
        job.nextPollAt,
        job.createdAt,
        job.createdAt,
      );
      return { inserted: true as const, job: getJob(db, job.tenantId, job.id)! };
    });
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    const found = existing();
    if (!found) throw err;
    return { inserted: false, job: found };
  }
}

/** better-sqlite3 sets code SQLITE_CONSTRAINT_UNIQUE; other drivers only say it in the message. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || (typeof e?.message === 'string' && e.message.includes('UNIQUE constraint failed'));
}

export function findLiveJobByIdentity(
  db: Database,
  tenantId: string,
  provider: string,
  externalId: string,
): JobRow | undefined {
  return db
    .prepare<JobRow>(
      'SELECT * FROM jobs WHERE tenant_id = ? AND provider = ? AND external_id = ? AND deleted_at IS NULL',
    )
    .get(tenantId, provider, externalId);
}

/** A live (not deleted) job of the tenant. */
export function getJob(db: Database, tenantId: string, id: string): JobRow | undefined {
  return db.prepare<JobRow>('SELECT * FROM jobs WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL').get(id, tenantId);
}

export interface JobListQuery {
  state?: string;
  provider?: string;
  /** Keyset cursor: only ids below this one (newest first). */
  beforeId?: string;
  limit: number;
}

export function listJobs(db: Database, tenantId: string, q: JobListQuery): JobRow[] {
  const where = ['tenant_id = ?', 'deleted_at IS NULL'];
  const params: SqlValue[] = [tenantId];
  if (q.state) {
    where.push('state = ?');
    params.push(q.state);
  }
  if (q.provider) {
    where.push('provider = ?');
    params.push(q.provider);
  }
  if (q.beforeId) {
    where.push('id < ?');
    params.push(q.beforeId);
  }
  params.push(q.limit);
  return db.prepare<JobRow>(`SELECT * FROM jobs WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`).all(...params);
}

/**
 * Stops tracking: no more polls, and clearing the lease makes a poll in flight record nothing.
 * Deliveries already queued stay and are still delivered.
 */
export function deleteJob(db: Database, tenantId: string, id: string, now: number): boolean {
  return db.transaction(() => {
    const r = db
      .prepare(
        // finished_at marks the end of tracking for any reason, so retention finds deleted jobs
        // through the same jobs_finished index as finished ones.
        `UPDATE jobs SET deleted_at = ?, finished_at = COALESCE(finished_at, ?), next_poll_at = NULL, updated_at = ?
          WHERE id = ? AND tenant_id = ? AND deleted_at IS NULL`,
      )
      .run(now, now, now, id, tenantId);
    if (r.changes === 0) return false;
    dropLease(db, id);
    return true;
  });
}
