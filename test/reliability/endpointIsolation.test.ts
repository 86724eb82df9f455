/**
 * Per-endpoint isolation, as a user sees it: the whole service (startService, real HTTP, SQLite
 * file, both engines, real time) against the simulator and ONE receiver host on 127.0.0.1 with
 * `/fail` (always 500), `/flaky` (500, or a 5 s hang and then 500) and `/ok`. More than 20
 * failing jobs (or subscriptions) are registered first and left failing; then healthy jobs whose
 * webhooks go to `/ok` on the same host, in the same tenant and in another. Every healthy event
 * must arrive within seconds of the poll that saw the upstream change: failure state (circuit,
 * backoff, hand-backs) belongs to the endpoint, never to the host.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { parseConfig } from '../../src/config.ts';
import { startService, type Service } from '../../src/runtime/node/service.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { callApi } from '../helpers/api.ts';

/** A correctness bound, not a speed assertion: blocked behind a failing neighbour, events waited minutes. */
const HEALTHY_BOUND_MS = 10_000;
/** Poll that saw a change -> webhook received at /ok. A 5 s hang or an open circuit would exceed it. */
const MAX_LAG_MS = 4_000;
const HANG_MS = 5_000;
const ADMIN_TOKEN = `admin-${randomBytes(8).toString('hex')}`;

interface Hit {
  path: string;
  at: number;
  verified: boolean;
  /** Indexes of the secrets (tenant A's, tenant B's) that verify it. */
  verifiedBy: number[];
  payload: any;
}

/** The shared receiver host. `onHit` listeners let tests await conditions instead of sleeping. */
async function startHost(secrets: () => string[]) {
  const hits: Hit[] = [];
  const listeners = new Set<() => void>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  let flakyCount = 0;
  let hanging = 0;
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    const headers = {
      'webhook-id': String(req.headers['webhook-id'] ?? ''),
      'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
      'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
    };
    const verifiedBy = secrets().flatMap((s, i) => {
      try {
        new Webhook(s).verify(body, headers);
        return [i];
      } catch {
        return [];
      }
    });
    const path = req.url ?? '';
    let payload: any = null;
    try {
      payload = JSON.parse(body);
    } catch {
      // stays null; the test sees it
    }
    if (path.startsWith('/flaky') && flakyCount++ % 2 === 1) {
      hanging++;
      const timer = setTimeout(() => {
        timers.delete(timer);
        hanging--;
        if (!res.destroyed) res.writeHead(500).end('slow failure');
      }, HANG_MS);
      timers.add(timer);
    } else if (path.startsWith('/ok')) res.writeHead(204).end();
    else res.writeHead(500).end('failure');
    hits.push({ path, at: Date.now(), verified: verifiedBy.length > 0, verifiedBy, payload });
    for (const l of [...listeners]) l();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    get hanging() {
      return hanging;
    },
    /** Resolves once `check` holds after some hit (checked at once too); rejects after `timeoutMs`. */
    until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        if (check()) return resolve();
        const timer = setTimeout(() => {
          listeners.delete(listener);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const listener = () => {
          if (!check()) return;
          clearTimeout(timer);
          listeners.delete(listener);
          resolve();
        };
        listeners.add(listener);
      });
    },
    close: () =>
      new Promise<void>((r) => {
        for (const t of timers) clearTimeout(t);
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

type Host = Awaited<ReturnType<typeof startHost>>;
interface Tenant {
  id: string;
  apiKey: string;
  signingSecret: string;
}

let dir: string;
let sim: Simulator;
let service: Service;
let host: Host;
let a: Tenant;
let b: Tenant;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-endpoints-'));
  sim = await startSimulator({ stepMs: 100 });
  const secrets: string[] = [];
  host = await startHost(() => secrets);
  let banner = '';
  service = await startService({
    config: {
      ...parseConfig({}),
      port: 0,
      host: '127.0.0.1',
      dbPath: join(dir, 'p.db'),
      masterKey: randomBytes(32).toString('base64'),
      adminToken: ADMIN_TOKEN,
      allowPrivateNetworks: true,
      allowHttp: true,
      providerBaseUrls: sim.baseUrls,
      // Failing deliveries keep coming back while the healthy ones are measured.
      retryScheduleMs: Array.from({ length: 30 }, () => 1_000),
    },
    logger: nullLogger,
    announce: (t) => (banner = t),
    shutdownGraceMs: 200,
  });
  const tenantA = { id: '', apiKey: /API key:\s+(\S+)/.exec(banner)![1]!, signingSecret: /signing secret:\s+(\S+)/.exec(banner)![1]! };
  const created = await callApi(service.url, ADMIN_TOKEN, '/v1/tenants', { method: 'POST', json: { name: 'second' } });
  expect(created.status).toBe(201);
  a = tenantA;
  b = { id: created.body.id, apiKey: created.body.apiKey, signingSecret: created.body.signingSecret };
  secrets.push(a.signingSecret, b.signingSecret);
});

afterEach(async () => {
  // The receiver first: its hanging answers would hold the service's shutdown.
  await host?.close();
  await service?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Registers a fotolabs `success` job (pending, processing, completed) for the tenant; `callbackUrl` may be omitted. */
async function registerJob(t: Tenant, callbackUrl?: string) {
  const upstream = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
  const res = await callApi(service.url, t.apiKey, '/v1/jobs', {
    method: 'POST',
    json: {
      provider: 'fotolabs',
      externalId: upstream.id,
      credentials: { apiKey: upstream.apiKey },
      ...(callbackUrl ? { callbackUrl } : {}),
      pollIntervalSeconds: 0.25,
      maxPollIntervalSeconds: 0.5,
    },
  });
  expect(res.status).toBe(201);
  return { id: res.body.id as string, events: upstream.expected.upstreamStatuses.length };
}

async function subscribe(t: Tenant, url: string): Promise<void> {
  const res = await callApi(service.url, t.apiKey, '/v1/subscriptions', { method: 'POST', json: { url } });
  expect(res.status).toBe(201);
}

const hitsAt = (prefix: string) => host.hits.filter((h) => h.path.startsWith(prefix));

/** Every event of every job arrived (verified, 2xx) at `path`: sequences 1..n of each job. */
function allArrived(path: string, jobs: Array<{ id: string; events: number }>): boolean {
  const seen = new Map<string, Set<number>>();
  for (const h of host.hits) {
    if (h.path !== path || !h.verified) continue;
    const id = h.payload?.data?.id as string;
    if (!seen.has(id)) seen.set(id, new Set());
    seen.get(id)!.add(h.payload.data.sequence);
  }
  return jobs.every((j) => (seen.get(j.id)?.size ?? 0) === j.events);
}

/** Each healthy webhook at `path` for these jobs came within MAX_LAG_MS of the poll that saw its change. */
function expectPrompt(path: string, jobs: Array<{ id: string }>) {
  const ids = new Set(jobs.map((j) => j.id));
  const healthy = host.hits.filter((h) => h.path === path && ids.has(h.payload?.data?.id));
  expect(healthy.length).toBeGreaterThan(0);
  for (const h of healthy) {
    expect(h.verified).toBe(true);
    expect(h.at - Date.parse(h.payload.data.observedAt)).toBeLessThan(MAX_LAG_MS);
  }
}

describe('per-endpoint isolation: a failing endpoint never delays a healthy one on its host', () => {
  it('callbacks: 24 failing jobs first, then healthy jobs on the same host, same tenant and another tenant', async () => {
    // 24 failing jobs: 8 share one /fail URL (one endpoint: its circuit opens), 8 fail on URLs of
    // their own, 8 on /flaky URLs that answer 500 or hang 5 s. Tenant B has some of them too.
    const failing = [
      ...Array.from({ length: 8 }, () => ({ t: a, url: `${host.base}/fail` })),
      ...Array.from({ length: 8 }, (_, i) => ({ t: i % 2 ? a : b, url: `${host.base}/fail/${i}` })),
      ...Array.from({ length: 8 }, (_, i) => ({ t: i % 2 ? b : a, url: `${host.base}/flaky/${i}` })),
    ];
    for (const f of failing) await registerJob(f.t, f.url);
    // Wait until they are failing: failures on the host (enough to open a circuit) and /flaky
    // requests hanging.
    await host.until(() => hitsAt('/f').length >= 10 && host.hanging > 0, HEALTHY_BOUND_MS, 'the failing endpoints to fail');
    const failingHitsBefore = hitsAt('/f').length;

    const healthyA = [await registerJob(a, `${host.base}/ok`), await registerJob(a, `${host.base}/ok`), await registerJob(a, `${host.base}/ok`)];
    const healthyB = [await registerJob(b, `${host.base}/ok`), await registerJob(b, `${host.base}/ok/b`)];
    const registered = Date.now();
    await host.until(
      () => allArrived('/ok', [...healthyA, healthyB[0]!]) && allArrived('/ok/b', [healthyB[1]!]),
      HEALTHY_BOUND_MS,
      'every event of the healthy jobs',
    );
    expect(Date.now() - registered).toBeLessThan(HEALTHY_BOUND_MS);
    expectPrompt('/ok', [...healthyA, healthyB[0]!]);
    expectPrompt('/ok/b', [healthyB[1]!]);
    // Signed with the right tenant's secret: A's jobs verify with A's only, B's with B's.
    const signers = (jobs: Array<{ id: string }>) =>
      new Set(hitsAt('/ok').filter((h) => jobs.some((j) => j.id === h.payload.data.id)).map((h) => h.verifiedBy.join(',')));
    expect([...signers(healthyA)]).toEqual(['0']);
    expect([...signers(healthyB)]).toEqual(['1']);
    // The failing endpoints kept retrying on their own schedule meanwhile, every one of them.
    expect(hitsAt('/f').length).toBeGreaterThan(failingHitsBefore);
    expect(new Set(hitsAt('/f').map((h) => h.path)).size).toBe(17);
    const failed = await callApi(service.url, a.apiKey, '/v1/deliveries?status=failed&limit=100');
    expect(failed.body.data.length).toBeGreaterThan(0);
  }, 30_000);

  it('subscriptions: 20 failing subscriptions first, then the healthy subscription of the same tenant and of another tenant on the same host', async () => {
    for (let i = 0; i < 20; i++) await subscribe(a, `${host.base}/${i % 4 === 3 ? 'flaky' : 'fail'}/sub-${i}`);
    await subscribe(a, `${host.base}/ok/sub-a`);
    await subscribe(b, `${host.base}/ok/sub-b`);
    // Jobs whose every event goes to all 20 failing subscriptions (and the healthy one).
    const early = [await registerJob(a), await registerJob(a), await registerJob(a)];
    await host.until(
      () => hitsAt('/f').length >= 20 && host.hanging > 0,
      HEALTHY_BOUND_MS,
      'the failing subscriptions to fail',
    );

    const laterA = [await registerJob(a), await registerJob(a)];
    const laterB = [await registerJob(b), await registerJob(b)];
    await host.until(
      () => allArrived('/ok/sub-a', [...early, ...laterA]) && allArrived('/ok/sub-b', laterB),
      HEALTHY_BOUND_MS,
      'every event at the healthy subscriptions',
    );
    expectPrompt('/ok/sub-a', laterA);
    expectPrompt('/ok/sub-b', laterB);
    // Tenant B's subscription got only B's events, tenant A's only A's.
    const ids = (path: string) => new Set(host.hits.filter((h) => h.path === path).map((h) => h.payload.data.id));
    expect([...ids('/ok/sub-b')].sort()).toEqual(laterB.map((j) => j.id).sort());
    expect([...ids('/ok/sub-a')].sort()).toEqual([...early, ...laterA].map((j) => j.id).sort());
    // The failing subscriptions' deliveries are still being retried, not given up.
    const failed = await callApi(service.url, a.apiKey, '/v1/deliveries?status=failed&limit=100');
    expect(failed.body.data.length).toBeGreaterThan(0);
  }, 30_000);
});
