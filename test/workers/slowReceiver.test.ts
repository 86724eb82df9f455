/**
 * A receiver that answers in seconds, under the Workers engine settings: the dispatcher with the
 * shard's limits, sending through the Workers fetch client (6 requests at once, the rest
 * queued) on a manual clock. Its webhooks keep going out a few at a time, not one by one, and
 * healthy receivers on other hosts still get theirs at once, even with slow receivers on
 * several hosts. Slow receivers here hold every request until the test ends.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { setImmediate as tick } from 'node:timers/promises';
import { createHarness, type Harness } from '../delivery/harness.ts';
import { appendEvent, deliveries, insertJob } from '../delivery/fixtures.ts';
import { startTestReceiver, type TestReceiver } from '../delivery/receiver.ts';
import { waitFor } from '../helpers/wait.ts';
import { createFetchHttpClient, WORKERS_CONNECTIONS } from '../../src/runtime/workers/fetchClient.ts';
import { WORKERS_DISPATCHER_LIMITS } from '../../src/runtime/workers/limits.ts';
import { SLOW_AFTER_MS } from '../../src/delivery/endpoints.ts';

let h: Harness;
let receivers: TestReceiver[] = [];
afterEach(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await h.cleanup();
  receivers = [];
});

function workersHarness(): Harness {
  const http = createFetchHttpClient({ ssrf: { allowPrivate: true, allowHttp: true }, maxConcurrent: WORKERS_CONNECTIONS });
  return createHarness({ http, options: { timeoutMs: 15_000, ...WORKERS_DISPATCHER_LIMITS } });
}

async function receiver(reply: 'hang' | 204): Promise<TestReceiver> {
  const r = await startTestReceiver({
    secrets: [h.secret],
    nowSeconds: () => Math.floor(h.clock.now() / 1000),
    reply: () => (reply === 'hang' ? 'hang' : { status: 204 }),
  });
  receivers.push(r);
  return r;
}

/** `count` jobs with one event each to `url` (one endpoint: the same tenant and URL); their job ids. */
function queue(url: string, count: number): string[] {
  return Array.from({ length: count }, () => {
    const job = insertJob(h.db, h.tenantId, url, h.clock.now());
    appendEvent(h.db, { tenantId: h.tenantId, jobId: job, sequence: 1, callbackUrl: url }, h.clock.now());
    return job;
  });
}

const delivered = (jobs: string[]) => deliveries(h.db).filter((d) => jobs.includes(d.job_id) && d.status === 'delivered').length;

/** Runs the dispatcher's steps until `done` holds; the manual clock does not move meanwhile. */
async function until(done: () => boolean, message: string): Promise<void> {
  await waitFor(
    async () => {
      await h.dispatcher.runOnce();
      await tick();
      return done();
    },
    { timeoutMs: 5_000, intervalMs: 1, message },
  );
}

/** A few more steps, for a send the engine should not start to show up if it does. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await h.dispatcher.runOnce();
    await tick();
  }
}

describe('a slow receiver on Workers', () => {
  it('gets 3 webhooks at once (half the shard connections), and a healthy host is served meanwhile', async () => {
    h = workersHarness();
    const slow = await receiver('hang');
    const healthy = await receiver(204);
    queue(slow.url, 10);

    // Not known yet: one send, its other deliveries wait for its answer.
    await until(() => slow.received.length === 1, 'the first send to the slow receiver');
    await settle();
    expect(slow.received).toHaveLength(1);
    // Out for over a second with no answer: slow. It gets the limited share, 3 at once.
    h.clock.advance(SLOW_AFTER_MS + 1);
    await until(() => slow.received.length >= 3, 'three webhooks out at the slow receiver');
    await settle();
    expect(slow.received).toHaveLength(3);

    // A healthy receiver on another host gets everything while those three are still out,
    // with no time passing: nothing of it waits for the slow receiver.
    const okJobs = queue(healthy.url, 12);
    await until(() => delivered(okJobs) === 12, 'the healthy receiver to get everything');
    expect(healthy.received).toHaveLength(12);
    expect(healthy.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
    expect(slow.received).toHaveLength(3);
    expect(slow.hanging).toHaveLength(3);
  });

  it('slow receivers on two hosts hold 3 of the 6 connections together, so a third host is still served', async () => {
    h = workersHarness();
    const slowA = await receiver('hang');
    const slowB = await receiver('hang');
    const healthy = await receiver(204);
    queue(slowA.url, 10);
    queue(slowB.url, 10);
    const slowOut = () => slowA.received.length + slowB.received.length;

    await until(() => slowA.received.length === 1 && slowB.received.length === 1, 'the first send to each slow receiver');
    h.clock.advance(SLOW_AFTER_MS + 1);
    await until(() => slowOut() >= 3, 'three webhooks out at the slow receivers');
    await settle();
    // Each alone could hold 3; together they hold no more than 3 of the shard's 6 connections.
    expect(slowOut()).toBe(3);

    const okJobs = queue(healthy.url, 12);
    await until(() => delivered(okJobs) === 12, 'the healthy receiver to get everything');
    expect(healthy.received).toHaveLength(12);
    expect(slowOut()).toBe(3);
  });
});
