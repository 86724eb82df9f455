import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { BUILTIN_PROVIDERS, isTerminal, type BuiltinProvider, type PollOutcome } from '../../src/core/types.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { pollOnce } from '../../src/providers/poll.ts';
import type { Validators } from '../../src/core/types.ts';
import { formatSimulatorBanner, startSimulator, type SimJobInfo, type Simulator } from '../../src/simulate/index.ts';
import { failureOf, observation, target } from './helpers.ts';

const STEP = 1000;
const clock = new ManualClock();
const client = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true } });
let sim: Simulator;
let registry: ReturnType<typeof createProviderRegistry>;

beforeAll(async () => {
  sim = await startSimulator({ stepMs: STEP, now: () => clock.now() });
  registry = createProviderRegistry(sim.baseUrls);
});
afterAll(async () => {
  await client.close();
  await sim.close();
});
beforeEach(() => sim.clearRequests());

const poll = (provider: BuiltinProvider, id: string, apiKey: string, validators: Validators = {}): Promise<PollOutcome> =>
  pollOnce(client, registry.get(provider)!, target({ externalId: id, credentials: { apiKey }, validators, requestId: 'req_sim_1' }), registry.baseUrl(provider)!, {
    timeoutMs: 2000,
    now: clock.now(),
  });

/** Polls once per virtual step until a terminal state; returns every outcome. */
async function drive(job: SimJobInfo, maxPolls = 60): Promise<PollOutcome[]> {
  const outcomes: PollOutcome[] = [];
  for (let i = 0; i < maxPolls; i++) {
    const out = await poll(job.provider, job.id, job.apiKey);
    outcomes.push(out);
    if (out.kind === 'observed' && isTerminal(out.observation.state)) break;
    clock.advance(STEP);
  }
  return outcomes;
}

const distinctStatuses = (outcomes: PollOutcome[]): string[] => {
  const out: string[] = [];
  for (const o of outcomes) if (o.kind === 'observed' && out[out.length - 1] !== o.observation.upstreamStatus) out.push(o.observation.upstreamStatus);
  return out;
};

const EXPECTED_REQUEST: Record<BuiltinProvider, { path: (id: string) => string; auth: (key: string) => Record<string, string> }> = {
  fotolabs: { path: (id) => `/fotolabs/v1/images/${id}`, auth: (k) => ({ authorization: `Bearer ${k}` }) },
  pictory: { path: (id) => `/pictory/pictoryapis/v1/jobs/${id}`, auth: (k) => ({ authorization: k }) },
  topaz: { path: (id) => `/topaz/status/${id}`, auth: (k) => ({ 'x-api-key': k }) },
  magichour: { path: (id) => `/magichour/v1/image-projects/${id}`, auth: (k) => ({ authorization: `Bearer ${k}` }) },
  aigenstudio: { path: (id) => `/aigenstudio/product-photo-jobs/${id}`, auth: (k) => ({ authorization: `Bearer ${k}`, 'x-request-id': 'req_sim_1' }) },
};

describe.each(BUILTIN_PROVIDERS)('%s against the simulator over real HTTP', (provider) => {
  it('sends the right method, path and auth header, and plays the success script', async () => {
    const job = sim.createJob({ provider, scenario: 'success', apiKey: `${provider}_key_1` });
    const outcomes = await drive(job);
    const first = sim.requests[0]!;
    expect(first.method).toBe('GET');
    expect(first.path).toBe(EXPECTED_REQUEST[provider].path(job.id));
    expect(first.headers).toMatchObject({ accept: 'application/json', ...EXPECTED_REQUEST[provider].auth(job.apiKey) });
    expect(distinctStatuses(outcomes)).toEqual(job.expected.upstreamStatuses);
    const last = observation(outcomes[outcomes.length - 1]!);
    expect(last.state).toBe('succeeded');
    expect(job.expected.finalState).toBe('succeeded');
    if (provider !== 'topaz') expect(last.result?.urls.length).toBeGreaterThan(0);
  });

  it('plays the failure script to a failed state with an error', async () => {
    const job = sim.createJob({ provider, scenario: 'failure' });
    const last = observation((await drive(job)).at(-1)!);
    expect(last.state).toBe('failed');
    expect(last.error).not.toBeNull();
  });

  it('rejects a wrong key with 401', async () => {
    const job = sim.createJob({ provider, scenario: 'success', apiKey: 'right' });
    expect(failureOf(await poll(provider, job.id, 'wrong')).kind).toBe('unauthorized');
  });

  it('not_found forever', async () => {
    const job = sim.createJob({ provider, scenario: 'not_found' });
    expect(job.expected).toEqual({ finalState: 'failed', upstreamStatuses: [], errorCode: 'upstream_not_found' });
    for (let i = 0; i < 3; i++) expect(failureOf(await poll(provider, job.id, job.apiKey)).kind).toBe('not_found');
  });

  it('an unknown id is not found', async () => {
    expect(failureOf(await poll(provider, 'no-such-job', sim.createJob({ provider, scenario: 'success' }).apiKey)).kind).toBe('not_found');
  });

  it.each([
    ['unauthorized', 'unauthorized'],
    ['rate_limited', 'rate_limited'],
    ['flaky', 'transient'],
    ['malformed', 'malformed'],
  ] as const)('%s: the first polls fail as %s', async (scenario, kind) => {
    const job = sim.createJob({ provider, scenario });
    const outcomes = await drive(job, 12);
    const failures = outcomes.filter((o) => o.kind === 'failure').map((o) => failureOf(o));
    if (scenario === 'unauthorized') {
      expect(outcomes.every((o) => o.kind === 'failure' && o.failure.kind === 'unauthorized')).toBe(true);
      return;
    }
    expect(failures.map((f) => f.kind)).toEqual([kind, kind, kind]);
    if (kind === 'rate_limited') expect(failures.every((f) => f.retryAfterMs === 1000)).toBe(true);
    expect(distinctStatuses(outcomes)).toEqual(job.expected.upstreamStatuses);
  });

  it('answers 304 to a matching If-None-Match until the status changes', async () => {
    const job = sim.createJob({ provider, scenario: 'success' });
    const first = await poll(provider, job.id, job.apiKey);
    const etag = first.kind === 'observed' ? first.validators?.etag : null;
    expect(etag).toMatch(/^".+"$/);
    expect(await poll(provider, job.id, job.apiKey, { etag })).toEqual({ kind: 'not_modified' });
    clock.advance(STEP * 3);
    const changed = await poll(provider, job.id, job.apiKey, { etag });
    expect(observation(changed).upstreamStatus).not.toBe(observation(first).upstreamStatus);
  });
});

describe('scenarios', () => {
  it('aba: A->B->A statuses are all served', async () => {
    const job = sim.createJob({ provider: 'magichour', scenario: 'aba' });
    expect(job.expected.upstreamStatuses).toEqual(['rendering', 'queued', 'rendering', 'complete']);
    expect(distinctStatuses(await drive(job))).toEqual(job.expected.upstreamStatuses);
  });

  it('a slow poller still sees every status of the script', async () => {
    const job = sim.createJob({ provider: 'fotolabs', scenario: 'aba' });
    const outcomes: PollOutcome[] = [];
    for (let i = 0; i < 10; i++) {
      outcomes.push(await poll('fotolabs', job.id, job.apiKey));
      clock.advance(STEP * 30);
    }
    expect(distinctStatuses(outcomes)).toEqual(['processing', 'pending', 'processing', 'completed']);
  });

  it('cancel', async () => {
    const job = sim.createJob({ provider: 'topaz', scenario: 'cancel' });
    expect(observation((await drive(job)).at(-1)!).state).toBe('canceled');
  });

  it('partial: aigenstudio partially_completed succeeds with per-item results', async () => {
    const job = sim.createJob({ provider: 'aigenstudio', scenario: 'partial' });
    const last = observation((await drive(job)).at(-1)!);
    expect(last).toMatchObject({ state: 'succeeded', upstreamStatus: 'partially_completed' });
    expect(last.result?.urls).toHaveLength(3);
    expect(last.result?.items).toHaveLength(4);
  });

  it('partial: fotolabs plays an HDR bracket member (completed, no URL)', async () => {
    const job = sim.createJob({ provider: 'fotolabs', scenario: 'partial' });
    const last = observation((await drive(job)).at(-1)!);
    expect(last.state).toBe('succeeded');
    expect(last.result).toEqual({ urls: [] });
  });

  it('eta: topaz reports progress and an eta it completes at', async () => {
    const job = sim.createJob({ provider: 'topaz', scenario: 'eta' });
    const outcomes = (await drive(job)).map(observation);
    const running = outcomes.filter((o) => o.state === 'running');
    expect(running.map((o) => o.progress)).toEqual([0, 20, 40, 60, 80]);
    expect(running.every((o) => o.etaAt === running[0]!.etaAt)).toBe(true);
    const done = outcomes.at(-1)!;
    expect(done.progress).toBe(100);
    expect(Math.abs(clock.now() - running[0]!.etaAt!)).toBeLessThan(1000);
  });

  it('progress: aigenstudio items complete one by one', async () => {
    const job = sim.createJob({ provider: 'aigenstudio', scenario: 'progress' });
    const progress = (await drive(job)).map((o) => observation(o).progress);
    expect(progress).toEqual([0, 0, 25, 50, 75, 100]);
  });

  it('slow: long durations', async () => {
    const job = sim.createJob({ provider: 'magichour', scenario: 'slow' });
    const outcomes = await drive(job);
    expect(outcomes.length).toBeGreaterThanOrEqual(26);
    expect(distinctStatuses(outcomes)).toEqual(['queued', 'rendering', 'complete']);
  });

  it('payment_required: magichour answers 402', async () => {
    const job = sim.createJob({ provider: 'magichour', scenario: 'payment_required' });
    expect(failureOf(await poll('magichour', job.id, job.apiKey)).kind).toBe('payment_required');
  });

  it('pictory not_found is its documented HTTP 200 success:false 5000 answer', async () => {
    const job = sim.createJob({ provider: 'pictory', scenario: 'not_found' });
    const res = await fetch(`${sim.baseUrls.pictory}/pictoryapis/v1/jobs/${job.id}`, { headers: { authorization: job.apiKey } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ success: false, data: { error_code: '5000', error_message: 'JOB_NOT_FOUND' } });
  });

  it('an id that names its scenario registers itself with the default key', async () => {
    const outcome = await poll('topaz', 'sim-failure-42', 'topaz_sim_key');
    expect(observation(outcome).upstreamStatus).toBe('Pending');
    expect(failureOf(await poll('topaz', 'sim-failure-43', 'other')).kind).toBe('unauthorized');
    expect(failureOf(await poll('topaz', 'sim-nosuch-1', 'topaz_sim_key')).kind).toBe('not_found');
  });
});

describe('control API over HTTP', () => {
  it('creates a job and reports the expected sequence', async () => {
    const res = await fetch(`${sim.url}/_sim/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'aigenstudio', scenario: 'partial', id: 'ctl-1', apiKey: 'k1', stepMs: 50 }),
    });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({
      id: 'ctl-1',
      provider: 'aigenstudio',
      apiKey: 'k1',
      scenario: 'partial',
      expected: { finalState: 'succeeded', upstreamStatuses: ['queued', 'processing', 'partially_completed'] },
    });
  });

  it.each([
    [{ provider: 'nope', scenario: 'success' }, 400],
    [{ provider: 'topaz', scenario: 'nope' }, 400],
    [{ provider: 'pictory', scenario: 'aba' }, 400],
    [{ provider: 'fotolabs', scenario: 'cancel' }, 400],
    [{ provider: 'topaz', scenario: 'success', stepMs: 0 }, 400],
    [{ provider: 'aigenstudio', scenario: 'success', id: 'ctl-1' }, 409],
  ])('%j -> %i', async (body, status) => {
    const res = await fetch(`${sim.url}/_sim/jobs`, { method: 'POST', body: JSON.stringify(body) });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { error: string }).error).toBeTruthy();
  });

  it('lists the requests received, filtered by provider and id, and clears them', async () => {
    const a = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
    const b = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
    await poll('fotolabs', a.id, a.apiKey);
    await poll('fotolabs', b.id, b.apiKey);
    await poll('fotolabs', a.id, a.apiKey);
    const res = await fetch(`${sim.url}/_sim/requests?provider=fotolabs&id=${a.id}`);
    const { data } = (await res.json()) as { data: Array<{ path: string; method: string; time: number; headers: Record<string, string> }> };
    expect(data).toHaveLength(2);
    expect(data[0]).toMatchObject({ method: 'GET', path: `/fotolabs/v1/images/${a.id}`, time: clock.now() });
    expect(data[0]!.headers.authorization).toBe(`Bearer ${a.apiKey}`);
    expect((await fetch(`${sim.url}/_sim/requests`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.requests).toHaveLength(0);
  });

  it('the banner lists the base URL variables', () => {
    const banner = formatSimulatorBanner(sim);
    for (const p of BUILTIN_PROVIDERS) expect(banner).toContain(`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL=${sim.url}/${p}`);
  });
});
