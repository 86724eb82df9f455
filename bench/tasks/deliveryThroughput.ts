/**
 * Measurement 1, one side per process run: `mode: 'pollhook'` times the dispatcher delivering
 * `count` queued events to the receiver (signed, attempts recorded, committed); `mode: 'bare'`
 * times bare undici POSTing the same bodies with the same headers and Standard Webhooks
 * signatures (node:crypto HMAC per request) at the same concurrency. Each side first delivers
 * `warmup` more, untimed, in the same process: the figure is steady-state throughput.
 */
import { taskMain } from '../lib/child.ts';
import { benchDispatcher } from '../lib/engines.ts';
import { runBare, SteadyWindow } from '../lib/bareUndici.ts';
import { benchTenant, deliveryBodies, openBenchDb, seedDeliveries } from '../lib/seed.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { startLoop } from '../../src/runtime/node/loop.ts';
import { startWalCheckpointer } from '../../src/runtime/node/walCheckpointer.ts';
import { createHmac, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { newId } from '../../src/core/ids.ts';

export interface DeliveryInput {
  mode: 'pollhook' | 'bare';
  count: number;
  /** Deliveries each side makes first, untimed, in the same process. */
  warmup?: number;
  concurrency: number;
  receiverUrl: string;
  /** Extra dispatcher options, for experiments (the benchmark itself runs the defaults). */
  dispatcherOptions?: Record<string, number>;
}

export interface DeliveryResult {
  mode: DeliveryInput['mode'];
  count: number;
  elapsedMs: number;
  perSecond: number;
  /** pollhook only: rows checked after the run. */
  delivered?: number;
  attempts?: number;
  seedMs?: number;
  /** CPU time (user + system) of this process per delivery over the timed part, in microseconds. */
  cpuUsPerDelivery?: number;
}

async function bare(input: DeliveryInput): Promise<DeliveryResult> {
  const warmup = input.warmup ?? 0;
  const now = Date.now();
  const bodies = deliveryBodies(warmup + input.count, now);
  const ids = bodies.map(() => newId('msg', now));
  const url = `${input.receiverUrl}/hook`;
  // What a hand-written sender does per request: sign `id.timestamp.body` with the tenant's key.
  const key = randomBytes(32);
  const timed = await runBare(
    input.count,
    input.concurrency,
    (i) => {
      const timestamp = String(Math.floor(Date.now() / 1000));
      const signature = createHmac('sha256', key).update(`${ids[i]}.${timestamp}.${bodies[i]}`).digest('base64');
      return {
        url,
        method: 'POST',
        body: bodies[i],
        headers: {
          'webhook-id': ids[i]!,
          'webhook-timestamp': timestamp,
          'webhook-signature': `v1,${signature}`,
          'content-type': 'application/json',
          'user-agent': 'pollhook/bench',
        },
      };
    },
    warmup,
  );
  return { mode: 'bare', count: timed.count, elapsedMs: timed.elapsedMs, perSecond: (timed.count / timed.elapsedMs) * 1000, cpuUsPerDelivery: timed.cpuUs / timed.count };
}

async function pollhook(input: DeliveryInput): Promise<DeliveryResult> {
  const now = Date.now();
  const b = openBenchDb(now);
  const { tenantId } = benchTenant(b, now);
  const seedStart = performance.now();
  const total = (input.warmup ?? 0) + input.count;
  seedDeliveries(b.db, { tenantId, count: total, url: `${input.receiverUrl}/hook`, now });
  const seedMs = performance.now() - seedStart;

  // As `pollhook serve` runs it: WAL checkpoints in a worker thread, on their own connection
  // (src/runtime/node/service.ts). Without it, the dispatcher's commits pay for them on its loop.
  const checkpointer = startWalCheckpointer(b.path);
  const http = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true }, connectionsPerOrigin: input.concurrency });
  let done = 0;
  const window = new SteadyWindow(input.warmup ?? 0);
  let finish: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (finish = resolve));
  const dispatcher = benchDispatcher(b, {
    http,
    concurrency: input.concurrency,
    options: input.dispatcherOptions,
    onOutcome: () => {
      window.progress(++done);
      if (done === total) finish();
    },
  });
  const loop = startLoop({ name: 'delivery', step: () => dispatcher.runOnce(), now: () => Date.now() });
  await allDone;
  const timed = window.end(done);
  await loop.stop();
  await dispatcher.stop(5_000);
  await http.close();
  await checkpointer.stop();
  const count = (sql: string) => b.db.prepare<{ n: number }>(sql).get()!.n;
  const delivered = count(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered'`);
  const attempts = count('SELECT COUNT(*) AS n FROM delivery_attempts');
  b.db.close();
  rmSync(b.dir, { recursive: true, force: true });
  return {
    mode: 'pollhook',
    count: timed.count,
    elapsedMs: timed.elapsedMs,
    perSecond: (timed.count / timed.elapsedMs) * 1000,
    delivered,
    attempts,
    seedMs,
    cpuUsPerDelivery: timed.cpuUs / timed.count,
  };
}

await taskMain<DeliveryInput, DeliveryResult>((input) => (input.mode === 'bare' ? bare(input) : pollhook(input)));
