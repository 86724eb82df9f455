import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bodies, createHarness, insertJob, type Harness } from './harness.ts';
import { waitFor } from '../helpers/wait.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const statusesOf = (jobId: string) => bodies(h.events(jobId)).map((b) => b.data.upstreamStatus);

describe('upstream faults', () => {
  it('429 with Retry-After: the next request waits for it, no spurious events', async () => {
    const { jobId, simId, expected } = h.addSimJob('magichour', 'rate_limited', { pollIntervalMs: 250 });
    await h.drive();
    const times = h.sim.requests.filter((r) => r.id === simId).map((r) => r.time);
    // The first three answers were 429 with Retry-After: 1.
    for (let i = 1; i <= 3; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(1_000);
    expect(statusesOf(jobId)).toEqual(expected.upstreamStatuses);
    const job = h.job(jobId);
    expect(job.failure_count).toBe(3);
    expect(job.consecutive_failures).toBe(0);
    expect(JSON.parse(job.last_failure!).kind).toBe('rate_limited');
  });

  it.each([
    ['flaky', 'pictory'],
    ['malformed', 'aigenstudio'],
    ['flaky', 'topaz'],
    ['malformed', 'fotolabs'],
  ])('%s bursts on %s: backoff, counted, no spurious events', async (scenario, provider) => {
    const { jobId, simId, expected } = h.addSimJob(provider, scenario);
    await h.drive();
    expect(statusesOf(jobId)).toEqual(expected.upstreamStatuses);
    expect(h.job(jobId).failure_count).toBe(3);
    const times = h.sim.requests.filter((r) => r.id === simId).map((r) => r.time);
    const floor = h.job(jobId).poll_interval_ms ?? 2_000;
    for (let i = 1; i <= 3; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(floor);
  });

  it('ETag: unchanged answers come back as 304 and count as unchanged', async () => {
    const { jobId, simId, expected } = h.addSimJob('fotolabs', 'slow', { pollIntervalMs: 1_000, maxPollIntervalMs: 2_000 });
    await h.drive();
    const requests = h.sim.requests.filter((r) => r.id === simId);
    const conditional = requests.filter((r) => r.headers['if-none-match']);
    expect(conditional.length).toBeGreaterThan(3);
    expect(statusesOf(jobId)).toEqual(expected.upstreamStatuses);
    expect(h.job(jobId).poll_count).toBe(requests.length);
  });

  it('a deadline ends the job with deadline_exceeded, on time', async () => {
    const start = h.clock.now();
    const { jobId } = h.addSimJob('fotolabs', 'slow', { deadlineAt: start + 25_000 });
    await h.drive();
    const events = bodies(h.events(jobId));
    const last = events.at(-1)!;
    expect(last.type).toBe('job.failed');
    expect(last.data.error.code).toBe('deadline_exceeded');
    expect(last.data.upstreamStatus).toBe(events.at(-2)?.data.upstreamStatus ?? null);
    expect(h.clock.now()).toBe(start + 25_000);
    expect(h.job(jobId).next_poll_at).toBeNull();
  });

  it('a job already past its deadline is ended at claim time without a poll', async () => {
    const now = h.clock.now();
    const jobId = insertJob(h.db, h.box, h.tenantId, { provider: 'fotolabs', externalId: 'sim-success-x', apiKey: 'fl_sim_key', deadlineAt: now - 1 }, now);
    await h.drive();
    expect(h.sim.requests).toHaveLength(0);
    expect(h.events(jobId).map((e) => e.type)).toEqual(['job.failed']);
  });
});

describe('batch polling (topaz)', () => {
  it('jobs sharing a credential are updated by list walks, with fewer requests than jobs x polls', async () => {
    const jobs = Array.from({ length: 6 }, () => h.addSimJob('topaz', 'success'));
    await h.drive();
    const requests = h.sim.requests.filter((r) => r.provider === 'topaz');
    const walks = requests.filter((r) => r.path.endsWith('/status'));
    const single = requests.filter((r) => r.id != null);
    const events = jobs.reduce((n, j) => n + h.events(j.jobId).length, 0);
    for (const j of jobs) expect(statusesOf(j.jobId)).toEqual(j.expected.upstreamStatuses);
    expect(walks.length).toBeGreaterThan(0);
    // Each event needs an observation: one request per observation would be >= events.
    expect(walks.length + single.length).toBeLessThan(events / 2);
  });
});

describe('leases', () => {
  it('a job deleted while its poll is in flight records nothing', async () => {
    const { jobId, simId } = h.addSimJob('fotolabs', 'success');
    h.beforeRequest = (req) => {
      if (req.url.includes(simId)) {
        h.db.prepare('UPDATE jobs SET deleted_at = ?, next_poll_at = NULL WHERE id = ?').run(h.clock.now(), jobId);
        h.db.prepare('DELETE FROM job_leases WHERE job_rowid = (SELECT rowid FROM jobs WHERE id = ?)').run(jobId);
      }
    };
    await h.drive();
    expect(h.sim.requests.filter((r) => r.id === simId)).toHaveLength(1);
    expect(h.events(jobId)).toHaveLength(0);
    expect(h.counters.events).toBe(0);
    const job = h.job(jobId);
    expect(job.poll_count).toBe(0);
    expect(job.next_poll_at).toBeNull();
    expect(job.state).toBeNull();
  });

  it('a huge upstream Retry-After holds the credential back at most an hour, and never past a job\'s deadline', async () => {
    const upstream: Server = createServer((req, res) => {
      if (req.url?.endsWith('/bad')) res.writeHead(429, { 'retry-after': '99999999' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"running"}');
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/jobs/{externalId}`;
    try {
      const start = h.clock.now();
      // The same origin and headers: one budget, as jobs sharing a credential.
      const spec = { url, statusPath: '/status', states: { running: ['running'], succeeded: ['done'] } };
      const bad = insertJob(h.db, h.box, h.tenantId, { provider: 'http', externalId: 'bad', httpSpec: spec }, start);
      await h.drive(() => h.job(bad).failure_count >= 1);
      const good = insertJob(h.db, h.box, h.tenantId, { provider: 'http', externalId: 'good', httpSpec: spec, deadlineAt: start + 30 * 60_000 }, h.clock.now());
      await h.scheduler.runOnce();
      await h.scheduler.idle();
      // The 429 job itself waits about an hour (plus at most 10% spread), not 3 years.
      expect(h.job(bad).next_poll_at! - start).toBeLessThanOrEqual(66 * 60_000);
      // The other job of the credential is held back only to its deadline (30 minutes)...
      expect(h.job(good).next_poll_at!).toBeLessThanOrEqual(h.job(good).deadline_at);
      // ...where it ends as the API promises, with deadline_exceeded.
      await h.drive(() => h.job(good).finished_at !== null);
      expect(JSON.parse(h.job(good).error!).code).toBe('deadline_exceeded');
      expect(h.job(good).finished_at!).toBeLessThanOrEqual(start + 31 * 60_000);
    } finally {
      await new Promise<void>((r) => upstream.close(() => r()));
    }
  });

  it('a slow upstream does not hold up polls of other jobs', async () => {
    let release: (() => void) | null = null;
    const hung: ServerResponse[] = [];
    const slow: Server = createServer((_req, res) => {
      hung.push(res);
      release?.();
    });
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', () => r()));
    const port = (slow.address() as AddressInfo).port;
    try {
      const stepped = await createHarness({ stepWaitMs: 50, pollTimeoutMs: 20_000 });
      try {
        const hungJob = insertJob(stepped.db, stepped.box, stepped.tenantId, {
          provider: 'http',
          externalId: 'x1',
          httpSpec: { url: `http://127.0.0.1:${port}/jobs/{externalId}`, statusPath: '/status', states: { succeeded: ['done'] } },
        }, stepped.clock.now());
        const fast = stepped.addSimJob('magichour', 'slow', { pollIntervalMs: 1_000, maxPollIntervalMs: 2_000 });
        const arrived = new Promise<void>((r) => (release = r));
        await stepped.scheduler.runOnce();
        await arrived;
        // A step waits only 50 ms for its polls; on a busy machine the fast one may take longer,
        // so wait for it to be recorded (the hung one never is) before moving the clock.
        await waitFor(() => stepped.job(fast.jobId).poll_count >= 1, { message: 'first fast poll' });
        for (let i = 0; i < 5; i++) {
          stepped.clock.advance(5_000); // well inside the hung job's lease
          await stepped.scheduler.runOnce();
          await waitFor(() => stepped.job(fast.jobId).poll_count >= i + 2, { message: `fast poll ${i + 2}` });
        }
        expect(stepped.job(fast.jobId).poll_count).toBeGreaterThanOrEqual(5);
        expect(stepped.job(hungJob).poll_count).toBe(0);
        expect(stepped.lease(hungJob)).not.toBeNull();
        for (const res of hung) res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"done"}');
        await stepped.scheduler.idle();
        expect(stepped.job(hungJob).state).toBe('succeeded');
        expect(stepped.events(hungJob).map((e) => e.type)).toEqual(['job.succeeded']);
      } finally {
        await stepped.close();
      }
    } finally {
      slow.closeAllConnections();
      await new Promise((r) => slow.close(() => r(null)));
    }
  });
});

describe('rate budget per credential (AIMD)', () => {
  it('jobs over their credential budget are handed back unpolled, and all finish later', async () => {
    const tight = await createHarness({ rateBudget: { initialRate: 1, burstSeconds: 1, increase: 0 } });
    try {
      const jobs = Array.from({ length: 4 }, () => tight.addSimJob('magichour', 'success'));
      await tight.scheduler.runOnce();
      expect(tight.sim.requests).toHaveLength(1);
      const deferred = jobs.map((j) => tight.job(j.jobId)).filter((j) => j.poll_count === 0);
      expect(deferred).toHaveLength(3);
      for (const j of deferred) {
        expect(tight.lease(j.id)).toBeNull();
        expect(j.next_poll_at!).toBeGreaterThan(tight.clock.now());
      }
      await tight.drive();
      for (const j of jobs) {
        expect(bodies(tight.events(j.jobId)).map((b) => b.data.upstreamStatus)).toEqual(j.expected.upstreamStatuses);
      }
      // Never more than the budget: at most one request per second of virtual time (plus the burst).
      const times = tight.sim.requests.map((r) => r.time).sort((a, b) => a - b);
      const span = times.at(-1)! - times[0]!;
      expect(times.length).toBeLessThanOrEqual(Math.floor(span / 1000) + 2);
    } finally {
      await tight.close();
    }
  });
});

describe('credentials', () => {
  it('a job using a stored connection is polled with the connection credentials', async () => {
    const now = h.clock.now();
    const connId = 'conn_01JD0000000000000000000000';
    h.db.prepare('INSERT INTO connections (id, tenant_id, provider, credentials_enc, created_at) VALUES (?, ?, ?, ?, ?)')
      .run(connId, h.tenantId, 'pictory', h.box.sealJson({ apiKey: 'pictai_sim_key' }), now);
    const { jobId, expected } = h.addSimJob('pictory', 'success', { apiKey: null, connectionId: connId });
    await h.drive();
    expect(statusesOf(jobId)).toEqual(expected.upstreamStatuses);
  });
});
