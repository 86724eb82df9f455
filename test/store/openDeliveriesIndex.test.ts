/**
 * Migration 0003: deliveries_open replaces deliveries_by_tenant_status and
 * deliveries_open_by_status. It must apply to a database already at 0002 (rows kept, the
 * index filled), and the queries that read open deliveries must use it, not scan the table.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, currentVersion, latestVersion } from '../../src/store/migrate.ts';
import { newId } from '../../src/core/ids.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import type { Database, SqlValue, Statement } from '../../src/store/port.ts';
import { listDeliveries } from '../../src/store/queries/deliveries.ts';
import { readOutboxSnapshot } from '../../src/store/queries/metricsSnapshot.ts';
import { recoverDeliveries } from '../../src/store/queries/requeueDeliveries.ts';
import { tempDbAt, testSecretBox, type TempDb } from '../helpers/db.ts';
import { insertJob, insertTenant } from '../delivery/fixtures.ts';

const NOW = Date.parse('2026-11-22T20:00:00Z');
let temp: TempDb | null = null;
afterEach(() => {
  temp?.cleanup();
  temp = null;
});

/** A database as a release with migrations 1 and 2 left it. */
function openAt0002(): Database {
  temp = tempDbAt(2, NOW);
  return temp.db;
}

const indexes = (d: Database) =>
  d.prepare<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'deliveries' ORDER BY name").all().map((r) => r.name);

const planOf = (d: Database, sql: string, params: SqlValue[]) =>
  d.prepare<{ detail: string }>(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => r.detail).join('\n');

/** Runs fn on a Database whose prepared statements are recorded, to explain them afterwards. */
function recorded(d: Database, fn: (rec: Database) => void): Array<[string, SqlValue[]]> {
  const seen: Array<[string, SqlValue[]]> = [];
  const rec: Database = {
    ...d,
    prepare: <Row,>(sql: string): Statement<Row> => {
      const stmt = d.prepare<Row>(sql);
      const note = (params: SqlValue[]) => seen.push([sql, params]);
      return {
        run: (...p: SqlValue[]) => (note(p), stmt.run(...p)),
        get: (...p: SqlValue[]) => (note(p), stmt.get(...p)),
        all: (...p: SqlValue[]) => (note(p), stmt.all(...p)),
      } as Statement<Row>;
    },
    transaction: (f) => d.transaction(f),
  };
  fn(rec);
  return seen;
}

/** Three deliveries of one tenant: one delivered, one failed, one dead. */
function seed(d: Database): { tenantId: string; ids: Record<string, string> } {
  const { tenantId } = insertTenant(d, testSecretBox(), NOW);
  const ids: Record<string, string> = {};
  for (const [i, status] of (['delivered', 'failed', 'dead'] as const).entries()) {
    const job = insertJob(d, tenantId, 'https://example.com/hook', NOW);
    // Rows as release 0002 wrote them (today's queries may name columns later migrations added).
    const eventId = newId('evt', NOW + i);
    d.prepare('INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES (?, ?, ?, 1, ?, ?, ?)').run(eventId, job, tenantId, 'job.running', '{}', NOW + i);
    const id = newId('msg', NOW + i);
    d.prepare(
      `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, target_key, url, status, attempt_count, created_at, updated_at)
       VALUES (?, ?, ?, ?, 1, 'callback', 'https://example.com/hook', ?, 1, ?, ?)`,
    ).run(id, tenantId, eventId, job, status, NOW + i, NOW + i);
    ids[status] = id;
  }
  return { tenantId, ids };
}

describe('migration 0003: deliveries_open', () => {
  it('applies to a database at 0002 with rows in it, and the index holds every delivery that is not delivered', () => {
    const d = openAt0002();
    const { tenantId, ids } = seed(d);
    expect(indexes(d)).toEqual(expect.arrayContaining(['deliveries_by_tenant_status', 'deliveries_open_by_status']));

    expect(migrate(d, NOW).applied).toEqual(MIGRATIONS.filter((m) => m.version > 2).map((m) => m.version));
    expect(currentVersion(d)).toBe(latestVersion());
    const after = indexes(d);
    expect(after).toContain('deliveries_open');
    expect(after).not.toContain('deliveries_by_tenant_status');
    expect(after).not.toContain('deliveries_open_by_status');
    expect(d.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM deliveries').get()!.n).toBe(3);
    const inIndex = d
      .prepare<{ id: string }>("SELECT id FROM deliveries INDEXED BY deliveries_open WHERE status <> 'delivered' ORDER BY id")
      .all()
      .map((r) => r.id);
    expect(inIndex).toEqual([ids['failed'], ids['dead']].sort());

    // The readers give the same answers as before the migration.
    expect(readOutboxSnapshot(d).deliveriesByStatus).toEqual({ pending: 0, failed: 1, dead: 1 });
    for (const status of ['delivered', 'failed', 'dead']) {
      expect(listDeliveries(d, tenantId, { status, limit: 10 }).map((r) => r.id)).toEqual([ids[status]]);
    }
    expect(listDeliveries(d, tenantId, { limit: 10 })).toHaveLength(3);
    expect(migrate(d, NOW).applied).toEqual([]);
  });

  it('the metrics gauge, the status lists and recover read deliveries_open or deliveries_by_tenant; none scans', () => {
    const d = openAt0002();
    migrate(d, NOW);
    const { tenantId, ids } = seed(d);
    const seen = recorded(d, (rec) => {
      readOutboxSnapshot(rec);
      for (const status of ['pending', 'failed', 'dead', 'canceled']) {
        listDeliveries(rec, tenantId, { status, limit: 10 });
        listDeliveries(rec, tenantId, { status, beforeId: ids['dead'], limit: 10 });
      }
      recoverDeliveries(rec, tenantId, { since: NOW - 1 }, NOW);
    });
    const deliveryReads = seen.filter(([sql]) => /FROM deliveries/.test(sql) && /status/.test(sql));
    expect(deliveryReads.length).toBeGreaterThanOrEqual(10);
    for (const [sql, params] of deliveryReads) {
      const plan = planOf(d, sql, params);
      expect(plan, `${sql}\n${plan}`).not.toMatch(/SCAN deliveries/);
      // The tenant's lists and the gauge; the others are recover's lane checks (deliveries_lane).
      if (/tenant_id = \?|COUNT/.test(sql)) expect(plan, `${sql}\n${plan}`).toContain('deliveries_open');
    }
    const metrics = deliveryReads.find(([sql]) => /COUNT/.test(sql))!;
    expect(planOf(d, metrics[0], metrics[1])).toContain('COVERING INDEX deliveries_open');

    // Delivered deliveries are not in the partial index: their list walks the tenant's ids.
    const [delivered] = recorded(d, (rec) => listDeliveries(rec, tenantId, { status: 'delivered', limit: 10 }));
    const plan = planOf(d, delivered![0], delivered![1]);
    expect(plan).toContain('deliveries_by_tenant');
    expect(plan).not.toMatch(/SCAN|TEMP B-TREE/);
  });
});
