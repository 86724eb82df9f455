/**
 * The narrow write for "nothing changed but the schedule" (JobUpdate.scheduleOnly) must leave
 * exactly the row the full write leaves, keep the lease and sequence guard, and be chosen by the
 * decider only when the update really is schedule-only.
 */
import { leaseOf } from '../../src/store/queries/jobLeases.ts';
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
const processing = (status = 'processing'): PollOutcome & { kind: 'observed' } => ({
  kind: 'observed',
  observation: { state: status === 'processing' ? 'running' : 'succeeded', upstreamStatus: status, progress: null, result: null, error: null, etaAt: null, raw: { status } },
});

describe('recording a schedule-only poll outcome', () => {
  let t: TempDb;
  afterEach(() => t?.cleanup());

  const setup = (jobs: number) => {
    t = tempDb(NOW);
    const box = testSecretBox();
    const tenantId = insertTenant(t.db, NOW);
    for (let i = 0; i < jobs; i++) insertJob(t.db, box, tenantId, { provider: 'fotolabs', externalId: `img-${i}`, apiKey: 'fl_k' }, NOW);
    // A first poll that saw `processing` and failed once before, so the counters have something to reset.
    t.db.prepare(`UPDATE jobs SET state = 'running', upstream_status = 'processing', last_sequence = 1, consecutive_failures = 2,
      not_found_count = 1, not_found_since = ?, unauthorized_count = 1, last_failure = '{"kind":"transient"}'`).run(NOW - 5_000);
    return claimDueJobs(t.db, { leaseToken: 'lease-1', now: NOW, leaseMs: 60_000, limit: jobs });
  };
  const ctx = (row: JobRow, now = NOW + 1_000): DecideContext => ({
    row, leaseToken: 'lease-1', provider: fotolabs, now, random: seededRandom(7), learned: null, wantsProgress: () => false,
  });
  const rowOf = (id: string) => t.db.prepare<Record<string, unknown>>('SELECT * FROM jobs WHERE id = ?').get(id)!;
  const withoutIdentity = (r: Record<string, unknown>) => ({ ...r, id: undefined, external_id: undefined, credentials_enc: undefined });

  it('is marked by the decider, and leaves the same row as the full write', () => {
    const [a, b] = setup(2);
    const narrow = decideOutcome(ctx(a!), processing());
    const full = decideOutcome(ctx(b!), processing());
    expect(narrow.scheduleOnly).toBe(true);
    expect(full.nextPollAt).toBe(narrow.nextPollAt);
    const report = recordPollOutcomes(t.db, [narrow, { ...full, scheduleOnly: false }]);
    expect(report).toMatchObject({ applied: 2, stale: 0, events: [] });
    const written = rowOf(a!.id);
    expect(withoutIdentity(written)).toEqual(withoutIdentity(rowOf(b!.id)));
    expect(leaseOf(t.db, a!.id)).toBeNull();
    expect(written).toMatchObject({ poll_count: 1, consecutive_failures: 0, not_found_count: 0,
      not_found_since: null, unauthorized_count: 0, last_polled_at: NOW + 1_000, updated_at: NOW + 1_000, next_poll_at: narrow.nextPollAt });
  });

  it('is refused once the lease is lost', () => {
    const [a] = setup(1);
    const update = decideOutcome(ctx(a!), processing());
    t.db.prepare("UPDATE job_leases SET token = 'someone-else'").run();
    expect(recordPollOutcomes(t.db, [update])).toMatchObject({ applied: 0, stale: 1 });
    expect(rowOf(a!.id)).toMatchObject({ poll_count: 0 });
    expect(leaseOf(t.db, a!.id)?.token).toBe('someone-else');
  });

  it('is not used when anything else changed', () => {
    const [a] = setup(1);
    expect(decideOutcome(ctx(a!), processing('completed')).scheduleOnly).toBeFalsy();
    expect(decideOutcome(ctx(a!), { ...processing(), validators: { etag: '"v2"', lastModified: null } }).scheduleOnly).toBe(false);
    const progressed = processing();
    progressed.observation.progress = 40;
    expect(decideOutcome(ctx(a!), progressed).scheduleOnly).toBe(false);
    expect(decideOutcome(ctx(a!), { kind: 'failure', failure: { kind: 'transient', message: 'x' } }).scheduleOnly).toBeFalsy();
  });

  it('a 304 whose counters were already reset is schedule-only', () => {
    const [a] = setup(1);
    const clean = { ...a!, consecutive_failures: 0, not_found_count: 0, not_found_since: null, unauthorized_count: 0 };
    expect(decideOutcome(ctx(clean), { kind: 'not_modified' }).scheduleOnly).toBe(true);
  });
});
