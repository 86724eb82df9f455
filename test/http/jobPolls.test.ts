import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { body, fotolabsJob, seedTenant, startApi } from './harness.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

describe('GET /v1/jobs/{id}/polls', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeEach(async () => {
    api = await startApi();
  });
  afterEach(async () => {
    await api.stop();
    api.temp?.cleanup();
  });

  const seedPolls = (jobId: string, tenantId: string, n: number) => {
    const insert = api.db.prepare(
      'INSERT INTO job_polls (job_id, tenant_id, polled_at, outcome, upstream_status, http_status, latency_ms, next_poll_at, reason, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    for (let i = 0; i < n; i++) insert.run(jobId, tenantId, 1_000 * (i + 1), 'unchanged', 'processing', 200, 10 + i, 1_000 * (i + 2), 'grown', null);
  };

  test('newest first, paginated, and only for the owning tenant', async () => {
    const acme = seedTenant(api, 'acme');
    const other = seedTenant(api, 'other');
    const job = await body(await api.fetch('/v1/jobs', { method: 'POST', key: acme.apiKey, json: fotolabsJob({ externalId: 'p1' }) }));
    seedPolls(job.id, acme.id, 3);

    const first = await body(await api.fetch(`/v1/jobs/${job.id}/polls?limit=2`, { key: acme.apiKey }));
    expect(first.data.map((p: any) => p.latencyMs)).toEqual([12, 11]);
    expect(first.data[0]).toEqual({
      polledAt: new Date(3_000).toISOString(), outcome: 'unchanged', upstreamStatus: 'processing', httpStatus: 200, latencyMs: 12,
      nextPollAt: new Date(4_000).toISOString(), reason: 'grown', error: null, polls: 1, lastPolledAt: new Date(3_000).toISOString(),
    });
    const second = await body(await api.fetch(`/v1/jobs/${job.id}/polls?limit=2&cursor=${first.nextCursor}`, { key: acme.apiKey }));
    expect(second.data.map((p: any) => p.latencyMs)).toEqual([10]);
    expect(second.nextCursor).toBeNull();

    const foreign = await api.fetch(`/v1/jobs/${job.id}/polls`, { key: other.apiKey });
    expect(foreign.status).toBe(404);
    expect(JSON.stringify(await body(foreign))).not.toContain('processing');
    expect((await api.fetch('/v1/jobs/job_nope/polls', { key: acme.apiKey })).status).toBe(404);
    const badCursor = await api.fetch(`/v1/jobs/${job.id}/polls?cursor=bm9wZQ`, { key: acme.apiKey });
    expect(badCursor.status).toBe(422);
    expect(JSON.stringify(await body(badCursor))).toContain('cursor');
  });

  test("the job's open run of unchanged polls comes first, on the first page only", async () => {
    const acme = seedTenant(api, 'acme');
    const job = await body(await api.fetch('/v1/jobs', { method: 'POST', key: acme.apiKey, json: fotolabsJob({ externalId: 'p2' }) }));
    seedPolls(job.id, acme.id, 2);
    api.db
      .prepare(
        `UPDATE jobs SET upstream_status = 'processing', unchanged_polls = 5, unchanged_since = 10000, unchanged_last_at = 50000,
           unchanged_http_status = 304, unchanged_latency_ms = 7, unchanged_next_poll_at = 70000, unchanged_reason = 'grown' WHERE id = ?`,
      )
      .run(job.id);
    const first = await body(await api.fetch(`/v1/jobs/${job.id}/polls?limit=2`, { key: acme.apiKey }));
    expect(first.data[0]).toEqual({
      polledAt: new Date(10_000).toISOString(), outcome: 'unchanged', upstreamStatus: 'processing', httpStatus: 304, latencyMs: 7,
      nextPollAt: new Date(70_000).toISOString(), reason: 'grown', error: null, polls: 5, lastPolledAt: new Date(50_000).toISOString(),
    });
    expect(first.data.map((p: any) => p.polls)).toEqual([5, 1]);
    expect(first.data[1].latencyMs).toBe(11);
    const second = await body(await api.fetch(`/v1/jobs/${job.id}/polls?limit=2&cursor=${first.nextCursor}`, { key: acme.apiKey }));
    expect(second.data.map((p: any) => p.latencyMs)).toEqual([10]);
    expect(second.nextCursor).toBeNull();
    // A page holding only the run continues with the newest row.
    const onlyRun = await body(await api.fetch(`/v1/jobs/${job.id}/polls?limit=1`, { key: acme.apiKey }));
    expect(onlyRun.data.map((p: any) => p.polls)).toEqual([5]);
    const rest = await body(await api.fetch(`/v1/jobs/${job.id}/polls?limit=5&cursor=${onlyRun.nextCursor}`, { key: acme.apiKey }));
    expect(rest.data.map((p: any) => p.latencyMs)).toEqual([11, 10]);
  });
});

describe('polls of a job polled against the simulator', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ stepMs: 50 });
  });
  afterAll(async () => {
    await stack?.close();
  });

  test('every poll is listed (unchanged ones in a row as one run), the last one saw the job finish', async () => {
    const upstream = stack.sim.createJob({ provider: 'fotolabs', scenario: 'success' });
    const { status, job } = await stack.createJob({
      provider: 'fotolabs', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: 'http://127.0.0.1:9/cb',
      pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 0.5,
    });
    expect(status, JSON.stringify(job)).toBe(201);
    const get = async (path: string) => (await fetch(`${stack.service.url}${path}`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).json() as Promise<any>;
    const current = await waitFor(async () => {
      const j = await get(`/v1/jobs/${job.id}`);
      return j.finishedAt ? j : null;
    }, { message: 'the job to finish' });
    const polls = (await get(`/v1/jobs/${job.id}/polls?limit=200`)).data as any[];
    expect(polls.reduce((n, p) => n + p.polls, 0)).toBe(current.polls.count);
    expect(polls.length).toBeGreaterThan(1);
    // Never two runs in a row: a run ends only at a poll that is listed on its own.
    for (let i = 1; i < polls.length; i++) expect(polls[i].outcome === 'unchanged' && polls[i - 1].outcome === 'unchanged').toBe(false);
    for (const p of polls) expect(Date.parse(p.lastPolledAt)).toBeGreaterThanOrEqual(Date.parse(p.polledAt));
    const [last] = polls;
    expect(last).toMatchObject({ outcome: 'changed', upstreamStatus: current.upstreamStatus, httpStatus: 200, nextPollAt: null, reason: 'finished', error: null });
    for (const p of polls) expect(p.latencyMs).toBeGreaterThanOrEqual(0);
    const times = polls.map((p) => Date.parse(p.polledAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Every poll but the last scheduled the next one.
    for (const p of polls.slice(1)) expect(p.nextPollAt).not.toBeNull();
  }, 30_000);
});
