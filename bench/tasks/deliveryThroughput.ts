/**
 * Measurement 1, one side per process run: `mode: 'pollhook'` times the dispatcher delivering
 * `count` queued events to the receiver (signed, attempts recorded, committed); `mode: 'bare'`
 * times bare undici POSTing the same bodies with the same headers and Standard Webhooks
 * signatures (node:crypto HMAC per request) at the same concurrency. Each side first delivers
 * `warmup` more, untimed, in the same process: the figure is steady-state throughput.
 */
import { taskMain } from '../lib/child.ts';
import { benchDispatcher } from '../lib/engines.ts';
import { runBare, runBareFrom, SteadyWindow, type BareRequest, type TimedWindow } from '../lib/bareUndici.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { benchTenant, deliveryBodies, openBenchDb, seedDeliveries } from '../lib/seed.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { startLoop } from '../../src/runtime/node/loop.ts';
import { startWalCheckpointer } from '../../src/runtime/node/walCheckpointer.ts';
import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newId } from '../../src/core/ids.ts';

export interface DeliveryInput {
  mode: 'pollhook' | 'bare' | 'floor';
  count: number;
  /** Deliveries each side makes first, untimed, in the same process. */
  warmup?: number;
  concurrency: number;
  receiverUrl: string;
  /** mode 'floor': which floor (see FloorLevel). */
  floor?: FloorLevel;
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

/** The signed request a hand-written sender makes for delivery `i`: `id.timestamp.body` HMAC. */
function signedRequests(input: DeliveryInput): (i: number, body: string) => BareRequest {
  const now = Date.now();
  const ids = Array.from({ length: (input.warmup ?? 0) + input.count }, () => newId('msg', now));
  const url = `${input.receiverUrl}/hook`;
  const key = randomBytes(32);
  return (i, body) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = createHmac('sha256', key).update(`${ids[i]}.${timestamp}.${body}`).digest('base64');
    return {
      url,
      method: 'POST',
      body,
      headers: {
        'webhook-id': ids[i]!,
        'webhook-timestamp': timestamp,
        'webhook-signature': `v1,${signature}`,
        'content-type': 'application/json',
        'user-agent': 'pollhook/bench',
      },
    };
  };
}

function windowResult(mode: DeliveryInput['mode'], timed: TimedWindow): DeliveryResult {
  return { mode, count: timed.count, elapsedMs: timed.elapsedMs, perSecond: (timed.count / timed.elapsedMs) * 1000, cpuUsPerDelivery: timed.cpuUs / timed.count };
}

async function bare(input: DeliveryInput): Promise<DeliveryResult> {
  const bodies = deliveryBodies((input.warmup ?? 0) + input.count, Date.now());
  const signed = signedRequests(input);
  return windowResult('bare', await runBare(input.count, input.concurrency, (i) => signed(i, bodies[i]!), input.warmup ?? 0));
}

/**
 * The floors: bare undici plus what a durable SQLite outbox must write, in steps, with
 * pollhook's pragmas and checkpointer thread, a commit per batch of 64 (synchronous = NORMAL in
 * WAL, as pollhook runs), and nothing else (no lanes, status indexes, pacing or metrics):
 *  - `mark`: one table with no index, read by a rowid cursor held in memory (no lease: one
 *    process, nothing else claims); each 2xx sets one unindexed column of its row. Less than any
 *    outbox with retries needs.
 *  - `lease`: plus claims under an expiring lease through an index on the due time (UPDATE ...
 *    RETURNING), which retries and a crashed worker's sends need; a 2xx takes the row out of it.
 *  - `attempts`: plus one attempt row per send in an indexed attempt log.
 */
export type FloorLevel = 'mark' | 'lease' | 'attempts';

const FLOOR_SCHEMA: Record<FloorLevel, string> = {
  mark: 'CREATE TABLE outbox (id INTEGER PRIMARY KEY, body TEXT NOT NULL, due INTEGER, delivered INTEGER NOT NULL DEFAULT 0)',
  lease: 'CREATE TABLE outbox (id INTEGER PRIMARY KEY, body TEXT NOT NULL, due INTEGER, delivered INTEGER NOT NULL DEFAULT 0); CREATE INDEX outbox_due ON outbox(due) WHERE due IS NOT NULL',
  attempts:
    'CREATE TABLE outbox (id INTEGER PRIMARY KEY, body TEXT NOT NULL, due INTEGER, delivered INTEGER NOT NULL DEFAULT 0); CREATE INDEX outbox_due ON outbox(due) WHERE due IS NOT NULL; ' +
    'CREATE TABLE attempts (id INTEGER PRIMARY KEY, outbox_id INTEGER NOT NULL, at INTEGER NOT NULL, status INTEGER); CREATE INDEX attempts_by_outbox ON attempts(outbox_id, id)',
};

async function floor(input: DeliveryInput): Promise<DeliveryResult> {
  const level = input.floor ?? 'mark';
  const total = (input.warmup ?? 0) + input.count;
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-bench-floor-'));
  const db = openSqlite(join(dir, 'floor.db'));
  const checkpointer = startWalCheckpointer(join(dir, 'floor.db'));
  db.exec(FLOOR_SCHEMA[level]);
  const bodies = deliveryBodies(total, Date.now());
  const insert = db.prepare('INSERT INTO outbox (id, body, due) VALUES (?, ?, ?)');
  db.transaction(() => bodies.forEach((body, i) => insert.run(i, body, level === 'mark' ? null : i)));
  let cursor = -1;
  const byCursor = db.prepare<{ id: number; body: string }>('SELECT id, body FROM outbox WHERE id > ? AND delivered = 0 ORDER BY id LIMIT 64');
  const byLease = db.prepare<{ id: number; body: string }>(
    'UPDATE outbox SET due = ? WHERE id IN (SELECT id FROM outbox WHERE due <= ? ORDER BY due LIMIT 64) RETURNING id, body',
  );
  const read = (): Array<{ id: number; body: string }> => {
    if (level !== 'mark') return byLease.all(Date.now() + 60_000, total);
    const batch = byCursor.all(cursor);
    if (batch.length > 0) cursor = batch[batch.length - 1]!.id;
    return batch;
  };
  const markDelivered = db.prepare(level === 'mark' ? 'UPDATE outbox SET delivered = 1 WHERE id = ?' : 'UPDATE outbox SET delivered = 1, due = NULL WHERE id = ?');
  const logAttempt = level === 'attempts' ? db.prepare('INSERT INTO attempts (outbox_id, at, status) VALUES (?, ?, 204)') : null;
  const delivered: Array<{ id: number; at: number }> = [];
  const flush = () => {
    for (const d of delivered) {
      markDelivered.run(d.id);
      logAttempt?.run(d.id, d.at);
    }
    delivered.length = 0;
  };
  const queue: Array<{ id: number; body: string }> = [];
  const signed = signedRequests(input);
  const timed = await runBareFrom(input.count, input.concurrency, input.warmup ?? 0, () => {
    if (queue.length === 0) {
      db.transaction(() => {
        flush();
        queue.push(...read().reverse());
      });
    }
    const next = queue.pop();
    if (!next) return null;
    return { request: signed(next.id, next.body), done: () => delivered.push({ id: next.id, at: Date.now() }) };
  });
  db.transaction(flush);
  const left = db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM outbox WHERE delivered = 0').get()!.n;
  await checkpointer.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  if (left !== 0) throw new Error(`floor ${level}: ${left} deliveries not marked delivered`);
  return windowResult('floor', timed);
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

await taskMain<DeliveryInput, DeliveryResult>((input) => (input.mode === 'bare' ? bare(input) : input.mode === 'floor' ? floor(input) : pollhook(input)));
