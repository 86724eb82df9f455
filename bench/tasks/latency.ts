/**
 * Measurement 3: the whole pipeline (scheduler and dispatcher wired as the service wires them)
 * under load at half the measured capacity of the two together. Every job's upstream status flips every
 * `periodMs`; each flip is polled, committed as an event and delivered to a recording receiver.
 * Change -> received is measured from the upstream's own `changedAt` (echoed in data.upstream);
 * the delivery engine's share from events.created_at.
 */
import { rmSync } from 'node:fs';
import { runTaskServers, taskMain, waitUntil } from '../lib/child.ts';
import { benchTenant, openBenchDb, seedActiveJobs } from '../lib/seed.ts';
import { mean, percentile } from '../lib/stats.ts';
import { benchDispatcher, benchScheduler } from '../lib/engines.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { startLoop, type Loop } from '../../src/runtime/node/loop.ts';
import { startWalCheckpointer } from '../../src/runtime/node/walCheckpointer.ts';

export interface LatencyInput {
  /** Measured capacities (per second) from measurements 1 and 2. */
  pollCapacity: number;
  deliveryCapacity: number;
  concurrency: number;
  intervalMs: number;
  warmupMs: number;
  windowMs: number;
}

export interface LatencyResult {
  jobs: number;
  periodMs: number;
  pollsPerSecond: number;
  webhooksPerSecond: number;
  changes: number;
  changeToReceived: { p50: number; p99: number; mean: number };
  observedToReceived: { p50: number; p99: number };
  committedToReceived: { p50: number; p99: number; max: number };
  /** Changes in the window that produced no webhook by the end (missed or still queued). */
  undelivered: number;
  /** The capacity probe: the load measurements 1 and 2 call full, and what it achieved. */
  probe?: { jobs: number; pollsPerSecond: number; webhooksPerSecond: number };
}

interface Received {
  at: number;
  body: string;
}

async function run(input: LatencyInput): Promise<LatencyResult> {
  // The fastest flips that cannot hide a change: a period under 1.5 intervals could flip twice
  // between two polls.
  const periodMs = Math.round(1.5 * input.intervalMs);
  // The capacity of this mix (polls, events and deliveries on one thread, the upstream and the
  // receiver on the other core) is below what measurements 1 and 2 give for each engine alone,
  // so it is measured: a load those two call full, for a short window, and what was achieved.
  const probeJobs = 2 * jobsAtHalfCapacity(input, periodMs);
  const probe = await measure(input, probeJobs, periodMs, Math.min(3_000, input.warmupMs), Math.min(5_000, input.windowMs));
  const jobs = Math.max(10, Math.round((0.5 * probe.pollsPerSecond * input.intervalMs) / 1000));
  const result = await measure(input, jobs, periodMs, input.warmupMs, input.windowMs);
  return { ...result, probe: { jobs: probeJobs, pollsPerSecond: probe.pollsPerSecond, webhooksPerSecond: probe.webhooksPerSecond } };
}

async function measure(input: LatencyInput, jobs: number, periodMs: number, warmupMs: number, windowMs: number): Promise<LatencyResult> {
  const I = input.intervalMs;
  const { upstream, receiver } = await runTaskServers({ alternating: { periodMs } });

  const now = Date.now();
  const b = openBenchDb(now);
  const { tenantId } = benchTenant(b, now);
  seedActiveJobs(b.db, {
    tenantId,
    count: jobs,
    provider: 'fotolabs',
    credentialsEnc: b.box.sealJson({ apiKey: 'fl_bench' }),
    callbackUrl: `${receiver.url}/hook`,
    now,
    // Phase 0 (processing, as seeded) began within the last period.
    externalId: (i) => `lat-${Math.round(now - Math.random() * periodMs)}-${i}`,
    nextPollAt: () => now + Math.round(Math.random() * I),
    pollIntervalMs: I,
    maxPollIntervalMs: I,
  });

  const upstreamHttp = createNodeHttpClient({
    ssrf: { allowPrivate: false, allowHttp: false },
    trustedOrigins: [upstream.url],
    connectionsPerOrigin: input.concurrency,
    userAgent: 'pollhook/bench',
  });
  const targetHttp = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true }, connectionsPerOrigin: input.concurrency });
  let polls = 0;
  let deliveryLoop: Loop | null = null;
  const scheduler = benchScheduler(b, {
    http: upstreamHttp,
    upstreamUrl: upstream.url,
    concurrency: input.concurrency,
    onPoll: () => polls++,
    onDeliveriesQueued: () => deliveryLoop?.wake(),
  });
  const dispatcher = benchDispatcher(b, { http: targetHttp, concurrency: input.concurrency });
  // As `pollhook serve` runs it: WAL checkpoints in a worker thread, on their own connection.
  const checkpointer = startWalCheckpointer(b.path);
  const schedulerLoop = startLoop({ name: 'scheduler', step: () => scheduler.runOnce(), now: () => Date.now() });
  deliveryLoop = startLoop({ name: 'delivery', step: () => dispatcher.runOnce(), now: () => Date.now() });

  const windowStart = now + warmupMs;
  const windowEnd = windowStart + windowMs;
  await sleep(windowStart - Date.now());
  const pollsAtStart = polls;
  await sleep(windowEnd - Date.now());
  const pollsInWindow = polls - pollsAtStart;
  // Let changes from the window's last moments be polled and delivered.
  await sleep(I * 1.5 + 500);
  await schedulerLoop.stop();
  await scheduler.idle();
  await waitUntil(() => dispatcher.inFlight === 0, 10_000, 'deliveries to settle');
  await deliveryLoop.stop();
  await dispatcher.stop(2_000);
  await Promise.all([upstreamHttp.close(), targetHttp.close(), checkpointer.stop()]);

  const records = ((await (await fetch(`${receiver.url}/_records`)).json()) as { records: Received[] }).records;
  const createdAt = b.db.prepare<{ created_at: number }>('SELECT created_at FROM events WHERE job_id = ? AND sequence = ?');
  const changeLat: number[] = [];
  const observedLat: number[] = [];
  const commitLat: number[] = [];
  let webhooksInWindow = 0;
  for (const r of records) {
    const data = JSON.parse(r.body).data as { id: string; sequence: number; observedAt: string; upstream: { changedAt: number } };
    if (r.at >= windowStart && r.at < windowEnd) webhooksInWindow++;
    const changedAt = data.upstream.changedAt;
    if (changedAt < windowStart || changedAt >= windowEnd) continue;
    changeLat.push(r.at - changedAt);
    observedLat.push(r.at - Date.parse(data.observedAt));
    commitLat.push(r.at - createdAt.get(data.id, data.sequence)!.created_at);
  }
  // Every job flips once per period: the changes that fell in the window, whether delivered or not.
  const expected = countFlips(b.db, windowStart, windowEnd, periodMs);
  b.db.close();
  rmSync(b.dir, { recursive: true, force: true });
  await Promise.all([upstream.close(), receiver.close()]);
  return {
    jobs,
    periodMs,
    pollsPerSecond: (pollsInWindow / windowMs) * 1000,
    webhooksPerSecond: (webhooksInWindow / windowMs) * 1000,
    changes: changeLat.length,
    changeToReceived: { p50: percentile(changeLat, 50), p99: percentile(changeLat, 99), mean: mean(changeLat) },
    observedToReceived: { p50: percentile(observedLat, 50), p99: percentile(observedLat, 99) },
    committedToReceived: { p50: percentile(commitLat, 50), p99: percentile(commitLat, 99), max: Math.max(...commitLat) },
    undelivered: Math.max(0, expected - changeLat.length),
  };
}

/**
 * Both engines share one process (and one thread), as in the service: every job costs one poll
 * per interval and one delivery per period, and each is measured alone in measurements 1 and 2.
 * By those, half capacity is the job count at which polls/pollCapacity +
 * webhooks/deliveryCapacity = 0.5 (half of each engine's capacity at once would be all of it).
 * The run doubles it to probe the mix's real capacity.
 */
export function jobsAtHalfCapacity(input: Pick<LatencyInput, 'pollCapacity' | 'deliveryCapacity' | 'intervalMs'>, periodMs: number): number {
  const perJob = 1000 / input.intervalMs / input.pollCapacity + 1000 / periodMs / input.deliveryCapacity;
  return Math.max(10, Math.round(0.5 / perJob));
}

function countFlips(db: ReturnType<typeof openBenchDb>['db'], from: number, to: number, periodMs: number): number {
  let n = 0;
  for (const { external_id } of db.prepare<{ external_id: string }>('SELECT external_id FROM jobs').all()) {
    const offset = Number(external_id.split('-')[1]);
    const first = Math.ceil((from - offset) / periodMs);
    const last = Math.ceil((to - offset) / periodMs) - 1;
    n += Math.max(0, last - first + 1);
  }
  return n;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

await taskMain<LatencyInput, LatencyResult>(run);
