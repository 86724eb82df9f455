import { newId } from '../../src/core/ids.ts';
import { buildEventBody } from '../../src/core/eventPayload.ts';
import type { Database } from '../../src/store/port.ts';
import type { EventType } from '../../src/core/types.ts';

/** A job row as registration leaves it (no credentials needed: nothing polls it in these tests). */
export function seedJobRow(db: Database, tenantId: string, opts: { provider?: string; metadata?: unknown; now?: number } = {}): string {
  const now = opts.now ?? Date.now();
  const id = newId('job', now);
  db.prepare(
    `INSERT INTO jobs (id, tenant_id, provider, external_id, metadata, deadline_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(id, tenantId, opts.provider ?? 'fotolabs', id, opts.metadata === undefined ? null : JSON.stringify(opts.metadata), now + 86_400_000, now, now);
  return id;
}

/**
 * Appends events to a job as the scheduler would (the payload it signs), in one transaction,
 * leaving seq to the database (migration 0006's trigger). Returns the event ids.
 */
export function appendEvents(
  db: Database,
  job: { id: string; tenantId: string; provider?: string; metadata?: unknown },
  count: number,
  opts: { type?: EventType; now?: number } = {},
): string[] {
  const ids: string[] = [];
  db.transaction(() => {
    const row = db.prepare<{ last_sequence: number }>('SELECT last_sequence FROM jobs WHERE id = ?').get(job.id)!;
    let sequence = row.last_sequence;
    for (let i = 0; i < count; i++) {
      const now = opts.now ?? Date.now();
      const id = newId('evt', now);
      sequence++;
      const type = opts.type ?? 'job.running';
      const body = buildEventBody({
        type,
        now,
        job: { id: job.id, provider: job.provider ?? 'fotolabs', externalId: job.id, metadata: job.metadata ?? null },
        sequence,
        state: 'running',
        previousState: 'pending',
        upstreamStatus: 'processing',
        progress: null,
        result: null,
        error: null,
        upstream: null,
        observedAt: now,
      });
      db.prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
        id,
        job.id,
        job.tenantId,
        sequence,
        type,
        body,
        now,
      );
      ids.push(id);
    }
    db.prepare('UPDATE jobs SET last_sequence = ? WHERE id = ?').run(sequence, job.id);
  });
  return ids;
}
