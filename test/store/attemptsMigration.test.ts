/**
 * Migration 0008: delivery_attempts without AUTOINCREMENT. A database at 0007 keeps every
 * attempt with its id, the foreign key to its delivery still cascades, and a delivery's new
 * attempts number after its older ones, so listAttempts keeps their order.
 */
import { afterEach, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { migrate } from '../../src/store/migrate.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
import type { Database } from '../../src/store/port.ts';
import { listAttempts } from '../../src/store/queries/deliveries.ts';
import { recordDeliveryResult } from '../../src/store/queries/recordDeliveryResults.ts';
import { testSecretBox } from '../helpers/db.ts';
import { insertJob, insertTenant } from '../delivery/fixtures.ts';

const NOW = Date.parse('2026-12-05T02:00:00Z');
let dir = '';
let db: Database;
afterEach(() => {
  db?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function openAt0007(): Database {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-m0008-'));
  db = openSqlite(join(dir, 'pollhook.db'));
  db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  for (const m of MIGRATIONS.filter((x) => x.version <= 7)) {
    db.transaction(() => {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, NOW);
    });
  }
  return db;
}

it('keeps every attempt and its id, and numbers new attempts after them', () => {
  const d = openAt0007();
  const { tenantId } = insertTenant(d, testSecretBox(), NOW);
  const jobId = insertJob(d, tenantId, 'https://example.com/hook', NOW);
  d.prepare("INSERT INTO events (id, job_id, tenant_id, sequence, type, body, created_at) VALUES ('evt_1', ?, ?, 1, 'job.succeeded', '{}', ?)").run(jobId, tenantId, NOW);
  d.prepare(
    `INSERT INTO deliveries (id, tenant_id, event_id, job_id, sequence, target_key, url, status, lease_token, created_at, updated_at)
     VALUES ('msg_1', ?, 'evt_1', ?, 1, 'callback', 'https://example.com/hook', 'failed', 'lease-1', ?, ?)`,
  ).run(tenantId, jobId, NOW, NOW);
  const insert = d.prepare('INSERT INTO delivery_attempts (delivery_id, attempted_at, duration_ms, status_code) VALUES (?, ?, 5, ?)');
  insert.run('msg_1', NOW - 2_000, 500);
  insert.run('msg_1', NOW - 1_000, 502);
  const before = d.prepare<{ id: number }>('SELECT id FROM delivery_attempts ORDER BY id').all().map((r) => r.id);

  expect(migrate(d, NOW).applied).toEqual([8]);
  expect(d.prepare<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'delivery_attempts'").get()!.sql).not.toMatch(/AUTOINCREMENT/i);
  expect(d.prepare<{ id: number }>('SELECT id FROM delivery_attempts ORDER BY id').all().map((r) => r.id)).toEqual(before);

  const recorded = recordDeliveryResult(
    d,
    { deliveryId: 'msg_1', leaseToken: 'lease-1', status: 'delivered', nextAttemptAt: null, attemptedAt: NOW, durationMs: 3, statusCode: 204, error: null, responseBody: null },
    NOW,
  );
  expect(recorded).toBe(true);
  expect(listAttempts(d, 'msg_1').map((a) => a.status_code)).toEqual([500, 502, 204]);

  // The foreign key still cascades: a delivery's attempts go with it.
  d.prepare("DELETE FROM deliveries WHERE id = 'msg_1'").run();
  expect(d.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM delivery_attempts').get()!.n).toBe(0);
});
