/**
 * SSRF at connect time (DNS rebinding): a name that answered a public address at registration
 * and rebinds to a forbidden one later is refused by the Node HTTP client, for deliveries (the
 * delivery engine) and for upstream polls (pollOnce and the scheduler), and nothing reaches
 * the loopback server. Registration-time checks: ssrf.test.ts.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LookupAddress } from 'node:dns';
import { body, fotolabsJob, httpJob, seedEvent, seedTenant, startApi } from '../http/harness.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { createDispatcher } from '../../src/delivery/index.ts';
import { createScheduler } from '../../src/scheduler/index.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { pollOnce } from '../../src/providers/poll.ts';
import type { PollTarget } from '../../src/providers/types.ts';
import { nullLogger } from '../../src/core/logger.ts';
import type { HttpClient } from '../../src/net/httpClient.ts';
import { PUBLIC_V4, resolver } from './ssrfDns.ts';

/** A loopback server that records every request it gets: it must get none. */
async function startLoopbackServer(): Promise<{ port: number; hits: string[]; close(): Promise<void> }> {
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"status":"done"}}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Connect-time DNS that has rebound: every name now answers these addresses. */
function reboundLookup(addresses: string[], seen: string[]): typeof import('node:dns').lookup {
  return ((hostname: string, _opts: unknown, callback: (err: Error | null, list: LookupAddress[]) => void) => {
    seen.push(hostname);
    callback(null, addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
  }) as unknown as typeof import('node:dns').lookup;
}

describe('DNS rebinding is refused at connect time', () => {
  let loopback: Awaited<ReturnType<typeof startLoopbackServer>>;
  let rebindApi: Awaited<ReturnType<typeof startApi>>;
  let clients: HttpClient[] = [];
  beforeAll(async () => {
    loopback = await startLoopbackServer();
    // http allowed (the loopback server speaks plain HTTP); private networks are not.
    rebindApi = await startApi({ deps: { resolver }, config: { allowHttp: true } });
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
  });
  afterAll(async () => {
    await loopback?.close();
    await rebindApi?.stop();
    rebindApi?.temp?.cleanup();
  });
  const client = (addresses: string[], seen: string[], allowPrivate = false) => {
    const c = createNodeHttpClient({ ssrf: { allowPrivate, allowHttp: true }, lookup: reboundLookup(addresses, seen) });
    clients.push(c);
    return c;
  };

  test.each([
    ['loopback', ['127.0.0.1']],
    ['IPv6 loopback', ['::1']],
    ['IPv4-mapped loopback', ['::ffff:127.0.0.1']],
    ['public then loopback', [PUBLIC_V4, '127.0.0.1']],
    ['cloud metadata', ['169.254.169.254']],
  ])('deliveries to a callback and a subscription registered as public, now %s, are refused', async (_name, addresses) => {
    const t = seedTenant(rebindApi, `rebind-${_name}`);
    const post = async (path: string, json: unknown) => {
      const res = await rebindApi.fetch(path, { method: 'POST', key: t.apiKey, json });
      expect(res.status, JSON.stringify(json)).toBe(201);
      return body(res);
    };
    await post('/v1/subscriptions', { url: `http://rebind.test:${loopback.port}/sub` });
    const job = await post('/v1/jobs', fotolabsJob({ externalId: `rb-${_name}`, callbackUrl: `http://rebind.test:${loopback.port}/cb` }));
    seedEvent(rebindApi, { id: job.id, tenantId: t.id, callbackUrl: job.callbackUrl }, 1);

    const seen: string[] = [];
    const dispatcher = createDispatcher({
      db: rebindApi.db,
      clock: rebindApi.clock,
      random: () => 0.5,
      http: client(addresses, seen),
      secretBox: rebindApi.box,
      logger: nullLogger,
      workerId: 'ssrf-test',
      options: { retryScheduleMs: [5_000], timeoutMs: 2_000, userAgent: 'pollhook/test' },
    });
    await dispatcher.runOnce();
    await dispatcher.idle();
    await dispatcher.stop(0);

    expect(seen).toContain('rebind.test');
    expect(loopback.hits).toEqual([]);
    const detail = await body(await rebindApi.fetch(`/v1/deliveries?jobId=${job.id}`, { key: t.apiKey }));
    expect(detail.data).toHaveLength(2);
    for (const d of detail.data) {
      expect(d).toMatchObject({ status: 'failed', attemptCount: 1, lastStatusCode: null });
      expect(d.lastError).toMatch(/SSRF guard refused the connection/);
    }
  });

  test('control: the same delivery with private networks allowed does reach the loopback server', async () => {
    const t = seedTenant(rebindApi, 'rebind-control');
    const job = await body(
      await rebindApi.fetch('/v1/jobs', {
        method: 'POST',
        key: t.apiKey,
        json: fotolabsJob({ externalId: 'rb-control', callbackUrl: `http://rebind.test:${loopback.port}/cb` }),
      }),
    );
    seedEvent(rebindApi, { id: job.id, tenantId: t.id, callbackUrl: job.callbackUrl }, 1);
    const dispatcher = createDispatcher({
      db: rebindApi.db,
      clock: rebindApi.clock,
      random: () => 0.5,
      http: client(['127.0.0.1'], [], true),
      secretBox: rebindApi.box,
      logger: nullLogger,
      workerId: 'ssrf-control',
      options: { retryScheduleMs: [5_000], timeoutMs: 2_000, userAgent: 'pollhook/test' },
    });
    await dispatcher.runOnce();
    await dispatcher.idle();
    await dispatcher.stop(0);
    expect(loopback.hits).toEqual(['POST /cb']);
    loopback.hits.length = 0;
  });

  test('pollOnce to an upstream that rebinds to loopback is a transient "blocked by the SSRF guard"', async () => {
    const providers = createProviderRegistry();
    const target = (overrides: Partial<PollTarget> = {}): PollTarget => ({
      externalId: 'ext-1',
      credentials: { apiKey: 'k' },
      http: null,
      validators: {},
      previousState: null,
      requestId: 'req-1',
      ...overrides,
    });
    const seen: string[] = [];
    const guarded = client(['127.0.0.1'], seen);
    const base = `http://rebind-upstream.test:${loopback.port}`;
    const spec = { url: `${base}/jobs/{externalId}`, statusPath: '/data/status', states: { succeeded: ['done'] } };
    for (const [provider, t] of [
      ['fotolabs', target()],
      ['topaz', target()],
      ['http', target({ credentials: null, http: { spec, headers: { authorization: 'Bearer h' } } })],
    ] as const) {
      const out = await pollOnce(guarded, providers.get(provider)!, t, base, { timeoutMs: 2_000, now: Date.now() });
      expect(out, provider).toMatchObject({ kind: 'failure', failure: { kind: 'transient', message: expect.stringMatching(/^blocked by the SSRF guard: /) } });
    }
    expect(seen).toContain('rebind-upstream.test');
    expect(loopback.hits).toEqual([]);
  });

  test('the scheduler polling a registered http job that rebinds records the refusal and never reaches loopback', async () => {
    const t = seedTenant(rebindApi, 'rebind-poll');
    const res = await rebindApi.fetch('/v1/jobs', {
      method: 'POST',
      key: t.apiKey,
      json: httpJob({
        externalId: 'rb-poll',
        callbackUrl: 'https://public.test/cb',
        http: { ...httpJob().http, url: `http://rebind-upstream.test:${loopback.port}/jobs/{externalId}` },
      }),
    });
    expect(res.status).toBe(201);
    const job = await body(res);
    const seen: string[] = [];
    const scheduler = createScheduler({
      db: rebindApi.db,
      clock: rebindApi.clock,
      random: () => 0.5,
      http: client(['127.0.0.1'], seen),
      providers: createProviderRegistry(),
      secretBox: rebindApi.box,
      logger: nullLogger,
      workerId: 'ssrf-poller',
    });
    await scheduler.runOnce();
    await scheduler.idle();

    expect(seen).toContain('rebind-upstream.test');
    expect(loopback.hits).toEqual([]);
    const after = await body(await rebindApi.fetch(`/v1/jobs/${job.id}`, { key: t.apiKey }));
    expect(after.state).toBeNull();
    expect(after.polls).toMatchObject({ count: 1, failures: 1 });
    expect(after.polls.lastFailure).toMatchObject({ kind: 'transient', message: expect.stringMatching(/^blocked by the SSRF guard: /) });
  });
});
