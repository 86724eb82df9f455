import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, drain, type Harness } from './harness.ts';
import { appendEvent, delivery, deliveries, insertJob, insertSubscription } from './fixtures.ts';
import { startTestReceiver, type TestReceiver } from './receiver.ts';
import type { SubscriptionRow } from '../../src/store/rows.ts';

let h: Harness;
let receivers: TestReceiver[] = [];
afterEach(async () => {
  // Receivers first: closing the HTTP client waits for requests a receiver still holds.
  await Promise.all(receivers.map((r) => r.close()));
  await h.cleanup();
  receivers = [];
});

async function receiver(reply: (path: string) => number): Promise<TestReceiver> {
  const r = await startTestReceiver({
    secrets: [h.secret],
    nowSeconds: () => Math.floor(h.clock.now() / 1000),
    reply: (req) => ({ status: reply(req.path) }),
  });
  receivers.push(r);
  return r;
}

const subscription = (h: Harness, id: string) =>
  h.db.prepare<SubscriptionRow>('SELECT * FROM subscriptions WHERE id = ?').get(id)!;

describe('410 Gone', () => {
  it('disables a subscription and cancels its remaining deliveries; other targets go on', async () => {
    h = createHarness();
    const gone = await receiver(() => 410);
    const ok = await receiver(() => 204);
    const sub = insertSubscription(h.db, h.tenantId, gone.url, h.clock.now());
    const jobA = insertJob(h.db, h.tenantId, ok.url, h.clock.now());
    const jobB = insertJob(h.db, h.tenantId, ok.url, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: jobA, sequence: 1, callbackUrl: ok.url }, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: jobA, sequence: 2, callbackUrl: ok.url }, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: jobB, sequence: 1, callbackUrl: ok.url }, h.clock.now());

    // One delivery at a time, so the first 410 is seen before the others go out.
    const d = h.newDispatcher({ options: { retryScheduleMs: [5_000], timeoutMs: 2_000, userAgent: 'x', maxPerOrigin: 1, maxInFlight: 1 } });
    await drain(h, d);
    await d.stop(0);

    expect(gone.received).toHaveLength(1);
    const s = subscription(h, sub);
    expect(s).toMatchObject({ enabled: 0, disabled_at: h.clock.now() });
    expect(s.disabled_reason).toBe(`${gone.url} answered 410 Gone`);
    const toSub = deliveries(h.db).filter((x) => x.subscription_id === sub);
    expect(toSub.map((x) => x.status)).toEqual(['canceled', 'canceled', 'canceled']);
    const first = toSub.find((x) => x.attempt_count === 1)!;
    expect(first).toMatchObject({ last_status_code: 410, last_error: 'receiver answered 410 Gone' });
    for (const x of toSub.filter((x) => x.attempt_count === 0)) {
      expect(x.last_error).toBe(`canceled: ${gone.url} answered 410 Gone`);
      expect(x.next_attempt_at).toBeNull();
    }
    const toCallbacks = deliveries(h.db).filter((x) => x.target_key === 'callback');
    expect(toCallbacks.map((x) => x.status)).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it("stops a job's callback and cancels its remaining callback deliveries", async () => {
    h = createHarness();
    const gone = await receiver(() => 410);
    const ok = await receiver(() => 204);
    insertSubscription(h.db, h.tenantId, ok.url, h.clock.now());
    const job = insertJob(h.db, h.tenantId, gone.url, h.clock.now());
    for (const sequence of [1, 2, 3]) appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence, callbackUrl: gone.url }, h.clock.now());
    await drain(h);

    const row = h.db
      .prepare<{ callback_disabled_at: number | null; callback_disabled_reason: string | null }>(
        'SELECT callback_disabled_at, callback_disabled_reason FROM jobs WHERE id = ?',
      )
      .get(job)!;
    expect(row.callback_disabled_at).toBe(h.clock.now());
    expect(row.callback_disabled_reason).toBe(`${gone.url} answered 410 Gone`);
    // Sequence 2 and 3 were waiting behind 1 in the callback lane: canceled without an attempt.
    expect(gone.received).toHaveLength(1);
    const byTarget = (key: string) => deliveries(h.db).filter((x) => (key === 'callback' ? x.target_key === 'callback' : x.target_key !== 'callback'));
    expect(byTarget('callback').map((x) => [x.sequence, x.status, x.attempt_count])).toEqual([
      [1, 'canceled', 1],
      [2, 'canceled', 0],
      [3, 'canceled', 0],
    ]);
    expect(byTarget('sub').map((x) => x.status)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(ok.received.map((r) => r.payload.data.sequence)).toEqual([1, 2, 3]);
  });
});

describe('a subscription failing for 5 days', () => {
  const DAY = 86_400_000;

  it('tracks failing_since from the first dead delivery, clears it on a success, and disables after 5 days', async () => {
    // The circuit would defer this one failing endpoint; this test is about the subscription rule.
    h = createHarness({ options: { retryScheduleMs: [1_000], circuit: { failureThreshold: 1_000 } } });
    let healthy = false;
    const r = await receiver(() => (healthy ? 200 : 500));
    const sub = insertSubscription(h.db, h.tenantId, r.url, h.clock.now());
    let sequence = 0;
    /** A new job's event, delivered to the subscription until it is delivered or dead. */
    const deliverOne = async () => {
      const job = insertJob(h.db, h.tenantId, null, h.clock.now());
      appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: ++sequence, callbackUrl: null }, h.clock.now());
      await drain(h);
      h.clock.advance(1_000);
      await drain(h);
      return deliveries(h.db).find((x) => x.job_id === job)!;
    };

    const t0 = h.clock.now();
    expect((await deliverOne()).status).toBe('dead');
    expect(subscription(h, sub)).toMatchObject({ enabled: 1, failing_since: t0 + 1_000 });

    h.clock.advance(2 * DAY);
    healthy = true;
    expect((await deliverOne()).status).toBe('delivered');
    expect(subscription(h, sub).failing_since).toBeNull();

    healthy = false;
    h.clock.advance(DAY);
    const failingFrom = h.clock.now() + 1_000;
    expect((await deliverOne()).status).toBe('dead');
    h.clock.advance(4 * DAY);
    expect((await deliverOne()).status).toBe('dead');
    expect(subscription(h, sub)).toMatchObject({ enabled: 1, failing_since: failingFrom });

    // The death that disables it: sequence 2 of that job, waiting behind it, is canceled.
    h.clock.advance(DAY);
    const job = insertJob(h.db, h.tenantId, null, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: null }, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 2, callbackUrl: null }, h.clock.now());
    await drain(h);
    h.clock.advance(1_000);
    await drain(h);
    const s = subscription(h, sub);
    expect(s.enabled).toBe(0);
    expect(s.disabled_at).toBe(h.clock.now());
    expect(s.disabled_reason).toMatch(/^disabled after 5 days of failing deliveries: every delivery since .* died$/);
    const lane = deliveries(h.db).filter((x) => x.job_id === job);
    expect(lane.map((x) => [x.sequence, x.status, x.attempt_count])).toEqual([
      [1, 'dead', 2],
      [2, 'canceled', 0],
    ]);
    expect(lane[1]!.last_error).toBe(`canceled: ${s.disabled_reason}`);
    expect(r.received.every((x) => x.verifiedBy.length === 1)).toBe(true);
  });
});
