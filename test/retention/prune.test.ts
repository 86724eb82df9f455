import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';
import { createTenant } from '../../src/store/queries/tenants.ts';
import {
  pruneExpiredHistory,
  pruneFinishedBatch,
} from '../../src/store/queries/pruneFinished.ts';
import type { DeliveryStatus } from '../../src/store/rows.ts';
import type { Database, SqlValue, Statement } from '../../src/store/port.ts';
import { DAY, rowCounts, seedJob } from './seed.ts';

const NOW = Date.UTC(2026, 10, 22, 17, 0, 0);
const CUTOFF = NOW - 30 * DAY;
const OLD = NOW - 40 * DAY;
const RECENT = NOW - 2 * DAY;

let t: TempDb;
let tenantId: string;
beforeEach(() => {
  t = tempDb(NOW);
  tenantId = createTenant(t.db, testSecretBox(), 'acme', NOW).id;
});
afterEach(() => t.cleanup());

const noPause = () => Promise.resolve();
const prune = (batchSize = 500) => pruneExpiredHistory(t.db, { cutoff: CUTOFF, batchSize, pause: noPause });
const exists = (jobId: string) => rowCounts(t.db, jobId).jobs === 1;

describe('what is pruned and what is kept', () => {
  const cases: Array<{
    name: string;
    at: { createdAt: number; finishedAt?: number | null; deletedAt?: number | null };
    deliveries: DeliveryStatus[];
    pruned: boolean;
  }> = [
    { name: 'finished before the window, delivered and dead', at: { createdAt: OLD, finishedAt: OLD }, deliveries: ['delivered', 'dead'], pruned: true },
    { name: 'finished before the window, canceled deliveries', at: { createdAt: OLD, finishedAt: OLD }, deliveries: ['canceled'], pruned: true },
    { name: 'finished before the window, no deliveries', at: { createdAt: OLD, finishedAt: OLD }, deliveries: [], pruned: true },
    { name: 'finished inside the window', at: { createdAt: OLD, finishedAt: RECENT }, deliveries: ['delivered'], pruned: false },
    { name: 'old but unfinished (still polled)', at: { createdAt: OLD }, deliveries: ['delivered'], pruned: false },
    { name: 'finished before the window, a delivery pending', at: { createdAt: OLD, finishedAt: OLD }, deliveries: ['delivered', 'pending'], pruned: false },
    { name: 'finished before the window, a delivery failed (retry due)', at: { createdAt: OLD, finishedAt: OLD }, deliveries: ['failed'], pruned: false },
    { name: 'deleted before the window, deliveries finished', at: { createdAt: OLD, deletedAt: OLD }, deliveries: ['delivered', 'dead'], pruned: true },
    { name: 'deleted before the window, a delivery pending', at: { createdAt: OLD, deletedAt: OLD }, deliveries: ['pending'], pruned: false },
    { name: 'deleted inside the window', at: { createdAt: OLD, deletedAt: RECENT }, deliveries: ['delivered'], pruned: false },
    { name: 'finished and deleted before the window', at: { createdAt: OLD, finishedAt: OLD, deletedAt: OLD }, deliveries: ['dead'], pruned: true },
  ];

  it.each(cases)('$name: pruned=$pruned', async ({ at, deliveries, pruned }) => {
    const job = seedJob(t.db, tenantId, at, deliveries);
    const bystander = seedJob(t.db, tenantId, { createdAt: RECENT }, ['pending']);
    const before = rowCounts(t.db, job.id);
    const report = await prune();
    if (pruned) {
      expect(rowCounts(t.db, job.id)).toEqual({ jobs: 0, events: 0, deliveries: 0, attempts: 0 });
      expect(report).toMatchObject(before);
    } else {
      expect(rowCounts(t.db, job.id)).toEqual(before);
      expect(report.jobs).toBe(0);
    }
    expect(exists(bystander.id)).toBe(true);
  });

  it('leaves nothing dangling: every row of a pruned job goes, no other row does', async () => {
    for (let i = 0; i < 3; i++) seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD }, ['delivered', 'dead', 'delivered']);
    const kept = seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: RECENT }, ['delivered', 'dead']);
    await prune();
    expect(rowCounts(t.db)).toEqual(rowCounts(t.db, kept.id));
    const orphans = t.db
      .prepare<{ n: number }>('SELECT COUNT(*) AS n FROM delivery_attempts WHERE delivery_id NOT IN (SELECT id FROM deliveries)')
      .get();
    expect(orphans?.n).toBe(0);
  });

  it('a job whose last delivery finishes is pruned by a later pass', async () => {
    const job = seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD }, ['dead', 'failed']);
    await prune();
    expect(exists(job.id)).toBe(true);
    t.db.prepare(`UPDATE deliveries SET status = 'dead' WHERE job_id = ?`).run(job.id);
    await prune();
    expect(exists(job.id)).toBe(false);
  });
});

describe('batches', () => {
  it('a finished batch deletes at most `limit` jobs, oldest first, and says where to resume', () => {
    const jobs = Array.from({ length: 7 }, (_, i) => seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD + i }));
    const first = pruneFinishedBatch(t.db, { cutoff: CUTOFF, limit: 3, after: null });
    expect(first.counts.jobs).toBe(3);
    expect(jobs.map((j) => exists(j.id))).toEqual([false, false, false, true, true, true, true]);
    const second = pruneFinishedBatch(t.db, { cutoff: CUTOFF, limit: 3, after: first.next });
    const third = pruneFinishedBatch(t.db, { cutoff: CUTOFF, limit: 3, after: second.next });
    expect([second.counts.jobs, third.counts.jobs, third.next]).toEqual([3, 1, null]);
  });

  it('a pass runs bounded transactions and pauses between them', async () => {
    for (let i = 0; i < 12; i++) seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD + i });
    for (let i = 0; i < 7; i++) seedJob(t.db, tenantId, { createdAt: OLD, deletedAt: OLD });
    const perBatch: number[] = [];
    let last = 0;
    const pause = async () => {
      const now = rowCounts(t.db).jobs;
      perBatch.push(last === 0 ? 19 - now : last - now);
      last = now;
    };
    const report = await pruneExpiredHistory(t.db, { cutoff: CUTOFF, batchSize: 5, pause });
    expect(report.jobs).toBe(19);
    expect(report.batches).toBe(perBatch.length);
    expect(Math.max(...perBatch)).toBeLessThanOrEqual(5);
    expect(rowCounts(t.db).jobs).toBe(0);
  });

  it('jobs held by unfinished deliveries never stall the walk', async () => {
    const held = Array.from({ length: 6 }, (_, i) => seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD + i }, ['pending']));
    const prunable = Array.from({ length: 3 }, (_, i) => seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD + 100 + i }));
    const report = await prune(2);
    expect(report.jobs).toBe(3);
    expect(held.every((j) => exists(j.id))).toBe(true);
    expect(prunable.some((j) => exists(j.id))).toBe(false);
  });

  it('stops between transactions when asked', async () => {
    for (let i = 0; i < 6; i++) seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD + i });
    let pauses = 0;
    const report = await pruneExpiredHistory(t.db, {
      cutoff: CUTOFF,
      batchSize: 2,
      pause: async () => void pauses++,
      shouldStop: () => pauses >= 1,
    });
    expect(report.jobs).toBe(2);
  });
});

describe('query plans', () => {
  /** Wraps the port to record every statement a pass really runs, with parameters it ran with. */
  function recordingDb(db: Database): { db: Database; seen: Map<string, SqlValue[]> } {
    const seen = new Map<string, SqlValue[]>();
    const record =
      <F extends (...p: SqlValue[]) => unknown>(sql: string, fn: F) =>
      (...params: SqlValue[]) => {
        if (!seen.has(sql)) seen.set(sql, params);
        return fn(...params);
      };
    const wrapped: Database = {
      ...db,
      prepare: <Row,>(sql: string): Statement<Row> => {
        const stmt = db.prepare<Row>(sql);
        return { run: record(sql, stmt.run), get: record(sql, stmt.get), all: record(sql, stmt.all) } as Statement<Row>;
      },
    };
    return { db: wrapped, seen };
  }

  const planOf = (sql: string, params: SqlValue[]) =>
    t.db
      .prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(...params)
      .map((r) => r.detail);

  it('every statement of a pass uses an index or the rowid; none sorts', async () => {
    seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD });
    seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD }, ['pending']);
    seedJob(t.db, tenantId, { createdAt: OLD, deletedAt: OLD });
    const { db, seen } = recordingDb(t.db);
    await pruneExpiredHistory(db, { cutoff: CUTOFF, batchSize: 5, pause: noPause });
    expect(seen.size).toBeGreaterThanOrEqual(5);
    for (const [sql, params] of seen) {
      const plan = planOf(sql, params);
      for (const step of plan) expect(step, `${sql}\n${plan.join('\n')}`).not.toMatch(/^SCAN /);
      expect(plan.join('\n'), sql).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('the finished walk uses jobs_finished and the lane index; deletes use their indexes', async () => {
    seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD });
    const { db, seen } = recordingDb(t.db);
    await pruneExpiredHistory(db, { cutoff: CUTOFF, batchSize: 5, pause: noPause });
    const plans = [...seen].map(([sql, params]) => `${sql}\n${planOf(sql, params).join('\n')}`).join('\n\n');
    for (const index of ['jobs_finished', 'deliveries_lane', 'delivery_attempts_by_delivery', 'sqlite_autoindex_events', 'deliveries_by_event']) {
      expect(plans).toContain(index);
    }
  });
});

describe('poll history', () => {
  it("goes with its job, and another job's stays", async () => {
    const old = seedJob(t.db, tenantId, { createdAt: OLD, finishedAt: OLD }, ['delivered']);
    const kept = seedJob(t.db, tenantId, { createdAt: RECENT }, ['pending']);
    const insert = t.db.prepare(
      'INSERT INTO job_polls (job_id, tenant_id, polled_at, outcome, upstream_status, http_status, latency_ms, next_poll_at, reason, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (const job of [old, kept]) for (let i = 0; i < 3; i++) insert.run(job.id, tenantId, OLD + i, 'unchanged', 'processing', 200, 5, OLD + i + 1, 'grown', null);
    const polls = (jobId: string) => t.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM job_polls WHERE job_id = ?').get(jobId)!.n;
    await prune();
    expect(exists(old.id)).toBe(false);
    expect(polls(old.id)).toBe(0);
    expect(polls(kept.id)).toBe(3);
  });
});
