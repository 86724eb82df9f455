/**
 * Measurement 6, one round per process run: how long a healthy endpoint's webhooks take
 * (event committed -> received) while `failing` other endpoints on the same host fail (half
 * answer 500 at once, half hang and then answer 500), against the same with no failing
 * neighbours (`failing: 0`). The dispatcher runs as in `pollhook serve` (runtime loop, woken by
 * each new event, the service's connection count per origin); the failing endpoints' backlogs
 * are due first and retried every second, so they keep failing while the healthy events flow.
 */
import { rmSync } from 'node:fs';
import { taskMain } from '../lib/child.ts';
import { benchDispatcher } from '../lib/engines.ts';
import { benchTenant, openBenchDb, seedDeliveries } from '../lib/seed.ts';
import { mean, median, percentile } from '../lib/stats.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { startLoop } from '../../src/runtime/node/loop.ts';
import { DELIVERY_CONNECTIONS_PER_ORIGIN } from '../../src/delivery/index.ts';

export interface IsolationInput {
  receiverUrl: string;
  /** Failing endpoints on the receiver's host: 0 for the baseline. */
  failing: number;
  /** Deliveries queued for each failing endpoint (one job each) before the healthy ones. */
  backlogPerFailing: number;
  concurrency: number;
  warmupMs: number;
  healthyEvents: number;
  intervalMs: number;
}

export interface IsolationResult {
  failing: number;
  received: number;
  meanMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Attempts the failing endpoints got during the round. */
  failingAttempts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function run(input: IsolationInput): Promise<IsolationResult> {
  const now = Date.now();
  const b = openBenchDb(now);
  const { tenantId } = benchTenant(b, now);
  for (let i = 0; i < input.failing; i++) {
    const url = `${input.receiverUrl}/${i % 2 === 0 ? 'fail' : 'hang'}/${i}`;
    seedDeliveries(b.db, { tenantId, count: input.backlogPerFailing, url, now: now - 1_000 + i });
  }
  const http = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true }, connectionsPerOrigin: DELIVERY_CONNECTIONS_PER_ORIGIN });
  // Failing deliveries come back every second (the circuit defers them further once it opens).
  const dispatcher = benchDispatcher(b, { http, concurrency: input.concurrency, options: { retryScheduleMs: Array.from({ length: 50 }, () => 1_000) } });
  const loop = startLoop({ name: 'delivery', step: () => dispatcher.runOnce(), now: () => Date.now() });
  const stats = async () => (await (await fetch(`${input.receiverUrl}/_stats`)).json()) as { received: number; failed: number };
  await fetch(`${input.receiverUrl}/_records`); // forget earlier rounds' records
  await sleep(input.warmupMs);
  const failedBefore = (await stats()).failed;

  const url = `${input.receiverUrl}/ok`;
  for (let i = 0; i < input.healthyEvents; i++) {
    // One event at a time, committed and announced as the scheduler does (onDeliveriesQueued).
    seedDeliveries(b.db, { tenantId, count: 1, url, now: Date.now() + 1 });
    loop.wake();
    await sleep(input.intervalMs);
  }
  const deadline = Date.now() + 30_000;
  let records: Array<{ at: number; path: string; body: string }> = [];
  while (records.length < input.healthyEvents && Date.now() < deadline) {
    await sleep(50);
    const batch = ((await (await fetch(`${input.receiverUrl}/_records`)).json()) as { records: typeof records }).records;
    records = records.concat(batch.filter((r) => r.path === '/ok'));
  }
  const failingAttempts = (await stats()).failed - failedBefore;
  await loop.stop();
  await dispatcher.stop(0);
  await http.close();
  b.db.close();
  rmSync(b.dir, { recursive: true, force: true });

  const delays = records.map((r) => r.at - Date.parse((JSON.parse(r.body) as { timestamp: string }).timestamp));
  return {
    failing: input.failing,
    received: records.length,
    meanMs: mean(delays),
    p50Ms: median(delays),
    p99Ms: percentile(delays, 99),
    maxMs: Math.max(...delays),
    failingAttempts,
  };
}

await taskMain<IsolationInput, IsolationResult>(run);
