/**
 * A tenant split across 4 shards by job id: jobs spread over the members, every member signs
 * with the tenant's secret and feeds its subscription, and the API still reads as one tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { buildWorker, startLocalWorker, type LocalWorker } from '../../src/runtime/workers/local/miniflare.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';
import { memberOf } from '../../src/runtime/workers/split.ts';

const ADMIN = 'split-admin';
let worker: LocalWorker;
let sim: Simulator;
let receiver: Receiver;
let dir = '';
let secret = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-split-'));
  sim = await startSimulator({ stepMs: 100 });
  receiver = await startReceiver({ secrets: () => [secret] });
  const vars: Record<string, string> = {
    POLLHOOK_ADMIN_TOKEN: ADMIN,
    POLLHOOK_MASTER_KEY: Buffer.alloc(32, 8).toString('base64'),
    POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    POLLHOOK_LOG_LEVEL: 'error',
  };
  for (const p of BUILTIN_PROVIDERS) vars[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
  worker = await startLocalWorker({ scriptPath: await buildWorker(), vars, persistDir: dir });
}, 60_000);
afterAll(async () => {
  await worker?.close();
  await receiver?.close();
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
/** Durable Objects with a database on disk, over both classes. */
const shardObjects = () => readdirSync(dir, { recursive: true }).filter((f) => String(f).endsWith('.sqlite')).length;

describe('a tenant split across shards', () => {
  it('spreads jobs over its shards and still reads, signs and delivers as one tenant', async () => {
    const beforeRefused = shardObjects();
    // The app's rule and answer (Node checks `shards` the same way), before any shard exists.
    for (const bad of ['99', 'abc', '4.0', '0x4', '1e1', '', '2&shards=2']) {
      const refused = await call(`/v1/tenants?shards=${bad}`, ADMIN, { name: 'big' });
      expect(refused.status, bad).toBe(422);
      expect(refused.body).toMatchObject({ type: 'https://pollhook.dev/problems/validation', errors: [{ path: 'shards' }] });
    }
    expect(shardObjects()).toBe(beforeRefused);
    const before = shardObjects();
    const big = await call('/v1/tenants?shards=4', ADMIN, { name: 'big' });
    expect(big.status).toBe(201);
    secret = big.body.signingSecret;
    const other = await call('/v1/tenants', ADMIN, { name: 'other' });
    const sub = await call('/v1/subscriptions', big.body.apiKey, { url: receiver.url });
    expect(sub.status).toBe(201);

    const jobs: string[] = [];
    const members = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const upstream = sim.createJob({ provider: 'fotolabs', scenario: 'success' });
      const registration = { provider: 'fotolabs', externalId: upstream.id, credentials: { apiKey: upstream.apiKey }, pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 0.5 };
      const r = await call('/v1/jobs', big.body.apiKey, registration);
      expect(r.status).toBe(201);
      jobs.push(r.body.id);
      members.add(memberOf('fotolabs', upstream.id, 4));
      if (i === 0) {
        // The same body again, on whichever member holds it: the existing job (a different body is a 409).
        const again = await call('/v1/jobs', big.body.apiKey, registration);
        expect([again.status, again.body.id]).toEqual([200, r.body.id]);
      }
    }
    // Registered without a callback URL: each member accepted them because the subscription was
    // copied to it; the jobs live on several members.
    expect(members.size).toBeGreaterThan(1);
    expect(shardObjects() - before).toBe(6); // 4 members, the other tenant's shard, the directory

    // Every job's last event reaches the subscription, signed with the tenant's one secret.
    await waitFor(() => jobs.every((id) => receiver.accepted().some((h) => h.payload.data.id === id && h.payload.type === 'job.succeeded')), {
      timeoutMs: 30_000,
      message: 'every job of the split tenant to be delivered',
    });
    expect(receiver.received.every((h) => h.verified)).toBe(true);

    for (const id of jobs) {
      expect((await call(`/v1/jobs/${id}`, big.body.apiKey)).body.state).toBe('succeeded');
      expect((await call(`/v1/jobs/${id}`, other.body.apiKey)).status).toBe(404);
    }
    const listed: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await call(`/v1/jobs?limit=5${cursor ? `&cursor=${cursor}` : ''}`, big.body.apiKey);
      expect(page.status).toBe(200);
      listed.push(...page.body.data.map((j: { id: string }) => j.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(listed).toEqual([...jobs].sort().reverse());
  }, 60_000);
});
