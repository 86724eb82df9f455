/**
 * Both engines share one thread, and a claim commits together with the outcomes recorded since
 * the last one. While the webhooks the scheduler queued are being sent it keeps those commits
 * short (batchSizeWhileDelivering); with none waiting it claims its full batch.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.ts';
import { DEFAULT_SCHEDULER_OPTIONS } from '../../src/scheduler/scheduler.ts';

const { batchSize, batchSizeWhileDelivering } = DEFAULT_SCHEDULER_OPTIONS;

let h: Harness | null = null;
afterEach(async () => {
  await h?.close();
  h = null;
});

// Room for every claim, and no per-credential budget (the simulator's jobs share a key): only
// the claim size limits how many are polled at once.
const roomy = { maxInFlight: 200, maxPerOrigin: 200, rateBudget: { initialRate: 1e6, maxRate: 1e6, burstSeconds: 1 } };

describe('claim size', () => {
  it('is the full batch when no webhook is waiting', async () => {
    h = await createHarness(roomy);
    for (let i = 0; i < 150; i++) h.addSimJob('fotolabs', 'success', { callbackUrl: null });
    await h.scheduler.runOnce();
    await h.scheduler.idle();
    expect(h.counters.deliveriesQueued).toBe(0);
    expect(batchSize).toBeGreaterThan(batchSizeWhileDelivering);
    expect(h.sim.requests).toHaveLength(batchSize);
  });

  it('is the smaller batch while webhooks it queued are being sent', async () => {
    h = await createHarness(roomy);
    for (let i = 0; i < 5; i++) h.addSimJob('fotolabs', 'success');
    await h.scheduler.runOnce();
    await h.scheduler.idle();
    expect(h.sim.requests).toHaveLength(5);
    expect(h.counters.deliveriesQueued).toBeGreaterThan(0);
    for (let i = 0; i < 150; i++) h.addSimJob('fotolabs', 'success', { callbackUrl: null });
    await h.scheduler.runOnce();
    await h.scheduler.idle();
    expect(h.sim.requests).toHaveLength(5 + batchSizeWhileDelivering);
  });
});
