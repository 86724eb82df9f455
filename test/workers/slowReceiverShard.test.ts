/**
 * A slow receiver on a shard under workerd (Miniflare): the receiver holds every webhook until
 * the test ends. Once known to be slow it has 3 webhooks out at once, not 1, and jobs registered
 * meanwhile with a healthy receiver on another host are polled and delivered while those 3 are
 * still out: the shard's alarm does not wait for the slow sends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { buildWorker, startLocalWorker, type LocalWorker } from '../../src/runtime/workers/local/miniflare.ts';
import { startTestReceiver, type TestReceiver } from '../delivery/receiver.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN = 'slow-receiver-admin';
let worker: LocalWorker;
let sim: Simulator;
let slow: TestReceiver;
let healthy: Receiver;
let dir = '';
let secret = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-slow-'));
  sim = await startSimulator({ stepMs: 100 });
  slow = await startTestReceiver({ secrets: () => [secret], reply: () => 'hang' });
  healthy = await startReceiver({ secrets: () => [secret] });
  const vars: Record<string, string> = {
    POLLHOOK_ADMIN_TOKEN: ADMIN,
    POLLHOOK_MASTER_KEY: Buffer.alloc(32, 9).toString('base64'),
    POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    POLLHOOK_LOG_LEVEL: 'error',
  };
  for (const p of BUILTIN_PROVIDERS) vars[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
  worker = await startLocalWorker({ scriptPath: await buildWorker(), vars, persistDir: dir });
}, 60_000);
afterAll(async () => {
  for (const res of slow?.hanging ?? []) res.writeHead(204).end();
  await worker?.close();
  await slow?.close();
  await healthy?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const call = async (path: string, token: string, json?: unknown) => {
  const res = await worker.dispatch(path, {
    method: json === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: json === undefined ? undefined : JSON.stringify(json),
  });
  return { status: res.status, body: (await res.json()) as any };
};

async function registerJob(apiKey: string, callbackUrl: string): Promise<string> {
  const upstream = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
  const r = await call('/v1/jobs', apiKey, {
    provider: 'fotolabs',
    externalId: upstream.id,
    credentials: { apiKey: upstream.apiKey },
    callbackUrl,
    pollIntervalSeconds: 0.25,
    maxPollIntervalSeconds: 0.5,
  });
  expect(r.status).toBe(201);
  return r.body.id;
}

describe('a slow receiver on a shard', () => {
  it('gets 3 webhooks at once, and a healthy receiver is served while they are out', async () => {
    const tenant = await call('/v1/tenants', ADMIN, { name: 'slow' });
    expect(tenant.status).toBe(201);
    secret = tenant.body.signingSecret;
    // One endpoint (same tenant, same URL) with several jobs' webhooks.
    for (let i = 0; i < 6; i++) await registerJob(tenant.body.apiKey, `${slow.url}/slow`);
    // The first webhook goes alone; out for a second with no answer, the receiver is slow and
    // gets its limited share.
    await waitFor(() => slow.hanging.length >= 3, { timeoutMs: 15_000, message: '3 webhooks out at the slow receiver' });

    const okJobs = [await registerJob(tenant.body.apiKey, healthy.url), await registerJob(tenant.body.apiKey, healthy.url)];
    await waitFor(() => okJobs.every((id) => healthy.accepted().some((h) => h.payload.data.id === id && h.payload.type === 'job.succeeded')), {
      timeoutMs: 10_000,
      message: 'the healthy receiver to get every webhook of its jobs',
    });
    // Still the same 3 out: nothing of the slow receiver answered, and it got no more.
    expect(slow.hanging).toHaveLength(3);
    expect(slow.received).toHaveLength(3);
    expect(slow.received.every((r) => r.verifiedBy.length === 1)).toBe(true);
  }, 60_000);
});
