/**
 * Polls keep flowing: a full claim returns once there is room for the next one (so that claim
 * refills the queue of claimed jobs waiting for a slot), and each outcome is recorded when it
 * arrives, not when the whole claim has.
 * stepWaitMs is a minute here, so a step that waited for its slowest poll would time the test out.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHarness, insertJob, type Harness } from './harness.ts';
import { waitFor } from '../helpers/wait.ts';

let hung: ServerResponse[];
let arrived: Promise<void>;
let slow: Server;
let port: number;
let h: Harness;

beforeEach(async () => {
  hung = [];
  let release: () => void = () => {};
  arrived = new Promise<void>((r) => (release = r));
  slow = createServer((_req, res) => {
    hung.push(res);
    release();
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
  port = (slow.address() as AddressInfo).port;
});

afterEach(async () => {
  for (const res of hung) res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"done"}');
  await h.close();
  slow.closeAllConnections();
  await new Promise((r) => slow.close(() => r(null)));
});

const addHungJob = () =>
  insertJob(h.db, h.box, h.tenantId, {
    provider: 'http',
    externalId: 'x1',
    httpSpec: { url: `http://127.0.0.1:${port}/jobs/{externalId}`, statusPath: '/status', states: { succeeded: ['done'] } },
  }, h.clock.now());

describe('poll flow', () => {
  it('an outcome is recorded as it arrives, while another poll of the same claim is still out', async () => {
    h = await createHarness({ stepWaitMs: 60_000 });
    const hungJob = addHungJob();
    const fast = h.addSimJob('magichour', 'slow');
    const step = h.scheduler.runOnce();
    await arrived;
    await waitFor(() => h.job(fast.jobId).poll_count === 1, { message: 'the fast poll recorded' });
    expect(h.lease(fast.jobId)).toBeNull();
    expect(h.lease(hungJob)).not.toBeNull();
    for (const res of hung.splice(0)) res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"done"}');
    await step;
    expect(h.job(hungJob).state).toBe('succeeded');
  });

  it('a full claim returns once a poll finished, leaving the slow poll in flight', async () => {
    // Two slots, so up to four more claimed jobs may wait for one (claim-ahead); a batch of
    // three makes this claim full: it starts two and queues the third.
    h = await createHarness({ stepWaitMs: 60_000, maxInFlight: 2, batchSize: 3 });
    const hungJob = addHungJob();
    const fast = [h.addSimJob('magichour', 'slow'), h.addSimJob('magichour', 'slow')];
    const first = await h.scheduler.runOnce();
    expect(first.more).toBe(true);
    await arrived;
    expect(h.lease(hungJob)).not.toBeNull();
    // The first fast poll finished: its slot went to the queued job, now polled alongside the
    // slow one. The next step records the first outcome with its (empty) claim; the second is
    // recorded a little later, by the next claim or the record timer.
    await h.scheduler.runOnce();
    expect(h.job(fast[0]!.jobId).poll_count).toBe(1);
    await waitFor(() => h.job(fast[1]!.jobId).poll_count === 1, { message: 'the second fast poll recorded' });
    expect(h.job(hungJob).poll_count).toBe(0);
  });

  it('a claimed job whose origin is at its cap is handed back, not queued, while other slots are free', async () => {
    h = await createHarness({ maxInFlight: 4, maxPerOrigin: 1 });
    const [a, b] = [h.addSimJob('magichour', 'slow'), h.addSimJob('magichour', 'slow')];
    await h.scheduler.runOnce();
    await h.scheduler.idle();
    const polled = [a!, b!].map((j) => h.job(j.jobId).poll_count).sort();
    expect(polled).toEqual([0, 1]);
    for (const j of [a!, b!]) expect(h.lease(j.jobId)).toBeNull();
  });
});
