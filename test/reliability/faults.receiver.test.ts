/**
 * The fault matrix, receiver side: the whole service (startService, real HTTP, SQLite file, both
 * engines) against the simulator and a receiver that misbehaves one way per row. Each row checks
 * the contract's behaviour through the API AND that no event was lost or invented: the job's
 * events are exactly the script's statuses, each has one callback delivery, and every webhook
 * the receiver saw is one of those deliveries, byte for byte.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { parseConfig, type Config } from '../../src/config.ts';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { waitFor } from '../helpers/wait.ts';
import { callApi } from '../helpers/api.ts';

interface Hit {
  path: string;
  webhookId: string;
  body: string;
  verified: boolean;
  at: number;
}

/** A receiver whose nth request (0-based) is answered by `behave`; it records every request first. */
async function faultyReceiver(secret: string, behave: (nth: number, req: IncomingMessage, res: ServerResponse) => void) {
  const hits: Hit[] = [];
  const wh = new Webhook(secret);
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    let verified = true;
    try {
      wh.verify(body, headers);
    } catch {
      verified = false;
    }
    hits.push({ path: req.url ?? '', webhookId: headers['webhook-id'], body, verified, at: Date.now() });
    behave(hits.length - 1, req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const ok = (res: ServerResponse) => res.writeHead(204).end();

let dir: string;
let sim: Simulator;
let service: Service;
let apiKey = '';
let secret = '';
const closers: Array<() => Promise<void>> = [];

const baseConfig = (dbName: string): Config => ({
  ...parseConfig({}),
  port: 0,
  host: '127.0.0.1',
  dbPath: join(dir, dbName),
  masterKey: randomBytes(32).toString('base64'),
  allowPrivateNetworks: true,
  allowHttp: true,
  providerBaseUrls: sim.baseUrls,
  retryScheduleMs: [400, 400, 400],
  deliveryTimeoutMs: 500,
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-faults-rx-'));
  sim = await startSimulator({ stepMs: 50 });
  let banner = '';
  service = await startService({ config: baseConfig('p.db'), logger: nullLogger, announce: (t) => (banner = t), shutdownGraceMs: 500 });
  apiKey = /API key:\s+(\S+)/.exec(banner)![1]!;
  secret = /signing secret:\s+(\S+)/.exec(banner)![1]!;
});

afterAll(async () => {
  for (const c of closers) await c();
  await service?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = (path: string, init?: { method?: string; json?: unknown }) => callApi(service.url, apiKey, path, init);

/** Registers a fotolabs `success` job (pending, processing, completed) calling back `url`. */
async function registerJob(url: string) {
  const upstream = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
  const res = await api('/v1/jobs', {
    method: 'POST',
    json: { provider: 'fotolabs', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, callbackUrl: url, pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 0.5 },
  });
  expect(res.status).toBe(201);
  return { jobId: res.body.id as string, expected: upstream.expected };
}

const FINISHED = ['delivered', 'dead', 'canceled'];

/** Waits for the job to end and each of its deliveries to finish; returns the events with their deliveries. */
async function settle(jobId: string, timeoutMs = 20_000) {
  return waitFor(
    async () => {
      const job = (await api(`/v1/jobs/${jobId}`)).body;
      if (!['succeeded', 'failed', 'canceled'].includes(job.state)) return null;
      const events = (await api(`/v1/jobs/${jobId}/events`)).body.data as any[];
      const all = events.flatMap((e) => e.deliveries);
      return all.every((d: any) => FINISHED.includes(d.status)) ? { job, events } : null;
    },
    { timeoutMs, intervalMs: 50, message: `job ${jobId} and its deliveries to finish` },
  );
}

/** No event lost or invented: the script's statuses, once each, and only those reached the receiver. */
function expectNoLossNoInvention(events: any[], expected: { upstreamStatuses: string[] }, hits: Hit[]) {
  expect(events.map((e) => e.sequence)).toEqual(expected.upstreamStatuses.map((_, i) => i + 1));
  expect(events.map((e) => e.payload.data.upstreamStatus)).toEqual(expected.upstreamStatuses);
  const deliveryIds = new Set<string>();
  const bodies = new Map<string, string>();
  for (const e of events) {
    const callbacks = e.deliveries.filter((d: any) => d.target === 'callback');
    expect(callbacks.length).toBeLessThanOrEqual(1);
    for (const d of callbacks) {
      deliveryIds.add(d.id);
      bodies.set(d.id, JSON.stringify(e.payload));
    }
  }
  for (const h of hits.filter((x) => x.path.startsWith('/hooks'))) {
    expect(h.verified).toBe(true);
    expect(deliveryIds.has(h.webhookId)).toBe(true);
    expect(JSON.parse(h.body)).toEqual(JSON.parse(bodies.get(h.webhookId)!));
  }
}

/** Waits for the job to end and its first delivery to die (later ones wait behind it). */
function firstDeliveryDead(jobId: string) {
  return waitFor(
    async () => {
      const job = (await api(`/v1/jobs/${jobId}`)).body;
      const list = (await api(`/v1/jobs/${jobId}/events`)).body.data as any[];
      return job.state === 'succeeded' && list[0]?.deliveries[0]?.status === 'dead' ? list : null;
    },
    { timeoutMs: 15_000, intervalMs: 50, message: 'the first delivery to die' },
  );
}

async function attemptsOf(deliveryId: string) {
  return (await api(`/v1/deliveries/${deliveryId}`)).body;
}

describe('fault matrix: receivers', () => {
  it('500 twice, then 2xx: retried on the schedule and delivered; every attempt is recorded', async () => {
    const rx = await faultyReceiver(secret, (nth, _req, res) => (nth < 2 ? res.writeHead(500).end('boom') : ok(res)));
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const { events } = await settle(jobId);
    expectNoLossNoInvention(events, expected, rx.hits);
    expect(events.flatMap((e) => e.deliveries.map((d: any) => d.status))).toEqual(['delivered', 'delivered', 'delivered']);
    const first = await attemptsOf(events[0].deliveries[0].id);
    expect(first.attemptCount).toBe(3);
    expect(first.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 204]);
    expect(first.attempts[0]).toMatchObject({ error: 'HTTP 500', responseBody: 'boom' });
    // The same webhook-id on every retry.
    expect(rx.hits.filter((h) => h.webhookId === first.id)).toHaveLength(3);
  });

  it('500 always: dead after the first attempt plus one per schedule entry; later events wait behind it', async () => {
    const rx = await faultyReceiver(secret, (_nth, _req, res) => res.writeHead(500).end());
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const events = await firstDeliveryDead(jobId);
    expectNoLossNoInvention(events, expected, rx.hits);
    const first = await attemptsOf(events[0].deliveries[0].id);
    expect(first.attempts.map((a: any) => a.statusCode)).toEqual([500, 500, 500, 500]);
    // Per job and target, in sequence order: nothing of event 3 went out while event 2 is open.
    // (The 5th failure in a row also opens the endpoint's circuit: event 2 then waits for a probe.)
    const second = await attemptsOf(events[1].deliveries[0].id);
    const third = await attemptsOf(events[2].deliveries[0].id);
    expect(['pending', 'failed']).toContain(second.status);
    expect(third).toMatchObject({ status: 'pending', attemptCount: 0 });
    expect(rx.hits.every((h) => h.webhookId !== third.id)).toBe(true);
    const dead = (await api(`/v1/deliveries?status=dead&jobId=${jobId}`)).body.data;
    expect(dead.map((d: any) => d.id)).toEqual([first.id]);
  });

  it('timeout: an answer slower than POLLHOOK_DELIVERY_TIMEOUT_MS is a failed attempt, then retried', async () => {
    const rx = await faultyReceiver(secret, (nth, _req, res) => {
      if (nth === 0) setTimeout(() => ok(res), 2_000).unref();
      else ok(res);
    });
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const { events } = await settle(jobId);
    expectNoLossNoInvention(events, expected, rx.hits);
    const first = await attemptsOf(events[0].deliveries[0].id);
    expect(first.status).toBe('delivered');
    expect(first.attempts.map((a: any) => [a.statusCode, a.error])).toEqual([
      [null, 'timed out'],
      [204, null],
    ]);
  });

  it('connection reset: a failed attempt, then retried', async () => {
    const rx = await faultyReceiver(secret, (nth, req, res) => (nth === 0 ? req.socket.destroy() : ok(res)));
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const { events } = await settle(jobId);
    expectNoLossNoInvention(events, expected, rx.hits);
    const first = await attemptsOf(events[0].deliveries[0].id);
    expect(first.status).toBe('delivered');
    expect(first.attempts[0].statusCode).toBeNull();
    expect(first.attempts[0].error).toMatch(/connection reset/);
  });

  it('slow body: headers at once, then a body trickling past the timeout, is not a success', async () => {
    const rx = await faultyReceiver(secret, (nth, _req, res) => {
      if (nth > 0) return ok(res);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.flushHeaders();
      const timer = setInterval(() => res.write('.'), 100);
      setTimeout(() => {
        clearInterval(timer);
        res.end();
      }, 2_000).unref();
    });
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const { events } = await settle(jobId);
    expectNoLossNoInvention(events, expected, rx.hits);
    const first = await attemptsOf(events[0].deliveries[0].id);
    expect(first.status).toBe('delivered');
    expect(first.attempts).toHaveLength(2);
    expect(first.attempts[0].error).toBe('timed out');
  });

  it('302: redirects are not followed and count as failures (dead), the Location is never requested', async () => {
    const rx = await faultyReceiver(secret, (_nth, _req, res) => res.writeHead(302, { location: '/elsewhere' }).end());
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const events = await firstDeliveryDead(jobId);
    expectNoLossNoInvention(events, expected, rx.hits);
    expect(rx.hits.every((h) => h.path.startsWith('/hooks'))).toBe(true);
    const first = await attemptsOf(events[0].deliveries[0].id);
    expect(first.status).toBe('dead');
    expect(first.attempts.every((a: any) => a.statusCode === 302 && /redirect/.test(a.error))).toBe(true);
  });

  it('410: the callback stops; the rest is canceled and nothing more is sent, yet every event is stored', async () => {
    const rx = await faultyReceiver(secret, (_nth, _req, res) => res.writeHead(410).end());
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const { job, events } = await settle(jobId);
    expect(job.callbackDisabledReason).toMatch(/410/);
    expectNoLossNoInvention(events, expected, rx.hits);
    expect(rx.hits).toHaveLength(1);
    const statuses = events.flatMap((e) => e.deliveries.map((d: any) => d.status));
    expect(statuses[0]).toBe('canceled');
    expect(statuses.every((s: string) => s === 'canceled')).toBe(true);
  });

  it('429 with Retry-After: the next attempt waits for it (clamped to twice the schedule), then delivers', async () => {
    const rx = await faultyReceiver(secret, (nth, _req, res) => (nth === 0 ? res.writeHead(429, { 'retry-after': '1' }).end() : ok(res)));
    closers.push(rx.close);
    const { jobId, expected } = await registerJob(rx.url);
    const { events } = await settle(jobId);
    expectNoLossNoInvention(events, expected, rx.hits);
    const first = await attemptsOf(events[0].deliveries[0].id);
    expect(first.attempts.map((a: any) => a.statusCode)).toEqual([429, 204]);
    // The schedule alone says 400 ms +-20%; Retry-After: 1 s asks for more, honoured up to 2x.
    const gap = Date.parse(first.attempts[1].attemptedAt) - Date.parse(first.attempts[0].attemptedAt);
    expect(gap).toBeGreaterThanOrEqual(600);
  });

  it('an http:// callback when https is required (POLLHOOK_ALLOW_HTTP=false): 422, nothing stored', async () => {
    let banner = '';
    const strict = await startService({
      config: { ...baseConfig('strict.db'), allowHttp: false },
      logger: nullLogger,
      announce: (t) => (banner = t),
    });
    try {
      const key = /API key:\s+(\S+)/.exec(banner)![1]!;
      const res = await fetch(`${strict.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ provider: 'fotolabs', externalId: 'sim-success-https', credentials: { apiKey: 'fl_sim_key' }, callbackUrl: 'http://127.0.0.1:9/hooks' }),
      });
      expect(res.status).toBe(422);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      const problem = (await res.json()) as { errors: Array<{ path: string }> };
      expect(problem.errors.map((e) => e.path)).toContain('callbackUrl');
      expect(strict.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n).toBe(0);
    } finally {
      await strict.close();
    }
  });
});
