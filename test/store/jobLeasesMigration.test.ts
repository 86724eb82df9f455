/**
 * Migration 0010 moves job leases out of the jobs table. A database a killed process left with
 * leased jobs (lease in the row, next_poll_at at the lease expiry) must come out with no lease
 * anywhere and each job claimable when its old lease runs out: nothing polled twice at once,
 * nothing forgotten.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, currentVersion, latestVersion } from '../../src/store/migrate.ts';
import { claimDueJobs } from '../../src/store/queries/claimDueJobs.ts';
import { nextDueAt } from '../../src/store/queries/nextDueJob.ts';
import { tempDbAt, testSecretBox, type TempDb } from '../helpers/db.ts';
import { insertJob, insertTenant } from '../delivery/fixtures.ts';

const NOW = Date.parse('2026-12-05T02:00:00Z');
let temp: TempDb | null = null;
afterEach(() => {
  temp?.cleanup();
  temp = null;
});

describe('migration 0010: job leases', () => {
  it('clears leases left in job rows; each job is claimable once its old lease runs out', () => {
    temp = tempDbAt(9, NOW);
    const db = temp.db;
    const { tenantId } = insertTenant(db, testSecretBox(), NOW);
    const leased = insertJob(db, tenantId, 'https://example.com/cb', NOW);
    const due = insertJob(db, tenantId, 'https://example.com/cb', NOW);
    // As the old claim left them: the lease in the row, next_poll_at moved to its expiry.
    db.prepare("UPDATE jobs SET lease_token = 'dead-worker', lease_expires_at = ?, next_poll_at = ? WHERE id = ?").run(NOW + 60_000, NOW + 60_000, leased);
    db.prepare('UPDATE jobs SET next_poll_at = ? WHERE id = ?').run(NOW - 1_000, due);

    expect(migrate(db, NOW).applied).toContain(10);
    expect(currentVersion(db)).toBe(latestVersion());
    expect(db.prepare('SELECT COUNT(*) AS n FROM jobs WHERE lease_token IS NOT NULL OR lease_expires_at IS NOT NULL').get()).toEqual({ n: 0 });
    expect(db.prepare('SELECT COUNT(*) AS n FROM job_leases').get()).toEqual({ n: 0 });

    expect(claimDueJobs(db, { leaseToken: 'new', now: NOW, leaseMs: 60_000, limit: 10 }).map((j) => j.id)).toEqual([due]);
    expect(nextDueAt(db, NOW)).toBe(NOW + 60_000);
    expect(claimDueJobs(db, { leaseToken: 'later', now: NOW + 60_000, leaseMs: 60_000, limit: 10 }).map((j) => j.id).sort()).toEqual([due, leased].sort());
  });
});
