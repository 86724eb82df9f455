/**
 * Bulk seeding for the benchmark: prepared statements through the store's Database port, many
 * rows per transaction. Rows look like what the API and the scheduler write.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createSecretBox, type SecretBox } from '../../src/security/secretBox.ts';
import { createTenant } from '../../src/store/queries/tenants.ts';
import { buildEventBody } from '../../src/core/eventPayload.ts';
import { newId } from '../../src/core/ids.ts';
import type { Database } from '../../src/store/port.ts';

export interface BenchDb {
  db: Database;
  path: string;
  dir: string;
  box: SecretBox;
}

export function openBenchDb(now: number, path?: string): BenchDb {
  const dir = path ? join(path, '..') : mkdtempSync(join(tmpdir(), 'pollhook-bench-'));
  const file = path ?? join(dir, 'pollhook.db');
  const db = openSqlite(file);
  migrate(db, now);
  return { db, path: file, dir, box: createSecretBox(randomBytes(32)) };
}

export function benchTenant(b: BenchDb, now: number): { tenantId: string; signingSecret: string } {
  const t = createTenant(b.db, b.box, 'bench', now);
  return { tenantId: t.id, signingSecret: t.signingSecret };
}

const CHUNK = 50_000;

/** Runs fn(i) for i in [0, count) in transactions of CHUNK rows. */
export function inChunks(db: Database, count: number, fn: (i: number) => void): void {
  for (let start = 0; start < count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK);
    db.transaction(() => {
      for (let i = start; i < end; i++) fn(i);
    });
  }
}

/** A realistic event body (a fotolabs job that succeeded), about 700 bytes. */
export function sampleEventBody(jobId: string, externalId: string, now: number): string {
  return buildEventBody({
    type: 'job.succeeded',
    now,
    job: { id: jobId, provider: 'fotolabs', externalId, metadata: { orderId: 42, customer: 'cus_8f3k2' } },
    sequence: 2,
    state: 'succeeded',
    previousState: 'running',
    upstreamStatus: 'completed',
    progress: 100,
    result: { urls: [`https://cdn.fotolabs.example/results/${externalId}.jpg`] },
    error: null,
    upstream: {
      imageId: externalId,
      status: 'completed',
      resultImageUrl: `https://cdn.fotolabs.example/results/${externalId}.jpg`,
      originalImageUrl: `https://cdn.fotolabs.example/originals/${externalId}.jpg`,
      errorMessage: null,
    },
    observedAt: now,
  });
}

const insertJobSql = `INSERT INTO jobs (id, tenant_id, provider, external_id, credentials_enc, callback_url, metadata,
    poll_interval_ms, max_poll_interval_ms, deadline_at, state, upstream_status, last_sequence, next_poll_at,
    current_interval_ms, poll_count, created_at, updated_at, finished_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

export interface ActiveJobSpec {
  tenantId: string;
  count: number;
  provider: string;
  credentialsEnc: string;
  callbackUrl: string;
  now: number;
  externalId: (i: number) => string;
  nextPollAt: (i: number) => number;
  pollIntervalMs?: number | null;
  maxPollIntervalMs?: number | null;
}

/** Jobs that were polled once and are `running` (upstream `processing`), each due at nextPollAt(i). */
export function seedActiveJobs(db: Database, spec: ActiveJobSpec): string[] {
  const insert = db.prepare(insertJobSql);
  const ids: string[] = new Array(spec.count);
  inChunks(db, spec.count, (i) => {
    const id = newId('job', spec.now);
    ids[i] = id;
    insert.run(
      id,
      spec.tenantId,
      spec.provider,
      spec.externalId(i),
      spec.credentialsEnc,
      spec.callbackUrl,
      '{"orderId":42}',
      spec.pollIntervalMs ?? null,
      spec.maxPollIntervalMs ?? null,
      spec.now + 86_400_000,
      'running',
      'processing',
      1,
      spec.nextPollAt(i),
      10_000,
      1,
      spec.now,
      spec.now,
      null,
    );
  });
  return ids;
}

/**
 * `count` finished jobs, each with one event and one delivery due to `url`. One event per job, so
 * no delivery waits behind another in its ordering lane. The backlog built up over the last
 * `count` ms (one event per ms, as if the receiver had been down), so ids and due times follow
 * each other as the scheduler writes them; all of one millisecond would scatter every id-keyed
 * index entry at random.
 */
export function seedDeliveries(db: Database, spec: { tenantId: string; count: number; url: string; now: number }): void {
  const insertJob = db.prepare(insertJobSql);
  const insertEvent = db.prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const insertDelivery = db.prepare(
    `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, subscription_id, target_key, url, status,
       attempt_count, next_attempt_at, created_at, updated_at)
     VALUES (?, ?, ?, ?, 2, NULL, 'callback', ?, 'pending', 0, ?, ?, ?)`,
  );
  const { tenantId } = spec;
  inChunks(db, spec.count, (i) => {
    const now = spec.now - spec.count + i;
    const jobId = newId('job', now);
    const externalId = `img-${i.toString(36)}-${randomBytes(6).toString('hex')}`;
    insertJob.run(jobId, tenantId, 'fotolabs', externalId, null, spec.url, '{"orderId":42}', null, null, now + 86_400_000,
      'succeeded', 'completed', 2, null, null, 2, now, now, now);
    const eventId = newId('evt', now);
    insertEvent.run(eventId, jobId, tenantId, 2, 'job.succeeded', sampleEventBody(jobId, externalId, now), now);
    insertDelivery.run(newId('msg', now), tenantId, eventId, jobId, spec.url, now, now, now);
  });
}

/** The event bodies of seeded deliveries, for the bare-undici baseline to send the same bytes. */
export function deliveryBodies(count: number, now: number): string[] {
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) out[i] = sampleEventBody(newId('job', now), `img-${i.toString(36)}-${randomBytes(6).toString('hex')}`, now);
  return out;
}
