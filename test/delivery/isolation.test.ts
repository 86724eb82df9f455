import { afterEach, describe, expect, it } from 'vitest';
import { setImmediate as tick } from 'node:timers/promises';
import { createHarness, drain, type Harness } from './harness.ts';
import { appendEvent, attempts, deliveries, insertJob } from './fixtures.ts';
import { startTestReceiver, type TestReceiver } from './receiver.ts';
import { waitFor } from '../helpers/wait.ts';

let h: Harness;
let receivers: TestReceiver[] = [];
afterEach(async () => {
  // Receivers first: closing the HTTP client waits for requests a receiver still holds.
  await Promise.all(receivers.map((r) => r.close()));
  await h.cleanup();
  receivers = [];
});

async function receiver(reply: Parameters<typeof startTestReceiver>[0]['reply']): Promise<TestReceiver> {
  const r = await startTestReceiver({ secrets: [h.secret], nowSeconds: () => Math.floor(h.clock.now() / 1000), reply });
  receivers.push(r);
  return r;
}

/** `count` jobs with one event each to `url`; returns their job ids. */
function queue(url: string, count: number): string[] {
  return Array.from({ length: count }, () => {
    const job = insertJob(h.db, h.tenantId, url, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: url }, h.clock.now());
    return job;
  });
}

const statusOf = (jobs: string[]) => deliveries(h.db).filter((d) => jobs.includes(d.job_id));

describe('isolation between receivers', () => {
  it('a hanging receiver does not delay a healthy one', async () => {
    h = createHarness({ options: { timeoutMs: 15_000, maxInFlight: 8, maxPerOrigin: 2 } });
    const hanging = await receiver(() => 'hang');
    const healthy = await receiver(() => ({ status: 204 }));
    // The hanging receiver's deliveries are due first, so they are claimed first.
    const slowJobs = queue(hanging.url, 10);
    h.clock.advance(1);
    const fastJobs = queue(healthy.url, 10);

    await waitFor(
      async () => {
        await h.dispatcher.runOnce();
        await tick();
        return statusOf(fastJobs).every((d) => d.status === 'delivered');
      },
      { timeoutMs: 10_000, intervalMs: 1, message: 'the healthy receiver to get everything' },
    );

    expect(healthy.received).toHaveLength(10);
    expect(healthy.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
    // Only as many requests as the per-origin cap are stuck at the hanging receiver, none finished.
    expect(hanging.received).toHaveLength(2);
    expect(statusOf(slowJobs).every((d) => d.status === 'pending' && d.attempt_count === 0)).toBe(true);

    // Shutting down gives the stuck ones back without recording an attempt.
    await h.dispatcher.stop(0);
    const now = h.clock.now();
    for (const d of statusOf(slowJobs)) {
      expect(d.lease_token).toBeNull();
      expect(d.attempt_count).toBe(0);
      expect(d.next_attempt_at).toBeLessThanOrEqual(now + 1_000);
    }
  });

  it('opens a circuit after repeated failures: deferred without attempts, probed later, closed on success', async () => {
    h = createHarness({
      options: { maxInFlight: 1, retryScheduleMs: [600_000], circuit: { failureThreshold: 3, openMs: 10_000, maxOpenMs: 60_000 } },
    });
    let up = false;
    const flaky = await receiver(() => ({ status: up ? 200 : 500 }));
    const other = await receiver(() => ({ status: 200 }));
    const flakyJobs = queue(flaky.url, 6);
    const start = h.clock.now();

    await drain(h);
    expect(flaky.received).toHaveLength(3);
    const deferred = statusOf(flakyJobs).filter((d) => d.attempt_count === 0);
    expect(deferred).toHaveLength(3);
    for (const d of deferred) expect(d).toMatchObject({ status: 'pending', attempt_count: 0, next_attempt_at: start + 10_000, lease_token: null });
    for (const d of deferred) expect(attempts(h.db, d.id)).toHaveLength(0);

    // Another origin is not affected while this one's circuit is open.
    const otherJobs = queue(other.url, 2);
    await drain(h);
    expect(statusOf(otherJobs).map((d) => d.status)).toEqual(['delivered', 'delivered']);

    // Half-open: one probe; it fails, so the circuit opens again for twice as long.
    h.clock.advance(10_000);
    await drain(h);
    expect(flaky.received).toHaveLength(4);
    const reopenedUntil = h.clock.now() + 20_000;
    expect(statusOf(flakyJobs).filter((d) => d.attempt_count === 0).every((d) => d.next_attempt_at === reopenedUntil)).toBe(true);

    up = true;
    h.clock.advance(20_000);
    await drain(h);
    expect(statusOf(flakyJobs).map((d) => d.status).sort()).toEqual(['delivered', 'delivered', 'failed', 'failed', 'failed', 'failed']);
    expect(flaky.received).toHaveLength(6);
    // The four that failed before retry on their own schedule.
    h.clock.advance(600_000);
    await drain(h);
    expect(statusOf(flakyJobs).every((d) => d.status === 'delivered')).toBe(true);
    expect(flaky.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
  });
});
