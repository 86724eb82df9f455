/**
 * Measurement 6, one runtime per process run: the Node service, or the Worker with `shards`
 * Durable Object shards under Miniflare (workerd). Both get the same load through the API: per
 * shard (a tenant each), `jobsPerShard` fotolabs jobs polled every 250 ms against an upstream
 * whose status flips every 250 ms, so most polls find a change and send a webhook. After a
 * warm-up, the upstream's and the receiver's counters over a window give polls/s and
 * deliveries/s at saturation (the offered load is 4 polls/s per job; each job has its own upstream key, so no rate budget per key applies).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskMain } from '../lib/child.ts';
import { startService } from '../../src/runtime/node/service.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { buildWorker, startLocalWorker } from '../../src/runtime/workers/local/miniflare.ts';

export interface WorkersBenchInput {
  runtime: 'node' | 'workers';
  shards: number;
  jobsPerShard: number;
  warmupMs: number;
  windowMs: number;
  upstreamUrl: string;
  receiverUrl: string;
  /** The Worker bundle, built once by the run. */
  scriptPath?: string;
  /** Workers: one tenant split across the shards (POST /v1/tenants?shards=N) instead of a tenant per shard. */
  split?: boolean;
}

export interface WorkersBenchResult {
  runtime: WorkersBenchInput['runtime'];
  shards: number;
  split: boolean;
  jobs: number;
  pollsPerSecond: number;
  deliveriesPerSecond: number;
  registerMs: number;
  /** Workers only: rows written (as billed) per poll over the whole run, registration included. */
  rowsWrittenPerPoll?: number;
  /** Workers only: alarm invocations per poll. */
  alarmsPerPoll?: number;
}

const ADMIN = 'bench-admin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const counter = async (url: string, field: 'served' | 'received') => ((await (await fetch(`${url}/_stats`)).json()) as Record<string, number>)[field]!;

async function run(input: WorkersBenchInput): Promise<WorkersBenchResult> {
  const env: Record<string, string> = {
    POLLHOOK_ADMIN_TOKEN: ADMIN,
    POLLHOOK_MASTER_KEY: Buffer.alloc(32, 5).toString('base64'),
    POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    POLLHOOK_PROVIDER_FOTOLABS_BASE_URL: input.upstreamUrl,
    POLLHOOK_LOG_LEVEL: 'error',
  };
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-bench-workers-'));
  let url: string;
  let close: () => Promise<void>;
  if (input.runtime === 'node') {
    const service = await startService({ env: { ...env, POLLHOOK_DB_PATH: join(dir, 'p.db'), PORT: '0', POLLHOOK_HOST: '127.0.0.1' }, logger: nullLogger, announce: () => {} });
    url = service.url;
    close = () => service.close();
  } else {
    const worker = await startLocalWorker({ scriptPath: input.scriptPath ?? (await buildWorker()), vars: env, persistDir: join(dir, 'do') });
    url = worker.url;
    close = () => worker.close();
  }
  const post = async (path: string, key: string, body: unknown) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
    return (await res.json()) as { apiKey: string };
  };
  const registered = performance.now();
  const keys: string[] = [];
  const tenants = input.split ? 1 : input.shards;
  const jobsPerTenant = input.split ? input.jobsPerShard * input.shards : input.jobsPerShard;
  await Promise.all(
    Array.from({ length: tenants }, async (_, s) => {
      const tenant = await post(input.split ? `/v1/tenants?shards=${input.shards}` : '/v1/tenants', ADMIN, { name: `bench-${s}` });
      keys.push(tenant.apiKey);
      for (let i = 0; i < jobsPerTenant; i += 8) {
        await Promise.all(
          Array.from({ length: Math.min(8, jobsPerTenant - i) }, (_, k) =>
            post('/v1/jobs', tenant.apiKey, {
              provider: 'fotolabs',
              externalId: `lat-0-${s}x${i + k}`,
              credentials: { apiKey: `fl_bench_${s}_${i + k}` },
              callbackUrl: input.receiverUrl,
              pollIntervalSeconds: 0.25,
              maxPollIntervalSeconds: 0.25,
            }),
          ),
        );
      }
    }),
  );
  const registerMs = performance.now() - registered;
  await sleep(input.warmupMs);
  const [polls0, sent0] = [await counter(input.upstreamUrl, 'served'), await counter(input.receiverUrl, 'received')];
  const t0 = performance.now();
  await sleep(input.windowMs);
  const [polls1, sent1] = [await counter(input.upstreamUrl, 'served'), await counter(input.receiverUrl, 'received')];
  const seconds = (performance.now() - t0) / 1000;
  // A split tenant's key reaches its member 0 only for /metrics: counted for tenants per shard.
  const usage = input.runtime === 'workers' && !input.split ? await shardUsage(url, keys) : null;
  await close();
  rmSync(dir, { recursive: true, force: true });
  return {
    runtime: input.runtime,
    shards: input.shards,
    split: Boolean(input.split),
    jobs: input.shards * input.jobsPerShard,
    pollsPerSecond: (polls1 - polls0) / seconds,
    deliveriesPerSecond: (sent1 - sent0) / seconds,
    registerMs,
    ...(usage ? { rowsWrittenPerPoll: usage.rowsWritten / usage.polls, alarmsPerPoll: usage.alarms / usage.polls } : {}),
  };
}

/** Each shard's counters (GET /metrics with one of its keys reaches it), summed. */
async function shardUsage(url: string, keys: string[]): Promise<{ rowsWritten: number; polls: number; alarms: number }> {
  const sum = { rowsWritten: 0, polls: 0, alarms: 0 };
  for (const key of keys) {
    const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${key}` } })).text();
    const value = (name: string) => Number(new RegExp(`^${name} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
    sum.rowsWritten += value('pollhook_shard_sql_rows_written_total');
    sum.polls += value('pollhook_shard_polls_total');
    sum.alarms += value('pollhook_shard_alarms_total');
  }
  return sum;
}

await taskMain<WorkersBenchInput, WorkersBenchResult>(run);
