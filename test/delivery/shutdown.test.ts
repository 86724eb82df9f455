import { afterEach, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createHarness, type Harness } from './harness.ts';
import { appendEvent, attempts, deliveries, insertJob, insertTenant } from './fixtures.ts';
import { startTestReceiver, type TestReceiver } from './receiver.ts';
import { tempDb, type TempDb } from '../helpers/db.ts';
import { waitFor } from '../helpers/wait.ts';
import { ROOT } from '../helpers/cli.ts';
import { createSecretBox } from '../../src/security/secretBox.ts';

let h: Harness | null = null;
let t: TempDb | null = null;
let receivers: TestReceiver[] = [];
const children: ChildProcess[] = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await Promise.all(receivers.map((r) => r.close()));
  receivers = [];
  await h?.cleanup();
  t?.cleanup();
  h = null;
  t = null;
});

describe('graceful stop', () => {
  it('lets sends finish within the grace period, releases the rest, and claims nothing more', async () => {
    h = createHarness({ options: { timeoutMs: 15_000 } });
    const harness = h;
    let releaseFast: () => void = () => {};
    const fastGate = new Promise<void>((r) => (releaseFast = r));
    let slowUp = false;
    const fast = await startTestReceiver({ secrets: [h.secret], reply: async () => (await fastGate, { status: 200 }) });
    const slow = await startTestReceiver({ secrets: [h.secret], reply: () => (slowUp ? { status: 200 } : 'hang') });
    receivers.push(fast, slow);
    // One endpoint per job: an endpoint that has not answered yet gets one send at a time.
    const queue = (url: string, n: number) =>
      Array.from({ length: n }, (_, i) => {
        const job = insertJob(harness.db, harness.tenantId, `${url}/${i}`, harness.clock.now());
        appendEvent(harness.db, { tenantId: harness.tenantId, jobId: job, sequence: 1, callbackUrl: `${url}/${i}` }, harness.clock.now());
        return job;
      });
    const fastJobs = queue(fast.url, 3);
    const slowJobs = queue(slow.url, 3);

    await h.dispatcher.runOnce();
    await waitFor(() => fast.received.length === 3 && slow.received.length === 3, { message: 'all six requests in flight' });
    expect(h.dispatcher.inFlight).toBe(6);

    const stopped = h.dispatcher.stop(300);
    releaseFast();
    await stopped;

    const rows = deliveries(h.db);
    const of = (jobs: string[]) => rows.filter((d) => jobs.includes(d.job_id));
    expect(of(fastJobs).map((d) => d.status)).toEqual(['delivered', 'delivered', 'delivered']);
    for (const d of of(slowJobs)) {
      expect(d).toMatchObject({ status: 'pending', attempt_count: 0, lease_token: null, next_attempt_at: h.clock.now() });
      expect(attempts(h.db, d.id)).toHaveLength(0);
    }
    expect(h.dispatcher.inFlight).toBe(0);
    // Stopped: nothing is claimed any more.
    appendEvent(h.db, { tenantId: h.tenantId, jobId: fastJobs[0]!, sequence: 2, callbackUrl: fast.url }, h.clock.now());
    expect(await h.dispatcher.runOnce()).toEqual({ nextDueAt: null, more: false });
    expect(fast.received).toHaveLength(3);

    // A restart delivers what was released, under the same webhook-ids.
    slowUp = true;
    const restarted = h.newDispatcher();
    await restarted.runOnce();
    await restarted.idle();
    await restarted.stop(0);
    expect(of(slowJobs).map((d) => d.id).sort()).toEqual(
      [...new Set(slow.received.map((r) => r.webhookId))].sort(),
    );
    expect(deliveries(h.db).every((d) => d.status === 'delivered')).toBe(true);
    expect(slow.received).toHaveLength(6);
    expect([...fast.received, ...slow.received].every((r) => r.verifiedBy.length === 1)).toBe(true);
  });
});

describe('crash (SIGKILL) and restart', () => {
  it('delivers everything; the only duplicates are the deliveries in flight at the kill, with the same webhook-id', async () => {
    t = tempDb();
    const masterKey = randomBytes(32);
    const box = createSecretBox(masterKey);
    const { tenantId, secret } = insertTenant(t.db, box, Date.now());
    const receiver = await startTestReceiver({
      secrets: [secret],
      // Slow enough that a few dozen deliveries are in flight at any moment.
      reply: () => new Promise((r) => setTimeout(() => r({ status: 204 }), 40)),
    });
    receivers.push(receiver);
    const JOBS = 150;
    for (let i = 0; i < JOBS; i++) {
      const job = insertJob(t.db, tenantId, receiver.url, Date.now());
      for (const sequence of [1, 2]) appendEvent(t.db, { tenantId, jobId: job, sequence, callbackUrl: receiver.url }, Date.now());
    }
    const total = deliveries(t.db).length;
    expect(total).toBe(2 * JOBS);

    const startWorker = () => {
      const child = spawn(process.execPath, [join(ROOT, 'bin/run-ts.js'), join(ROOT, 'test/delivery/fixtures/deliveryWorker.ts')], {
        cwd: ROOT,
        env: { ...process.env, DELIVERY_DB_PATH: t!.path, DELIVERY_MASTER_KEY: masterKey.toString('base64') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout!.on('data', (d) => (output += d));
      child.stderr!.on('data', (d) => (output += d));
      children.push(child);
      const exited = new Promise<void>((r) => child.on('exit', () => r()));
      return { child, exited, output: () => output };
    };

    const first = startWorker();
    await waitFor(() => receiver.received.length >= 80, { message: `80 deliveries received; worker said: ${first.output()}` });
    first.child.kill('SIGKILL');
    await first.exited;
    // Every request whose headers reached the receiver before its connections closed counts.
    await waitFor(() => receiver.openConnections() === 0, { message: "the killed worker's connections to close" });
    const receivedBeforeKill = new Set(receiver.arrivals);
    const committed = new Map(deliveries(t.db).map((d) => [d.id, d.status]));
    // Sent but not committed when the worker died: the only ones allowed to arrive twice.
    const inFlightAtKill = new Set([...receivedBeforeKill].filter((id) => committed.get(id) !== 'delivered'));
    expect(committed.size).toBe(total);
    expect(inFlightAtKill.size).toBeGreaterThan(0);
    expect([...committed.values()].filter((s) => s === 'delivered').length).toBeLessThan(total);

    const second = startWorker();
    await waitFor(() => deliveries(t!.db).every((d) => d.status === 'delivered'), {
      timeoutMs: 20_000,
      message: `every delivery delivered; worker said: ${second.output()}`,
    });
    second.child.kill('SIGKILL');
    await second.exited;

    const counts = new Map<string, number>();
    for (const id of receiver.arrivals) counts.set(id, (counts.get(id) ?? 0) + 1);
    const rows = deliveries(t.db);
    for (const d of rows) expect(counts.get(d.id), d.id).toBeGreaterThanOrEqual(1);
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    for (const id of duplicates) expect(inFlightAtKill.has(id), `${id} arrived twice`).toBe(true);
    // And each of those was indeed sent again: its first copy's answer was never recorded.
    expect(duplicates.sort()).toEqual([...inFlightAtKill].sort());
    for (const id of duplicates) expect(new Set(receiver.received.filter((r) => r.webhookId === id).map((r) => r.body)).size).toBe(1);
    expect(receiver.received.every((r) => r.verifiedBy.length === 1)).toBe(true);

    // Per job, sequence 2 never arrived before the last copy of sequence 1.
    const byJob = new Map<string, number[]>();
    for (const r of receiver.received) byJob.set(r.payload.data.id, [...(byJob.get(r.payload.data.id) ?? []), r.payload.data.sequence]);
    for (const [job, seqs] of byJob) expect(seqs.lastIndexOf(1) < seqs.indexOf(2), `${job}: ${seqs}`).toBe(true);
  });
});
