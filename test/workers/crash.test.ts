/**
 * Crash: `npm run dev:workers` (node and its workerd) killed with SIGKILL while jobs are polling
 * and deliveries are failing, then started again on the same state directory. Without any
 * request to the restarted process, the shard's alarm resumes: every event reaches the receiver.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';
import { waitFor } from '../helpers/wait.ts';

const ROOT = join(import.meta.dirname, '../..');
const ADMIN = 'crash-admin';
let sim: Simulator;
let receiver: Receiver;
let stateDir = '';
const children: ChildProcess[] = [];

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) process.kill(-c.pid!, 'SIGKILL');
  await receiver?.close();
  await sim?.close();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

/** `npm run dev:workers` as its own process group; resolves once it serves. */
async function startDev(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/run-ts.js', 'src/runtime/workers/local/dev.ts'], {
    cwd: ROOT,
    detached: true,
    env: { ...process.env, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      if (out.includes('is serving')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`dev:workers exited (${code}): ${out}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

describe('dev:workers killed with SIGKILL and restarted on the same state directory', () => {
  it('delivers every event, with the alarm resumed and no request', async () => {
    sim = await startSimulator({ stepMs: 300 });
    let healed = false;
    receiver = await startReceiver({ secrets: () => secrets, respond: () => (healed ? 204 : 500) });
    let secrets: string[] = [];
    stateDir = mkdtempSync(join(tmpdir(), 'pollhook-crash-'));
    const env: Record<string, string> = {
      POLLHOOK_STATE_DIR: stateDir,
      POLLHOOK_ADMIN_TOKEN: ADMIN,
      POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      POLLHOOK_RETRY_SCHEDULE: '200ms,200ms,300ms,500ms,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s,1s',
      POLLHOOK_DELIVERY_TIMEOUT_MS: '1000',
      POLLHOOK_LEASE_MS: '2000',
      POLLHOOK_LOG_LEVEL: 'error',
    };
    for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];

    const first = await startDev(env);
    const api = async (path: string, key: string, json?: unknown) => {
      const res = await fetch(`${first.url}${path}`, {
        method: json ? 'POST' : 'GET',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: json ? JSON.stringify(json) : undefined,
      });
      return { status: res.status, body: (await res.json()) as any };
    };
    const tenant = await api('/v1/tenants', ADMIN, { name: 'crash' });
    secrets = [tenant.body.signingSecret];
    const jobs: Array<{ id: string }> = [];
    for (const provider of BUILTIN_PROVIDERS) {
      const upstream = sim.createJob({ provider, scenario: 'success' });
      const r = await api('/v1/jobs', tenant.body.apiKey, {
        provider,
        externalId: upstream.id,
        credentials: { apiKey: upstream.apiKey },
        callbackUrl: receiver.url,
        pollIntervalSeconds: 0.25,
        maxPollIntervalSeconds: 0.5,
      });
      expect(r.status).toBe(201);
      jobs.push({ id: r.body.id });
    }
    // Polling has started and deliveries are failing: then the whole process group dies.
    await waitFor(() => receiver.received.length >= 3, { timeoutMs: 20_000, message: 'failing deliveries' });
    process.kill(-first.child.pid!, 'SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    const beforeRestart = receiver.received.length;

    healed = true;
    const second = await startDev(env);
    // No request to the restarted Worker until every job's terminal webhook is in: only its
    // alarm can poll and deliver.
    await waitFor(
      () => jobs.every(({ id }) => receiver.accepted().some((h) => h.payload.data.id === id && h.payload.type === 'job.succeeded')),
      { timeoutMs: 60_000, message: 'every job to succeed and its last event to arrive after the restart' },
    );
    expect(beforeRestart).toBeGreaterThan(0);
    // Nothing lost: every event the store holds reached the receiver, verified, in sequence.
    for (const { id } of jobs) {
      const res = await fetch(`${second.url}/v1/jobs/${id}/events?limit=100`, { headers: { authorization: `Bearer ${tenant.body.apiKey}` } });
      const events = ((await res.json()) as { data: Array<{ sequence: number; type: string }> }).data;
      const mine = receiver.accepted().filter((h) => h.payload.data.id === id);
      expect(mine.every((h) => h.verified)).toBe(true);
      const delivered = [...new Set(mine.map((h) => h.payload.data.sequence as number))].sort((a, b) => a - b);
      expect(delivered).toEqual(events.map((e) => e.sequence));
      expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
      expect(events.at(-1)!.type).toBe('job.succeeded');
    }
  }, 120_000);
});
