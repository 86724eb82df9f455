/**
 * Measurement 1, one side per process run: `mode: 'pollhook'` times the dispatcher delivering
 * `count` queued events to the receiver (signed, attempts recorded, committed); `mode: 'bare'`
 * times bare undici POSTing the same bodies at the same concurrency.
 */
import { taskMain } from '../lib/child.ts';
import { benchDispatcher } from '../lib/engines.ts';
import { runBare } from '../lib/bareUndici.ts';
import { benchTenant, deliveryBodies, openBenchDb, seedDeliveries } from '../lib/seed.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { startLoop } from '../../src/runtime/node/loop.ts';
import { startWalCheckpointer } from '../../src/runtime/node/walCheckpointer.ts';
import { rmSync } from 'node:fs';

export interface DeliveryInput {
  mode: 'pollhook' | 'bare';
  count: number;
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

const cpuUsSince = (start: NodeJS.CpuUsage, count: number): number => {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / count;
};

async function bare(input: DeliveryInput): Promise<DeliveryResult> {
  const bodies = deliveryBodies(input.count, Date.now());
  const url = `${input.receiverUrl}/hook`;
  const cpu = process.cpuUsage();
  const elapsedMs = await runBare(input.count, input.concurrency, (i) => ({
    url,
    method: 'POST',
    body: bodies[i],
    headers: { 'content-type': 'application/json' },
  }));
  const cpuUsPerDelivery = cpuUsSince(cpu, input.count);
  return { mode: 'bare', count: input.count, elapsedMs, perSecond: (input.count / elapsedMs) * 1000, cpuUsPerDelivery };
}

async function pollhook(input: DeliveryInput): Promise<DeliveryResult> {
  const now = Date.now();
  const b = openBenchDb(now);
  const { tenantId } = benchTenant(b, now);
  const seedStart = performance.now();
  seedDeliveries(b.db, { tenantId, count: input.count, url: `${input.receiverUrl}/hook`, now });
  const seedMs = performance.now() - seedStart;

  // As `pollhook serve` runs it: WAL checkpoints in a worker thread, on their own connection
  // (src/runtime/node/service.ts). Without it, the dispatcher's commits pay for them on its loop.
  const checkpointer = startWalCheckpointer(b.path);
  const http = createNodeHttpClient({ ssrf: { allowPrivate: true, allowHttp: true }, connectionsPerOrigin: input.concurrency });
  let done = 0;
  let finish: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (finish = resolve));
  const dispatcher = benchDispatcher(b, {
    http,
    concurrency: input.concurrency,
    options: input.dispatcherOptions,
    onOutcome: () => {
      if (++done === input.count) finish();
    },
  });
  const started = performance.now();
  const cpu = process.cpuUsage();
  const loop = startLoop({ name: 'delivery', step: () => dispatcher.runOnce(), now: () => Date.now() });
  await allDone;
  const elapsedMs = performance.now() - started;
  const cpuUsPerDelivery = cpuUsSince(cpu, input.count);
  await loop.stop();
  await dispatcher.stop(5_000);
  await http.close();
  await checkpointer.stop();
  const count = (sql: string) => b.db.prepare<{ n: number }>(sql).get()!.n;
  const delivered = count(`SELECT COUNT(*) AS n FROM deliveries WHERE status = 'delivered'`);
  const attempts = count('SELECT COUNT(*) AS n FROM delivery_attempts');
  b.db.close();
  rmSync(b.dir, { recursive: true, force: true });
  return { mode: 'pollhook', count: input.count, elapsedMs, perSecond: (input.count / elapsedMs) * 1000, delivered, attempts, seedMs, cpuUsPerDelivery };
}

await taskMain<DeliveryInput, DeliveryResult>((input) => (input.mode === 'bare' ? bare(input) : pollhook(input)));
