/**
 * The product contract, written once and run against both runtimes: the Node service and the
 * Worker with its Durable Objects under workerd. Each case records what a real receiver saw;
 * the last test checks that both runtimes reported the same.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { startReceiver, type Receiver, type ReceivedWebhook } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';
import { startNodeRuntime, startWorkersRuntime, type Runtime } from './runtimes.ts';

const results: Record<string, Record<string, unknown>> = { node: {}, workers: {} };
const fast = { pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 0.5 };

interface Tenant {
  apiKey: string;
  signingSecret: string;
}

describe.each([
  ['node', startNodeRuntime],
  ['workers', startWorkersRuntime],
] as const)('contract on %s', (runtimeName, start) => {
  let sim: Simulator;
  let rt: Runtime;
  let httpUpstream: { url: string; close(): Promise<void> };
  const receivers: Receiver[] = [];
  const record = (key: string, value: unknown) => (results[runtimeName]![key] = value);

  beforeAll(async () => {
    sim = await startSimulator({ stepMs: 100 });
    httpUpstream = await startJsonUpstream();
    rt = await start(sim);
  }, 60_000);
  afterAll(async () => {
    await rt?.close();
    await Promise.all(receivers.map((r) => r.close()));
    await httpUpstream?.close();
    await sim?.close();
  });

  const api = async (path: string, init: { method?: string; key?: string; json?: unknown } = {}) => {
    const res = await fetch(`${rt.url}${path}`, {
      method: init.method ?? (init.json === undefined ? 'GET' : 'POST'),
      headers: { ...(init.key ? { authorization: `Bearer ${init.key}` } : {}), ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const text = await res.text();
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: text ? JSON.parse(text) : null };
  };
  const newTenant = async (name: string): Promise<Tenant> => {
    const r = await api('/v1/tenants', { key: rt.adminToken, json: { name } });
    expect(r.status).toBe(201);
    return r.body;
  };
  const receiver = async (secrets: string[] | (() => string[]), respond?: (hook: ReceivedWebhook, nth: number) => number) => {
    const r = await startReceiver({ secrets, respond });
    receivers.push(r);
    return r;
  };
  const hooksOf = (r: Receiver, jobId: string) => r.accepted().filter((h) => h.payload?.data?.id === jobId);

  it.each([...BUILTIN_PROVIDERS, 'http'])('%s: every status change arrives signed, verified and in order', async (provider) => {
    const t = await newTenant(`t-${provider}`);
    const r = await receiver([t.signingSecret]);
    const upstream = provider === 'http' ? null : sim.createJob({ provider, scenario: 'success' });
    const job = await api('/v1/jobs', {
      key: t.apiKey,
      json: upstream
        ? { provider, externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: r.url, ...fast }
        : {
            provider: 'http',
            externalId: 'contract-http-1',
            callbackUrl: r.url,
            http: { url: `${httpUpstream.url}/jobs/{externalId}`, statusPath: '/status', states: { succeeded: ['done'], running: ['working'] } },
            ...fast,
          },
    });
    expect(job.status).toBe(201);
    const hooks = await waitFor(() => {
      const mine = hooksOf(r, job.body.id);
      return mine.some((h) => h.payload.type === 'job.succeeded') ? mine : null;
    }, { timeoutMs: 20_000, message: `job.succeeded for ${provider}` });
    expect(hooks.every((h) => h.verified)).toBe(true);
    expect(hooks.map((h) => h.payload.data.sequence)).toEqual(hooks.map((_, i) => i + 1));
    if (upstream) expect(hooks.map((h) => h.payload.data.upstreamStatus)).toEqual(upstream.expected.upstreamStatuses);
    record(`provider ${provider}`, hooks.map((h) => h.payload.type));
  });

  it('a failing receiver gets retries with a stable webhook-id, then the event', async () => {
    const t = await newTenant('t-retry');
    const r = await receiver([t.signingSecret], (_h, nth) => (nth < 2 ? 500 : 204));
    const upstream = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
    const job = await api('/v1/jobs', { key: t.apiKey, json: { provider: 'fotolabs', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: r.url, ...fast } });
    await waitFor(() => hooksOf(r, job.body.id).some((h) => h.payload.type === 'job.succeeded'), { timeoutMs: 20_000, message: 'delivery after retries' });
    const first = r.received.filter((h) => h.payload?.data?.sequence === 1);
    expect(first.map((h) => h.status)).toEqual([500, 500, 204]);
    expect(new Set(first.map((h) => h.webhookId)).size).toBe(1);
    record('retries', first.map((h) => h.status));
  });

  it("the poll history adds up to the job's polls, unchanged ones in a row as one entry", async () => {
    const t = await newTenant('t-polls');
    const r = await receiver([t.signingSecret]);
    const upstream = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
    const job = await api('/v1/jobs', { key: t.apiKey, json: { provider: 'fotolabs', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: r.url, ...fast } });
    const done = await waitFor(async () => {
      const j = await api(`/v1/jobs/${job.body.id}`, { key: t.apiKey });
      return j.body.finishedAt ? j.body : null;
    }, { timeoutMs: 20_000, message: 'the job to finish' });
    const polls = (await api(`/v1/jobs/${job.body.id}/polls?limit=200`, { key: t.apiKey })).body.data as any[];
    expect(polls.reduce((n, p) => n + p.polls, 0)).toBe(done.polls.count);
    expect(polls[0]).toMatchObject({ outcome: 'changed', reason: 'finished', polls: 1 });
    const runs = polls.filter((p) => p.outcome === 'unchanged');
    for (const run of runs) expect(Date.parse(run.lastPolledAt)).toBeGreaterThanOrEqual(Date.parse(run.polledAt));
    record('poll history', { first: polls[0].outcome, runsAreSeparated: polls.every((p, i) => i === 0 || !(p.outcome === 'unchanged' && polls[i - 1].outcome === 'unchanged')) });
  });

  it('410 Gone disables a subscription; subscriptions receive jobs without a callback', async () => {
    const t = await newTenant('t-subs');
    const good = await receiver([t.signingSecret]);
    const gone = await receiver([t.signingSecret], () => 410);
    const s1 = await api('/v1/subscriptions', { key: t.apiKey, json: { url: good.url } });
    const s2 = await api('/v1/subscriptions', { key: t.apiKey, json: { url: gone.url } });
    expect([s1.status, s2.status]).toEqual([201, 201]);
    const upstream = sim.createJob({ provider: 'pictory', scenario: 'success' });
    const job = await api('/v1/jobs', { key: t.apiKey, json: { provider: 'pictory', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, ...fast } });
    expect(job.status).toBe(201);
    await waitFor(() => hooksOf(good, job.body.id).some((h) => h.payload.type === 'job.succeeded'), { timeoutMs: 20_000, message: 'subscription delivery' });
    const disabled = await waitFor(async () => {
      const s = await api(`/v1/subscriptions/${s2.body.id}`, { key: t.apiKey });
      return s.body.enabled === false ? s.body : null;
    }, { message: 'the 410 subscription to be disabled' });
    expect(gone.received.length).toBe(1);
    record('subscriptions', { delivered: hooksOf(good, job.body.id).map((h) => h.payload.type), goneAttempts: gone.received.length, disabled: disabled.enabled });
  });

  it('after a rotation webhooks verify with the new secret', async () => {
    const t = await newTenant('t-rotate');
    const rotated = await api('/v1/signing-secrets/rotate', { key: t.apiKey, json: {} });
    expect(rotated.status).toBe(201);
    const onlyNew = await receiver([rotated.body.secret]);
    const upstream = sim.createJob({ provider: 'magichour', scenario: 'success' });
    const job = await api('/v1/jobs', { key: t.apiKey, json: { provider: 'magichour', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: onlyNew.url, ...fast } });
    const hooks = await waitFor(() => {
      const mine = hooksOf(onlyNew, job.body.id);
      return mine.some((h) => h.payload.type === 'job.succeeded') ? mine : null;
    }, { timeoutMs: 20_000, message: 'deliveries after rotation' });
    expect(hooks.every((h) => h.signature.split(' ').length === 2)).toBe(true);
    record('rotation', hooks.map((h) => h.signature.split(' ').length));
  });

  it('tenants are isolated: another tenant\'s job is a 404', async () => {
    const a = await newTenant('t-iso-a');
    const b = await newTenant('t-iso-b');
    const upstream = sim.createJob({ provider: 'topaz', scenario: 'success' });
    const job = await api('/v1/jobs', { key: a.apiKey, json: { provider: 'topaz', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: 'http://127.0.0.1:9/none', ...fast } });
    const seen = [
      (await api(`/v1/jobs/${job.body.id}`, { key: a.apiKey })).status,
      (await api(`/v1/jobs/${job.body.id}`, { key: b.apiKey })).status,
      (await api(`/v1/jobs/${job.body.id}`, { key: b.apiKey, method: 'DELETE' })).status,
      (await api('/v1/jobs', { key: b.apiKey })).body.data.length,
    ];
    expect(seen).toEqual([200, 404, 404, 0]);
    record('isolation', seen);
  });

  it('errors are problem+json with the path of each invalid field', async () => {
    const t = await newTenant('t-errors');
    const bad = await api('/v1/jobs', { key: t.apiKey, json: { provider: 'fotolabs', callbackUrl: 'ftp://x' } });
    const unauth = await api('/v1/jobs', { key: 'ph_nope' });
    const missing = await api('/v1/nothing-here', { key: t.apiKey });
    expect(bad.status).toBe(422);
    expect(bad.contentType).toContain('application/problem+json');
    const paths = (bad.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths.length).toBeGreaterThan(0);
    expect([unauth.status, unauth.contentType.includes('problem+json'), missing.status]).toEqual([401, true, 404]);
    record('errors', { status: bad.status, paths, type: bad.body.type, unauth: unauth.status, missing: missing.status });
  });
});

describe('both runtimes', () => {
  it('report the same results', () => {
    expect(Object.keys(results.workers!).length).toBeGreaterThan(0);
    expect(results.workers).toEqual(results.node);
  });
});

/** A JSON status endpoint for the `http` provider: working on the first poll, done after. */
async function startJsonUpstream(): Promise<{ url: string; close(): Promise<void> }> {
  const hits = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const n = (hits.get(req.url ?? '') ?? 0) + 1;
    hits.set(req.url ?? '', n);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: n === 1 ? 'working' : 'done' }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}
