/**
 * A full disk under the Worker, for real: Miniflare runs the Worker with its Durable Objects'
 * SQLite files on a 16 MB tmpfs mounted for this test (these machines run as root). While jobs
 * poll the simulated upstreams and webhooks flow to a receiver on 127.0.0.1, a filler file takes
 * every free byte. Writes must then answer 503 `unavailable` with Retry-After, never 500, and
 * the tenant's shard's /readyz says why. When the filler is removed, the shard's alarm, which
 * kept re-arming at its backoff, must resume by itself within 30 s (no restart, no request):
 * every acknowledged job's events delivered.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorker, startLocalWorker, type LocalWorker } from '../../src/runtime/workers/local/miniflare.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

const ADMIN = 'full-admin';
let base = '';
let mountPoint = '';
let mounted = false;
let sim: Simulator;
let receiver: Receiver;
let worker: LocalWorker | null = null;
let filler: { remove(): void } | null = null;

/** Takes every free byte of the filesystem `path` is on, and keeps taking what is given back. */
function startFiller(path: string) {
  const fd = openSync(path, 'w');
  const chunks = [Buffer.alloc(1 << 20, 1), Buffer.alloc(4096, 1)];
  const top = () => {
    for (const chunk of chunks) {
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  };
  top();
  const timer = setInterval(top, 50);
  let removed = false;
  return {
    remove() {
      if (removed) return;
      removed = true;
      clearInterval(timer);
      closeSync(fd);
      unlinkSync(path);
    },
  };
}

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'pollhook-dofull-'));
  mountPoint = join(base, 'mnt');
  mkdirSync(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
  mounted = true;
  sim = await startSimulator({ stepMs: 300 });
}, 60_000);

afterAll(async () => {
  filler?.remove();
  await worker?.close();
  await receiver?.close();
  await sim?.close();
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
  if (base) rmSync(base, { recursive: true, force: true });
}, 60_000);

describe('a Durable Object whose storage fills up', () => {
  it('answers 503 while full, then resumes by itself and delivers every acknowledged job', async () => {
    const vars: Record<string, string> = {
      POLLHOOK_ADMIN_TOKEN: ADMIN,
      POLLHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      POLLHOOK_RETRY_SCHEDULE: '200ms,200ms,300ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s',
      POLLHOOK_DELIVERY_TIMEOUT_MS: '1000',
      POLLHOOK_LEASE_MS: '2000',
      POLLHOOK_LOG_LEVEL: 'error',
    };
    for (const p of BUILTIN_PROVIDERS) vars[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
    let output = '';
    worker = await startLocalWorker({ scriptPath: await buildWorker(), vars, persistDir: mountPoint, onOutput: (chunk) => (output += chunk) });
    const brokenAlarms = () => output.split('\n').filter((l) => l.includes('output lock broke during alarm execution')).length;
    const w = worker;
    const api = async (path: string, key: string, json?: unknown) => {
      const res = await w.dispatch(path, {
        method: json ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: json ? JSON.stringify(json) : undefined,
      });
      return { status: res.status, headers: res.headers, body: (await res.json()) as any };
    };
    const tenant = await api('/v1/tenants', ADMIN, { name: 'full' });
    expect(tenant.status).toBe(201);
    const key: string = tenant.body.apiKey;
    receiver = await startReceiver({ secrets: [tenant.body.signingSecret] });
    // The shards' SQLite files are on the tmpfs, so filling it fills their storage.
    expect(readdirSync(mountPoint, { recursive: true }).filter((f) => String(f).endsWith('.sqlite')).length).toBeGreaterThan(0);

    const register = (provider: (typeof BUILTIN_PROVIDERS)[number]) => {
      const upstream = sim.createJob({ provider, scenario: 'success' });
      return api('/v1/jobs', key, {
        provider,
        externalId: upstream.id,
        credentials: { apiKey: upstream.apiKey },
        callbackUrl: receiver.url,
        pollIntervalSeconds: 0.25,
        maxPollIntervalSeconds: 0.5,
      });
    };
    const acknowledged: string[] = [];
    for (const provider of [...BUILTIN_PROVIDERS, ...BUILTIN_PROVIDERS]) {
      const r = await register(provider);
      expect(r.status).toBe(201);
      acknowledged.push(r.body.id);
    }
    await waitFor(() => receiver.accepted().length >= 1, { timeoutMs: 20_000, message: 'the first webhook' });

    filler = startFiller(join(mountPoint, 'filler'));
    const fullAt = Date.now();
    // Writes until one is refused: some may still fit in pages SQLite already holds.
    const statuses: number[] = [];
    let refused: Awaited<ReturnType<typeof api>> | null = null;
    for (let i = 0; i < 200 && !refused; i++) {
      const r = await register(BUILTIN_PROVIDERS[i % BUILTIN_PROVIDERS.length]!);
      statuses.push(r.status);
      if (r.status === 201) acknowledged.push(r.body.id);
      else if (r.status === 503) refused = r;
    }
    expect(statuses).not.toContain(500);
    expect(refused, `statuses while full: ${statuses.join(',')}`).not.toBeNull();
    expect(refused!.headers.get('content-type')).toContain('application/problem+json');
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    // Full, or (when the shard broke in the middle of its commit, which workerd reports to the
    // entry without the cause) a storage that failed to write: a 503 either way, nothing stored.
    expect(refused!.body.detail).toMatch(/full|failed to read or write/);
    // The outage lasts: for 3 s every write is refused with a 503, never a 500, while the
    // shard's alarm keeps failing to commit its polls and deliveries.
    const outageEnds = Date.now() + 3_000;
    const during: number[] = [];
    while (Date.now() < outageEnds) during.push((await register('topaz')).status);
    expect(new Set(during)).toEqual(new Set([503]));
    const metrics = await w.dispatch('/metrics', { headers: { authorization: `Bearer ${key}` } });
    const failures = /pollhook_shard_storage_failures_total (\d+)/.exec(await metrics.text())?.[1];
    const ready = await api('/readyz', key);
    console.log(`storageFull: ${during.length} writes refused in the outage; shard storage failures seen by the driver: ${failures}; /readyz while full: ${ready.status} ${JSON.stringify(ready.body)}`);

    // Space returns: no request from here until every acknowledged job's terminal event is in.
    filler.remove();
    const freedAt = Date.now();
    const alarmsFailed = brokenAlarms();
    const done = () => acknowledged.every((id) => receiver.accepted().some((h) => h.payload.data.id === id && h.payload.type === 'job.succeeded'));
    await waitFor(done, { timeoutMs: 30_000, intervalMs: 100, message: 'every acknowledged job to succeed and be delivered after space returned' });
    console.log(`storageFull: ${acknowledged.length} acknowledged jobs, statuses while full ${statuses.join(',')}, resumed and delivered all within ${Date.now() - freedAt} ms of freeing; ${alarmsFailed} alarm runs broken by the full disk in ${freedAt - fullAt} ms`);

    // Nothing lost: every stored event reached the receiver, verified, in sequence.
    for (const id of acknowledged) {
      const events = (await api(`/v1/jobs/${id}/events?limit=100`, key)).body.data as Array<{ sequence: number; type: string }>;
      const mine = receiver.accepted().filter((h) => h.payload.data.id === id);
      expect(mine.every((h) => h.verified)).toBe(true);
      expect([...new Set(mine.map((h) => h.payload.data.sequence as number))].sort((a, b) => a - b)).toEqual(events.map((e) => e.sequence));
      expect(events.at(-1)!.type).toBe('job.succeeded');
    }
    expect((await api('/readyz', key)).status).toBe(200);
  }, 120_000);
});
