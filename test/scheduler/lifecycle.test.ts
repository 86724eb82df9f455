import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { bodies, createHarness, insertSubscription, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const TERMINAL: Record<string, string> = { succeeded: 'job.succeeded', failed: 'job.failed', canceled: 'job.canceled' };

describe('scheduler lifecycle against the simulator', () => {
  it.each(BUILTIN_PROVIDERS)('%s: every upstream status becomes one event, in sequence, then polling stops', async (provider) => {
    const { jobId, expected } = h.addSimJob(provider, 'success', { metadata: { orderId: 42 } });
    await h.drive();
    const events = h.events(jobId);
    const payloads = bodies(events);
    expect(events.map((e) => e.sequence)).toEqual(expected.upstreamStatuses.map((_, i) => i + 1));
    expect(payloads.map((p) => p.data.upstreamStatus)).toEqual(expected.upstreamStatuses);
    expect(events[events.length - 1]!.type).toBe(TERMINAL[expected.finalState!]);
    expect(payloads.every((p, i) => p.type === events[i]!.type && p.data.id === jobId && p.data.sequence === i + 1)).toBe(true);
    expect(payloads[0]!.data.previousState).toBeNull();
    expect(payloads.at(-1)!.data.metadata).toEqual({ orderId: 42 });
    expect(payloads.at(-1)!.data.upstream).not.toBeNull();
    const job = h.job(jobId);
    expect(job.state).toBe(expected.finalState);
    expect(job.next_poll_at).toBeNull();
    expect(job.finished_at).not.toBeNull();
    expect(h.lease(jobId)).toBeNull();
    expect(job.last_sequence).toBe(events.length);
    const deliveries = h.db.prepare('SELECT COUNT(*) AS n FROM deliveries WHERE job_id = ?').get(jobId) as { n: number };
    expect(deliveries.n).toBe(events.length);
    expect(h.counters.deliveriesQueued).toBeGreaterThan(0);
    expect(h.counters.events).toBe(events.length);
    expect(h.counters.polls).toBe(h.job(jobId).poll_count);
    // The learned distribution got a sample.
    const stats = h.db.prepare('SELECT SUM(count) AS n FROM duration_stats WHERE provider = ?').get(provider) as { n: number };
    expect(stats.n).toBe(1);
  });

  it('A->B->A emits one event per change', async () => {
    const { jobId, expected } = h.addSimJob('fotolabs', 'aba');
    await h.drive();
    expect(bodies(h.events(jobId)).map((b) => b.data.upstreamStatus)).toEqual(expected.upstreamStatuses);
    expect(h.events(jobId).map((e) => e.type)).toEqual(['job.running', 'job.pending', 'job.running', 'job.succeeded']);
  });

  it.each([
    ['fotolabs', 'not_found', 'upstream_not_found'],
    ['topaz', 'not_found', 'upstream_not_found'],
    ['pictory', 'unauthorized', 'upstream_unauthorized'],
    ['magichour', 'payment_required', 'upstream_unauthorized'],
  ])('%s %s ends the job with %s', async (provider, scenario, code) => {
    const start = h.clock.now();
    const { jobId, simId } = h.addSimJob(provider, scenario);
    await h.drive();
    const events = bodies(h.events(jobId));
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('job.failed');
    expect(events[0]!.data.error.code).toBe(code);
    expect(events[0]!.data.upstreamStatus).toBeNull();
    const polls = h.sim.requests.filter((r) => r.id === simId);
    if (code === 'upstream_not_found') {
      expect(polls).toHaveLength(3);
      expect(polls[2]!.time - polls[0]!.time).toBeGreaterThanOrEqual(30_000);
      expect(h.clock.now() - start).toBeLessThan(40_000);
    } else {
      expect(polls).toHaveLength(2);
    }
    expect(h.job(jobId).next_poll_at).toBeNull();
  });

  it('a job with a bad key is rejected within seconds (first poll immediate)', async () => {
    const start = h.clock.now();
    const { jobId } = h.addSimJob('fotolabs', 'success', { apiKey: 'wrong' });
    await h.drive();
    expect(h.events(jobId)[0]!.type).toBe('job.failed');
    expect(h.clock.now() - start).toBeLessThanOrEqual(10_000);
  });

  it('progress events only when someone wants job.progress', async () => {
    const quiet = h.addSimJob('topaz', 'progress');
    const loud = h.addSimJob('topaz', 'progress', { events: ['job.progress', 'job.succeeded'] });
    await h.drive();
    const types = (id: string) => h.events(id).map((e) => e.type);
    expect(types(quiet.jobId).filter((t) => t === 'job.progress')).toHaveLength(0);
    expect(types(loud.jobId).filter((t) => t === 'job.progress').length).toBeGreaterThanOrEqual(3);
    const seqs = h.events(loud.jobId).map((e) => e.sequence);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('a tenant subscription listing job.progress also turns progress into events', async () => {
    insertSubscription(h.db, h.tenantId, ['job.progress'], h.clock.now());
    const { jobId } = h.addSimJob('aigenstudio', 'progress', { callbackUrl: null });
    await h.drive();
    expect(h.events(jobId).some((e) => e.type === 'job.progress')).toBe(true);
  });
});
