/**
 * The fault matrix, upstream side: the whole service (startService, real HTTP, SQLite file, both
 * engines) polling a local upstream that misbehaves one way per row, then recovers (or never
 * does). Each row checks the contract's behaviour through the API AND that no event was lost or
 * invented: the events are exactly the statuses the upstream answered, in order, each delivered
 * once to a verifying receiver; faults themselves produce no event.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { parseConfig } from '../../src/config.ts';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';
import { callApi } from '../helpers/api.ts';

/** Every status is answered twice, so a correct poller sees each one. */
const LIFECYCLE = { fotolabs: ['pending', 'pending', 'processing', 'processing', 'completed'], magichour: ['queued', 'queued', 'rendering', 'rendering', 'complete'] };
const HUGE = Buffer.alloc(20 * 1024 * 1024, ' ');
HUGE.write('{"imageId":"x","status":"processing","pad":"');

interface Upstream {
  url: string;
  /** Fault answers given, per job id. */
  faults: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Plays fotolabs (`GET /v1/images/{id}`) or magichour (`GET /v1/image-projects/{id}`). A job id
 * `<fault>-<count>-<nonce>` gets that fault for its first `count` requests (`all`: forever), then
 * the lifecycle.
 */
async function startUpstream(port = 0): Promise<Upstream> {
  const faults = new Map<string, number>();
  const served = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    const m = /^\/v1\/(images|image-projects)\/([^/?]+)/.exec(req.url ?? '');
    if (!m) return void res.writeHead(404).end();
    const id = decodeURIComponent(m[2]!);
    const [fault, count] = id.split('-');
    const given = faults.get(id) ?? 0;
    if (fault !== 'ok' && (count === 'all' || given < Number(count))) {
      faults.set(id, given + 1);
      return answerFault(fault!, res);
    }
    const n = served.get(id) ?? 0;
    served.set(id, n + 1);
    const magichour = m[1] === 'image-projects';
    const steps = magichour ? LIFECYCLE.magichour : LIFECYCLE.fotolabs;
    const status = steps[Math.min(n, steps.length - 1)]!;
    const body = magichour
      ? { id, status, downloads: status === 'complete' ? [{ url: `https://cdn.example.com/${id}.png` }] : [], error: null }
      : { imageId: id, status, resultImageUrl: status === 'completed' ? `https://cdn.example.com/${id}.jpg` : null, errorMessage: null };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function answerFault(fault: string, res: ServerResponse): void {
  const json = (status: number, body: unknown, headers: Record<string, string> = {}): void =>
    void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  switch (fault) {
    case 'e401':
      return json(401, { error: 'Invalid or missing API key' });
    case 'e404':
      return json(404, { error: 'Image not found' });
    case 'e429':
      return json(429, { error: 'Too many requests' }, { 'retry-after': '1' });
    case 'e500':
      return json(500, { error: 'Internal server error' });
    case 'malformed':
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status": "proc');
    case 'huge':
      return void res.writeHead(200, { 'content-type': 'application/json', 'content-length': HUGE.length }).end(HUGE);
    case 'slow':
      // Headers later than the poll timeout (half of POLLHOOK_LEASE_MS below: 1 s).
      return void setTimeout(() => json(200, { imageId: 'slow', status: 'processing' }), 3_000).unref();
    default:
      return json(400, { error: `unknown fault ${fault}` });
  }
}

let dir: string;
let upstream: Upstream;
let refusedPort = 0;
let service: Service;
let receiver: Receiver;
let apiKey = '';
/** Added to the service's clock, to pass the long waits (30 s of not-found answers) without waiting. */
let clockOffset = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-faults-up-'));
  upstream = await startUpstream();
  // A port nothing listens on (yet): magichour polls are refused until a row starts a server there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  refusedPort = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  let banner = '';
  service = await startService({
    config: {
      ...parseConfig({}),
      port: 0,
      host: '127.0.0.1',
      dbPath: join(dir, 'p.db'),
      masterKey: randomBytes(32).toString('base64'),
      allowPrivateNetworks: true,
      allowHttp: true,
      providerBaseUrls: { fotolabs: upstream.url, magichour: `http://127.0.0.1:${refusedPort}` },
      retryScheduleMs: [200, 200, 200],
      deliveryTimeoutMs: 1_000,
      leaseMs: 2_000,
    },
    clock: { now: () => Date.now() + clockOffset },
    logger: nullLogger,
    announce: (t) => (banner = t),
    shutdownGraceMs: 500,
  });
  apiKey = /API key:\s+(\S+)/.exec(banner)![1]!;
  const secret = /signing secret:\s+(\S+)/.exec(banner)![1]!;
  receiver = await startReceiver({ secrets: [secret] });
});

afterAll(async () => {
  await service?.close();
  await receiver?.close();
  await upstream?.close();
  rmSync(dir, { recursive: true, force: true });
});

const api = (path: string, init?: { method?: string; json?: unknown }) => callApi(service.url, apiKey, path, init);

async function registerJob(externalId: string, provider = 'fotolabs') {
  const res = await api('/v1/jobs', {
    method: 'POST',
    json: { provider, externalId, credentials: { apiKey: 'key' }, callbackUrl: receiver.url, pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 0.5 },
  });
  expect(res.status).toBe(201);
  return res.body.id as string;
}

/** The job once terminal with every delivery delivered, and its events. */
async function settled(jobId: string, timeoutMs = 15_000) {
  return waitFor(
    async () => {
      const job = (await api(`/v1/jobs/${jobId}`)).body;
      if (!['succeeded', 'failed', 'canceled'].includes(job.state)) return null;
      const events = (await api(`/v1/jobs/${jobId}/events`)).body.data as any[];
      return events.every((e) => e.deliveries.every((d: any) => d.status === 'delivered')) ? { job, events } : null;
    },
    { timeoutMs, intervalMs: 50, message: `job ${jobId} to finish and deliver` },
  );
}

/** Exactly these statuses, once each, in order, stored and accepted by the receiver (nothing else for the job). */
function expectEvents(jobId: string, events: any[], statuses: Array<string | null>, types: string[]) {
  expect(events.map((e) => e.sequence)).toEqual(statuses.map((_, i) => i + 1));
  expect(events.map((e) => e.payload.data.upstreamStatus)).toEqual(statuses);
  expect(events.map((e) => e.type)).toEqual(types);
  const hooks = receiver.accepted().filter((h) => h.payload?.data?.id === jobId);
  expect(hooks.map((h) => h.payload.data.sequence)).toEqual(statuses.map((_, i) => i + 1));
  expect(new Set(hooks.map((h) => h.webhookId)).size).toBe(hooks.length);
  expect(receiver.received.filter((h) => h.payload?.data?.id === jobId).every((h) => h.verified)).toBe(true);
}

const SUCCESS_STATUSES = ['pending', 'processing', 'completed'];
const SUCCESS_TYPES = ['job.pending', 'job.running', 'job.succeeded'];

describe('fault matrix: upstreams', () => {
  it.each([
    ['e429', 2, 'rate_limited'],
    ['e500', 2, 'transient'],
    ['malformed', 2, 'malformed'],
    ['huge', 1, 'malformed'],
    ['slow', 1, 'transient'],
  ])('%s for the first %i polls: backed off without an event, then every status delivered', async (fault, count, kind) => {
    const externalId = `${fault}-${count}-${randomUUID()}`;
    const jobId = await registerJob(externalId);
    const { job, events } = await settled(jobId);
    expect(upstream.faults.get(externalId)).toBe(count);
    expect(job).toMatchObject({ state: 'succeeded', upstreamStatus: 'completed', error: null });
    expect(job.polls.failures).toBe(count);
    expect(job.polls.consecutiveFailures).toBe(0);
    expect(job.polls.lastFailure.kind).toBe(kind);
    expectEvents(jobId, events, SUCCESS_STATUSES, SUCCESS_TYPES);
  });

  it('an e429 Retry-After is honoured: the poll after it waits at least that long', async () => {
    const externalId = `e429-1-${randomUUID()}`;
    const started = Date.now();
    const jobId = await registerJob(externalId);
    const { events } = await settled(jobId);
    // Retry-After: 1 s; the first status can only be observed after it.
    expect(Date.parse(events[0].payload.data.observedAt) - started).toBeGreaterThanOrEqual(1_000);
  });

  it('connection refused: transient failures and no event until the upstream comes up, then every status', async () => {
    const jobId = await registerJob(`ok-0-${randomUUID()}`, 'magichour');
    const failing = await waitFor(
      async () => {
        const job = (await api(`/v1/jobs/${jobId}`)).body;
        return job.polls.failures >= 2 ? job : null;
      },
      { message: 'refused polls' },
    );
    expect(failing).toMatchObject({ state: null, sequence: 0 });
    expect(failing.polls.lastFailure.kind).toBe('transient');
    expect(failing.polls.lastFailure.message).toMatch(/ECONNREFUSED|connection/i);
    expect((await api(`/v1/jobs/${jobId}/events`)).body.data).toEqual([]);

    const late = await startUpstream(refusedPort);
    try {
      const { job, events } = await settled(jobId);
      expect(job.state).toBe('succeeded');
      expectEvents(jobId, events, ['queued', 'rendering', 'complete'], SUCCESS_TYPES);
    } finally {
      await late.close();
    }
  });

  /** Moves the service's clock on until the job ends: the not-found and auth rules span seconds. */
  async function endByClock(jobId: string, stepMs: number) {
    return waitFor(
      async () => {
        const job = (await api(`/v1/jobs/${jobId}`)).body;
        if (job.state === 'failed') return job;
        clockOffset += stepMs;
        return null;
      },
      { intervalMs: 300, message: `job ${jobId} to be ended by pollhook` },
    );
  }

  it.each([
    ['e401', 'upstream_unauthorized', 2_000],
    ['e404', 'upstream_not_found', 5_000],
  ])('%s forever: pollhook ends the job with job.failed and %s, once', async (fault, code, stepMs) => {
    const jobId = await registerJob(`${fault}-all-${randomUUID()}`);
    await endByClock(jobId, stepMs);
    const { job, events } = await settled(jobId);
    expect(job.error.code).toBe(code);
    expect(job.polls.failures).toBeGreaterThanOrEqual(2);
    expectEvents(jobId, events, [null], ['job.failed']);
    expect(events[0].payload.data).toMatchObject({ state: 'failed', error: { code } });
  });
});
