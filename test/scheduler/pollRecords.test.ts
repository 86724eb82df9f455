/**
 * job_polls: each recorded poll that saw a change or failed leaves one row, written in the
 * outcome's transaction (in multi-row INSERTs of at most 10 rows), none when the lease was lost,
 * with what the poll saw and why the next poll is when it is. Unchanged polls in a row are one
 * run, kept in the job row while it grows and written as one row when the next kept poll ends it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';
import { insertJob, insertTenant } from './harness.ts';
import { claimDueJobs } from '../../src/store/queries/claimDueJobs.ts';
import { recordPollOutcomes } from '../../src/store/queries/recordPollOutcomes.ts';
import { decideOutcome, type DecideContext } from '../../src/scheduler/decideUpdate.ts';
import { fotolabs } from '../../src/providers/fotolabs.ts';
import { seededRandom } from '../../src/core/random.ts';
import type { PollOutcome } from '../../src/core/types.ts';
import type { JobRow } from '../../src/store/rows.ts';

const NOW = 1_700_000_000_000;
const observed = (status: string, state: 'running' | 'succeeded'): PollOutcome => ({
  kind: 'observed',
  httpStatus: 200,
  observation: { state, upstreamStatus: status, progress: null, result: null, error: null, etaAt: null, raw: { status } },
});

describe('poll records', () => {
  let t: TempDb;
  afterEach(() => t?.cleanup());

  const setup = (jobs: number) => {
    t = tempDb(NOW);
    const box = testSecretBox();
    const tenantId = insertTenant(t.db, NOW);
    for (let i = 0; i < jobs; i++) insertJob(t.db, box, tenantId, { provider: 'fotolabs', externalId: `img-${i}`, apiKey: 'fl_k' }, NOW);
    return claimDueJobs(t.db, { leaseToken: 'lease-1', now: NOW, leaseMs: 60_000, limit: jobs });
  };
  const ctx = (row: JobRow, now = NOW + 1_000): DecideContext => ({
    row, leaseToken: 'lease-1', provider: fotolabs, now, random: seededRandom(7), learned: null, wantsProgress: () => false,
  });
  const pollsOf = (jobId: string) => t.db.prepare<Record<string, unknown>>('SELECT * FROM job_polls WHERE job_id = ? ORDER BY id').all(jobId);

  it('writes one row per applied outcome, across INSERT chunks, and none for a lost lease', () => {
    const rows = setup(23);
    const updates = rows.map((r) => decideOutcome(ctx(r), observed('processing', 'running'), 42));
    t.db.prepare("UPDATE job_leases SET token = 'someone-else' WHERE job_rowid = (SELECT rowid FROM jobs WHERE id = ?)").run(rows[22]!.id);
    const report = recordPollOutcomes(t.db, updates);
    expect(report).toMatchObject({ applied: 22, stale: 1 });
    expect(t.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM job_polls').get()!.n).toBe(22);
    expect(pollsOf(rows[22]!.id)).toEqual([]);
    const [first] = pollsOf(rows[0]!.id);
    expect(first).toMatchObject({
      tenant_id: rows[0]!.tenant_id, polled_at: NOW + 1_000, outcome: 'changed', upstream_status: 'processing', http_status: 200,
      latency_ms: 42, next_poll_at: updates[0]!.nextPollAt, reason: 'distribution', error: null,
    });
  });

  const runOf = (jobId: string) =>
    t.db
      .prepare<Record<string, unknown>>(
        'SELECT unchanged_polls, unchanged_since, unchanged_last_at, unchanged_http_status, unchanged_latency_ms, unchanged_next_poll_at, unchanged_reason FROM jobs WHERE id = ?',
      )
      .get(jobId)!;

  it('keeps unchanged polls in a row as one run: in the job row while open, one row once a change ends it', () => {
    const [row] = setup(1);
    const again = (now: number) => claimDueJobs(t.db, { leaseToken: 'lease-1', now, leaseMs: 60_000, limit: 1 })[0]!;
    recordPollOutcomes(t.db, [decideOutcome(ctx(row!), observed('processing', 'running'), 42)]);
    // New validators with the same status: unchanged, though not a schedule-only write.
    const first = decideOutcome(ctx(again(NOW + 10_000_000), NOW + 2_000), { ...(observed('processing', 'running') as PollOutcome & { kind: 'observed' }), validators: { etag: '"v2"', lastModified: null } }, 11);
    expect(first.scheduleOnly).toBe(false);
    recordPollOutcomes(t.db, [first]);
    const second = decideOutcome(ctx(again(NOW + 20_000_000), NOW + 3_000), { kind: 'not_modified' }, 12);
    expect(second.scheduleOnly).toBe(true);
    recordPollOutcomes(t.db, [second]);
    // The open run: two polls, nothing in job_polls but the first (changed) poll.
    expect(pollsOf(row!.id).map((p) => p.outcome)).toEqual(['changed']);
    expect(runOf(row!.id)).toEqual({
      unchanged_polls: 2, unchanged_since: NOW + 2_000, unchanged_last_at: NOW + 3_000, unchanged_http_status: 304,
      unchanged_latency_ms: 12, unchanged_next_poll_at: second.nextPollAt, unchanged_reason: second.nextPollReason,
    });
    // A lost lease adds nothing to the run.
    const lost = decideOutcome(ctx(again(NOW + 30_000_000), NOW + 4_000), { kind: 'not_modified' }, 13);
    t.db.prepare("UPDATE job_leases SET token = 'someone-else' WHERE job_rowid = (SELECT rowid FROM jobs WHERE id = ?)").run(row!.id);
    expect(recordPollOutcomes(t.db, [lost])).toMatchObject({ applied: 0, stale: 1 });
    expect(runOf(row!.id)).toMatchObject({ unchanged_polls: 2 });
    t.db.prepare('DELETE FROM job_leases').run();
    t.db.prepare('UPDATE jobs SET next_poll_at = ? WHERE id = ?').run(NOW, row!.id);
    // A change ends the run: the run's row, then the change's, and the job's run is empty.
    recordPollOutcomes(t.db, [decideOutcome(ctx(again(NOW + 40_000_000), NOW + 5_000), observed('done', 'succeeded'), 9)]);
    const polls = pollsOf(row!.id);
    expect(polls.map((p) => [p.outcome, p.polls, p.polled_at, p.last_polled_at])).toEqual([
      ['changed', 1, NOW + 1_000, null],
      ['unchanged', 2, NOW + 2_000, NOW + 3_000],
      ['changed', 1, NOW + 5_000, null],
    ]);
    expect(polls[1]).toMatchObject({ upstream_status: 'processing', http_status: 304, latency_ms: 12, next_poll_at: second.nextPollAt });
    expect(runOf(row!.id)).toMatchObject({ unchanged_polls: 0, unchanged_since: null, unchanged_last_at: null });
  });

  it('records unchanged polls, failures with their message and backoff, and the final poll', () => {
    const [row] = setup(1);
    recordPollOutcomes(t.db, [decideOutcome(ctx(row!), { kind: 'failure', failure: { kind: 'transient', status: 503, message: 'upstream answered 503' } }, 7)]);
    const again = () => claimDueJobs(t.db, { leaseToken: 'lease-1', now: NOW + 10_000_000, leaseMs: 60_000, limit: 1 })[0]!;
    recordPollOutcomes(t.db, [decideOutcome(ctx(again(), NOW + 2_000), { kind: 'not_modified' }, 5)]);
    recordPollOutcomes(t.db, [decideOutcome(ctx(again(), NOW + 3_000), observed('done', 'succeeded'), 9)]);
    // Not a poll (a target that cannot be resolved, a passed deadline): no row.
    expect(decideOutcome(ctx(row!), { kind: 'not_modified' }).poll).toBeUndefined();
    const polls = pollsOf(row!.id);
    expect(polls.map((p) => [p.outcome, p.http_status, p.reason, p.latency_ms])).toEqual([
      ['transient', 503, 'backoff', 7],
      ['unchanged', 304, 'distribution', 5],
      ['changed', 200, 'finished', 9],
    ]);
    expect(polls[0]).toMatchObject({ upstream_status: null, error: 'upstream answered 503', polls: 1 });
    // The unchanged poll was a run of one, written when the final poll ended it.
    expect(polls[1]).toMatchObject({ polls: 1, polled_at: NOW + 2_000, last_polled_at: NOW + 2_000 });
    expect(polls[2]).toMatchObject({ upstream_status: 'done', next_poll_at: null });
  });
});
