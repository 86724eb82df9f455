import { afterEach, describe, expect, it } from 'vitest';
import { setImmediate as tick } from 'node:timers/promises';
import { createHarness, drain, type Harness } from './harness.ts';
import { appendEvent, attempts, deliveries, insertJob, insertTenant } from './fixtures.ts';
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

async function receiver(reply: Parameters<typeof startTestReceiver>[0]['reply'], secrets = [h.secret]): Promise<TestReceiver> {
  const r = await startTestReceiver({ secrets, nowSeconds: () => Math.floor(h.clock.now() / 1000), reply });
  receivers.push(r);
  return r;
}

/** `count` jobs (of the harness's tenant, or `tenantId`) with one event each to `url`; returns their job ids. */
function queue(url: string, count: number, tenantId = h.tenantId): string[] {
  return Array.from({ length: count }, () => {
    const job = insertJob(h.db, tenantId, url, h.clock.now());
    appendEvent(h.db, { tenantId, jobId: job, sequence: 1, callbackUrl: url }, h.clock.now());
    return job;
  });
}

const statusOf = (jobs: string[]) => deliveries(h.db).filter((d) => jobs.includes(d.job_id));

/** Runs the dispatcher until `done` holds (bounded). */
async function until(done: () => boolean, message: string): Promise<void> {
  await waitFor(
    async () => {
      await h.dispatcher.runOnce();
      await tick();
      return done();
    },
    { timeoutMs: 10_000, intervalMs: 1, message },
  );
}

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
    // One request is stuck at the hanging receiver, none finished: an endpoint that has not
    // answered yet gets one send at a time, its other deliveries wait for that answer.
    expect(hanging.received).toHaveLength(1);
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

  it('a hanging endpoint does not hold back a healthy one on the same host: it keeps only a bounded share of the slots', async () => {
    h = createHarness({ options: { timeoutMs: 15_000, maxInFlight: 16, maxPerOrigin: 4, maxLimitedPerOrigin: 1 } });
    const host = await receiver((req) => (req.path.includes('/hang') ? 'hang' : { status: 204 }));
    // Four hanging endpoints with two jobs each; nobody knew they hang.
    const hangJobs = Array.from({ length: 4 }, (_, i) => queue(`${host.url}/hang/${i}`, 2)).flat();
    h.clock.advance(1);
    const okJobs = queue(`${host.url}/ok`, 10);
    const okDelivered = () => statusOf(okJobs).every((d) => d.status === 'delivered');

    // The hanging endpoints were not known to hang: their first sends took all 4 of the host's
    // slots (one each: an endpoint that has not answered yet gets one send at a time).
    await until(() => host.received.length >= 4, 'the first sends to the hanging endpoints');
    expect(host.received.every((r) => r.path.includes('/hang'))).toBe(true);
    // Once they have been out for a second, they are slow: beyond their share (1), they do not
    // count against the host's cap, and the healthy endpoint's deliveries go out.
    h.clock.advance(1_001);
    await until(okDelivered, 'the healthy endpoint on the same host to get everything');
    const okHits = host.received.filter((r) => r.path.endsWith('/ok'));
    expect(okHits).toHaveLength(10);
    expect(okHits.every((r) => r.verifiedBy.length === 1)).toBe(true);
    // Nothing more went to the hanging endpoints, and what waited went back unattempted.
    expect(host.received.filter((r) => r.path.includes('/hang'))).toHaveLength(4);
    await h.dispatcher.runOnce(); // commits the hand-backs
    const notSent = statusOf(hangJobs).filter((d) => d.lease_token === null);
    expect(notSent).toHaveLength(4);
    // Due again after a pause of their own; the hanging sends are still out.
    for (const d of notSent) expect(d).toMatchObject({ status: 'pending', attempt_count: 0, next_attempt_at: h.clock.now() + 1_000 });
    await h.dispatcher.stop(0);
  });

  it('opens a circuit per endpoint after repeated failures: deferred without attempts, probed later, closed on success; other endpoints on the host are not affected', async () => {
    h = createHarness({
      options: { maxInFlight: 1, retryScheduleMs: [600_000], circuit: { failureThreshold: 3, openMs: 10_000, maxOpenMs: 60_000 } },
    });
    const other = insertTenant(h.db, h.box, h.clock.now());
    let up = false;
    // One host: tenant A's /flaky fails until `up`; the same URL for tenant B, and /ok, answer 200.
    const host = await receiver(
      (req) => ({ status: !up && req.path.endsWith('/flaky') && req.verifiedBy.includes(0) ? 500 : 200 }),
      [h.secret, other.secret],
    );
    const flakyUrl = `${host.url}/flaky`;
    const flaky = () => host.received.filter((r) => r.path.endsWith('/flaky') && r.verifiedBy.includes(0));
    const flakyJobs = queue(flakyUrl, 6);
    const start = h.clock.now();

    await drain(h);
    expect(flaky()).toHaveLength(3);
    const deferred = statusOf(flakyJobs).filter((d) => d.attempt_count === 0);
    expect(deferred).toHaveLength(3);
    for (const d of deferred) expect(d).toMatchObject({ status: 'pending', attempt_count: 0, next_attempt_at: start + 10_000, lease_token: null });
    for (const d of deferred) expect(attempts(h.db, d.id)).toHaveLength(0);

    // While its circuit is open, the same host's other endpoints are not affected: another URL
    // of the same tenant, and the very same URL of another tenant.
    const otherJobs = [...queue(`${host.url}/ok`, 2), ...queue(flakyUrl, 2, other.tenantId)];
    await drain(h);
    expect(statusOf(otherJobs).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);

    // Half-open: one probe, from this endpoint's own deliveries; it fails, so the circuit opens
    // again for twice as long.
    h.clock.advance(10_000);
    await drain(h);
    expect(flaky()).toHaveLength(4);
    const reopenedUntil = h.clock.now() + 20_000;
    expect(statusOf(flakyJobs).filter((d) => d.attempt_count === 0).every((d) => d.next_attempt_at === reopenedUntil)).toBe(true);

    up = true;
    h.clock.advance(20_000);
    await drain(h);
    expect(statusOf(flakyJobs).map((d) => d.status).sort()).toEqual(['delivered', 'delivered', 'failed', 'failed', 'failed', 'failed']);
    expect(flaky()).toHaveLength(6);
    // The four that failed before retry on their own schedule.
    h.clock.advance(600_000);
    await drain(h);
    expect(statusOf(flakyJobs).every((d) => d.status === 'delivered')).toBe(true);
    expect(host.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
  });
});
