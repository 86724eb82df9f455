/**
 * Measurement 2, one side per process run: `mode: 'pollhook'` times the scheduler polling
 * `count` active fotolabs jobs once each against an upstream that answers "unchanged"
 * (claimed, polled, decided, recorded); `mode: 'bare'` times bare undici GETs of the same URLs
 * with the same headers. The scheduler's per-origin cap (and its total) equals the bare
 * concurrency. Each side first polls `warmup` more jobs, untimed, in the same process: the
 * figure is steady-state throughput.
 */
import { rmSync } from 'node:fs';
import { taskMain } from '../lib/child.ts';
import { benchScheduler } from '../lib/engines.ts';
import { runBare, SteadyWindow } from '../lib/bareUndici.ts';
import { benchTenant, openBenchDb, seedActiveJobs } from '../lib/seed.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { startWalCheckpointer } from '../../src/runtime/node/walCheckpointer.ts';
import { startLoop } from '../../src/runtime/node/loop.ts';

export interface PollInput {
  mode: 'pollhook' | 'bare';
  count: number;
  /** Polls each side makes first, untimed, in the same process. */
  warmup?: number;
  concurrency: number;
  upstreamUrl: string;
}

export interface PollResult {
  mode: PollInput['mode'];
  count: number;
  elapsedMs: number;
  perSecond: number;
  /** pollhook only: polls recorded in the database. */
  recorded?: number;
  /** CPU time (user + system) of this process per poll over the timed part, in microseconds. */
  cpuUsPerPoll?: number;
}

const externalId = (i: number) => `img-${i}`;

async function bare(input: PollInput): Promise<PollResult> {
  const timed = await runBare(
    input.count,
    input.concurrency,
    (i) => ({
      url: `${input.upstreamUrl}/v1/images/${externalId(i)}`,
      method: 'GET',
      headers: { accept: 'application/json', authorization: 'Bearer fl_bench', 'user-agent': 'pollhook/bench' },
    }),
    input.warmup ?? 0,
  );
  return { mode: 'bare', count: timed.count, elapsedMs: timed.elapsedMs, perSecond: (timed.count / timed.elapsedMs) * 1000, cpuUsPerPoll: timed.cpuUs / timed.count };
}

async function pollhook(input: PollInput): Promise<PollResult> {
  const now = Date.now();
  const total = (input.warmup ?? 0) + input.count;
  const b = openBenchDb(now);
  const { tenantId } = benchTenant(b, now);
  seedActiveJobs(b.db, {
    tenantId,
    count: total,
    provider: 'fotolabs',
    credentialsEnc: b.box.sealJson({ apiKey: 'fl_bench' }),
    callbackUrl: 'https://receiver.example/hook',
    now,
    externalId,
    nextPollAt: () => now,
  });
  // As `pollhook serve` runs it (and as measurements 1 and 3 do): WAL checkpoints in a worker
  // thread, on their own connection. Without it the scheduler's commits pay for them on its loop.
  const checkpointer = startWalCheckpointer(b.path);
  const http = createNodeHttpClient({
    ssrf: { allowPrivate: false, allowHttp: false },
    trustedOrigins: [input.upstreamUrl],
    connectionsPerOrigin: input.concurrency,
    userAgent: 'pollhook/bench',
  });
  let polls = 0;
  const window = new SteadyWindow(input.warmup ?? 0);
  let finish: () => void = () => {};
  const allPolled = new Promise<void>((resolve) => (finish = resolve));
  const scheduler = benchScheduler(b, {
    http,
    upstreamUrl: input.upstreamUrl,
    concurrency: input.concurrency,
    onPoll: () => {
      window.progress(++polls);
      if (polls === total) finish();
    },
  });
  const loop = startLoop({ name: 'scheduler', step: () => scheduler.runOnce(), now: () => Date.now() });
  await allPolled;
  await loop.stop();
  await scheduler.idle();
  const timed = window.end(polls);
  await http.close();
  await checkpointer.stop();
  const recorded = b.db.prepare<{ n: number }>('SELECT SUM(poll_count) - COUNT(*) AS n FROM jobs').get()!.n;
  b.db.close();
  rmSync(b.dir, { recursive: true, force: true });
  return {
    mode: 'pollhook',
    count: timed.count,
    elapsedMs: timed.elapsedMs,
    perSecond: (timed.count / timed.elapsedMs) * 1000,
    recorded,
    cpuUsPerPoll: timed.cpuUs / timed.count,
  };
}

await taskMain<PollInput, PollResult>((input) => (input.mode === 'bare' ? bare(input) : pollhook(input)));
