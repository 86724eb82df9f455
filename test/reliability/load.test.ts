/**
 * Load: a burst of job registrations from 16 concurrent clients against the real `pollhook
 * serve` process while polls run and webhooks flow. Every answer must be a 201 (there is no API
 * rate limit, so no 429 either) and none a 5xx (SQLITE_BUSY never reaches a client). Latency
 * percentiles are printed, not asserted. LOAD_JOBS changes the burst: 6 000 by default so the
 * file stays under a minute on 2 cores next to other suites; `LOAD_JOBS=10000` is the full burst.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_PROVIDERS } from '../../src/core/types.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { startSimulator, type Simulator } from '../../src/simulate/index.ts';
import { UPSTREAMS } from '../../src/simulate/upstreams.ts';
import { localServeEnv, startServer, type ServerProcess } from '../helpers/cli.ts';
import { startReceiver, type Receiver } from '../helpers/receiver.ts';

const JOBS = Number(process.env.LOAD_JOBS ?? 6_000);
const CLIENTS = 16;
/** One job in this many completes quickly against the simulator, so webhooks flow during the burst. */
const FAST_EVERY = 20;

let dir: string;
let sim: Simulator;
let server: ServerProcess | null = null;
let receiver: Receiver;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pollhook-load-'));
  sim = await startSimulator({ stepMs: 200 });
});

afterAll(async () => {
  server?.child.kill('SIGKILL');
  await receiver?.close();
  await sim?.close();
  rmSync(dir, { recursive: true, force: true });
});

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

describe('load', () => {
  it(`${JOBS} registrations from ${CLIENTS} clients while deliveries flow: only 201s, no 5xx`, async () => {
    const env = localServeEnv(dir, {
      POLLHOOK_LOG_LEVEL: 'info',
    });
    for (const p of BUILTIN_PROVIDERS) env[`POLLHOOK_PROVIDER_${p.toUpperCase()}_BASE_URL`] = sim.baseUrls[p];
    server = await startServer(env);
    receiver = await startReceiver({ secrets: [server.signingSecret!] });
    const headers = { authorization: `Bearer ${server.apiKey}`, 'content-type': 'application/json' };

    const statuses = new Map<number, number>();
    const latencies: number[] = [];
    const errors: string[] = [];
    let next = 0;
    const started = performance.now();
    const client = async () => {
      for (let i = next++; i < JOBS; i = next++) {
        const fast = i % FAST_EVERY === 0;
        const provider = BUILTIN_PROVIDERS[i % BUILTIN_PROVIDERS.length]!;
        const body = {
          provider,
          externalId: `sim-${fast ? 'success' : 'slow'}-load-${i}`,
          credentials: { apiKey: UPSTREAMS[provider].defaultApiKey },
          callbackUrl: receiver.url,
          metadata: { i },
          ...(fast ? { pollIntervalSeconds: 0.25, maxPollIntervalSeconds: 1 } : {}),
        };
        const t = performance.now();
        try {
          const res = await fetch(`${server!.url}/v1/jobs`, { method: 'POST', headers, body: JSON.stringify(body) });
          const text = await res.text();
          latencies.push(performance.now() - t);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          if (res.status !== 201 && errors.length < 5) errors.push(`${res.status} ${text.slice(0, 300)}`);
        } catch (err) {
          if (errors.length < 5) errors.push(String(err));
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    const seconds = (performance.now() - started) / 1000;
    const deliveredDuringBurst = receiver.accepted().length;

    latencies.sort((a, b) => a - b);
    console.log(
      `load: ${JOBS} registrations, ${CLIENTS} clients, ${seconds.toFixed(1)} s (${Math.round(JOBS / seconds)}/s); ` +
        `latency p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${percentile(latencies, 99).toFixed(1)} ms, ` +
        `max ${latencies.at(-1)!.toFixed(1)} ms; statuses ${JSON.stringify(Object.fromEntries(statuses))}; ` +
        `${deliveredDuringBurst} webhooks accepted during the burst`,
    );
    expect(errors).toEqual([]);
    expect(Object.fromEntries(statuses)).toEqual({ 201: JOBS });
    expect(server.output()).not.toMatch(/SQLITE_BUSY/);

    const db = openSqlite(env.POLLHOOK_DB_PATH!);
    try {
      expect(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM jobs').get()!.n).toBe(JOBS);
    } finally {
      db.close();
    }
    // Deliveries kept flowing: fast jobs complete and their webhooks arrive.
    expect(receiver.accepted().length).toBeGreaterThan(0);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    server = null;
  }, 120_000);
});
