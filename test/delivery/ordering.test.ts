import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, drain, type Harness } from './harness.ts';
import { appendEvent, deliveries, insertJob } from './fixtures.ts';
import { startTestReceiver, type TestReceiver } from './receiver.ts';
import { recoverDeliveries, requeueDelivery } from '../../src/store/queries/requeueDeliveries.ts';

let h: Harness;
let receiver: TestReceiver;
afterEach(async () => {
  // The receiver first: closing the HTTP client waits for requests a receiver still holds.
  await receiver.close();
  await h.cleanup();
});

/** A receiver that answers `status(sequence, nth request for that sequence)`. */
async function start(status: (sequence: number, nth: number) => number, schedule = [1_000, 1_000]) {
  h = createHarness({ options: { retryScheduleMs: schedule, circuit: { failureThreshold: 1_000 } } });
  const seen = new Map<string, number>();
  receiver = await startTestReceiver({
    secrets: [h.secret],
    nowSeconds: () => Math.floor(h.clock.now() / 1000),
    reply: (r) => {
      const key = `${r.payload.data.id}/${r.payload.data.sequence}`;
      const nth = seen.get(key) ?? 0;
      seen.set(key, nth + 1);
      return { status: status(r.payload.data.sequence, nth) };
    },
  });
}

const sequences = () => receiver.received.map((r) => r.payload.data.sequence as number);
const lane = (jobId: string) => deliveries(h.db).filter((d) => d.job_id === jobId).map((d) => [d.sequence, d.status]);

describe('per-job ordering', () => {
  it('a later event waits while an earlier one to the same target is retried', async () => {
    await start((seq, nth) => (seq === 1 && nth < 2 ? 500 : 200));
    const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
    for (const sequence of [1, 2, 3]) appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence, callbackUrl: receiver.url }, h.clock.now());
    // Another job's lane is independent of this one.
    const other = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: other, sequence: 7, callbackUrl: receiver.url }, h.clock.now());

    await drain(h);
    expect(lane(job)).toEqual([[1, 'failed'], [2, 'pending'], [3, 'pending']]);
    expect(deliveries(h.db).filter((d) => d.sequence === 2)[0]!.next_attempt_at).toBeNull();
    expect(lane(other)).toEqual([[7, 'delivered']]);
    h.clock.advance(1_000);
    await drain(h);
    expect(lane(job)).toEqual([[1, 'failed'], [2, 'pending'], [3, 'pending']]);
    h.clock.advance(1_000);
    await drain(h);

    expect(lane(job)).toEqual([[1, 'delivered'], [2, 'delivered'], [3, 'delivered']]);
    expect(sequences().filter((s) => s !== 7)).toEqual([1, 1, 1, 2, 3]);
    expect(receiver.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
  });

  it('a dead delivery releases the ones behind it', async () => {
    await start((seq) => (seq === 1 ? 500 : 200), [1_000]);
    const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
    for (const sequence of [1, 2]) appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence, callbackUrl: receiver.url }, h.clock.now());
    await drain(h);
    h.clock.advance(1_000);
    await drain(h);
    expect(lane(job)).toEqual([[1, 'dead'], [2, 'delivered']]);
    expect(sequences()).toEqual([1, 1, 2]);
  });

  it('a replayed delivery takes its place back: a later one still being retried waits for it', async () => {
    let healthy = false;
    await start(() => (healthy ? 200 : 500));
    const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
    for (const sequence of [1, 2]) appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence, callbackUrl: receiver.url }, h.clock.now());
    for (let i = 0; i < 3; i++) {
      await drain(h);
      h.clock.advance(1_000);
    }
    expect(lane(job)).toEqual([[1, 'dead'], [2, 'failed']]);
    const [first, second] = deliveries(h.db).filter((d) => d.job_id === job);

    healthy = true;
    expect(requeueDelivery(h.db, h.tenantId, first!.id, h.clock.now())).toBe('queued');
    expect(deliveries(h.db).find((d) => d.id === second!.id)!.next_attempt_at).toBeNull();
    const before = receiver.received.length;
    await drain(h);
    expect(lane(job)).toEqual([[1, 'delivered'], [2, 'delivered']]);
    expect(receiver.received.slice(before).map((r) => [r.webhookId, r.payload.data.sequence])).toEqual([
      [first!.id, 1],
      [second!.id, 2],
    ]);
  });

  it('recoverDeliveries queues every dead delivery again', async () => {
    let healthy = false;
    await start(() => (healthy ? 200 : 500), [1_000]);
    const since = h.clock.now();
    for (let i = 0; i < 3; i++) {
      const job = insertJob(h.db, h.tenantId, receiver.url, h.clock.now());
      appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: receiver.url }, h.clock.now());
    }
    await drain(h);
    h.clock.advance(1_000);
    await drain(h);
    expect(deliveries(h.db).map((d) => d.status)).toEqual(['dead', 'dead', 'dead']);
    healthy = true;
    expect(recoverDeliveries(h.db, h.tenantId, { since }, h.clock.now())).toBe(3);
    await drain(h);
    expect(deliveries(h.db).map((d) => [d.status, d.attempt_count])).toEqual([
      ['delivered', 3],
      ['delivered', 3],
      ['delivered', 3],
    ]);
  });
});
