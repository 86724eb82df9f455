/**
 * Measurement 2, one side per process run: `mode: 'pollhook'` times the scheduler polling
 * `count` active fotolabs jobs once each against an upstream that answers "unchanged"
 * (claimed, polled, decided, recorded); `mode: 'bare'` times bare undici GETs of the same URLs
 * with the same headers. The scheduler's per-origin cap (and its total) equals the bare
 * concurrency. Each side first polls `warmup` more jobs, untimed, in the same process: the
 * figure is steady-state throughput.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { taskMain } from '../lib/child.ts';
import { benchScheduler } from '../lib/engines.ts';
import { runBare, runBareFrom, SteadyWindow, type BareRequest } from '../lib/bareUndici.ts';
import { benchTenant, openBenchDb, seedActiveJobs } from '../lib/seed.ts';
import { createNodeHttpClient } from '../../src/runtime/node/httpClient.ts';
import { startWalCheckpointer } from '../../src/runtime/node/walCheckpointer.ts';
import { startLoop } from '../../src/runtime/node/loop.ts';

export interface PollInput {
  mode: 'pollhook' | 'bare' | 'floor';
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

function pollRequest(input: PollInput, i: number): BareRequest {
  return {
    url: `${input.upstreamUrl}/v1/images/${externalId(i)}`,
    method: 'GET',
    headers: { accept: 'application/json', authorization: 'Bearer fl_bench', 'user-agent': 'pollhook/bench' },
  };
}

async function bare(input: PollInput): Promise<PollResult> {
  const timed = await runBare(input.count, input.concurrency, (i) => pollRequest(input, i), input.warmup ?? 0);
  return { mode: 'bare', count: timed.count, elapsedMs: timed.elapsedMs, perSecond: (timed.count / timed.elapsedMs) * 1000, cpuUsPerPoll: timed.cpuUs / timed.count };
}

/**
 * The floor: bare undici plus the least a durable poller must do, with pollhook's pragmas and
 * checkpointer thread: jobs in one table with an index on the due time, claimed 64 at a time
 * under an expiring lease (UPDATE ... RETURNING, so a crashed worker's jobs come back), each
 * answer parsed for its status and recorded with the job's next due time, committed with the
 * next claim (a commit per 64 polls). No credentials to decrypt, no schedule to decide, no
 * poll history, no change detection: less than pollhook must do per poll.
 */
async function floor(input: PollInput): Promise<PollResult> {
  const total = (input.warmup ?? 0) + input.count;
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-bench-floor-'));
  const db = openSqlite(join(dir, 'floor.db'));
  const checkpointer = startWalCheckpointer(join(dir, 'floor.db'));
  db.exec('CREATE TABLE jobs (id INTEGER PRIMARY KEY, status TEXT, polls INTEGER NOT NULL DEFAULT 0, due INTEGER); CREATE INDEX jobs_due ON jobs(due) WHERE due IS NOT NULL');
  const insert = db.prepare('INSERT INTO jobs (id, due) VALUES (?, 0)');
  db.transaction(() => {
    for (let i = 0; i < total; i++) insert.run(i);
  });
  const startedAt = Date.now();
  const claim = db.prepare<{ id: number }>('UPDATE jobs SET due = ? WHERE id IN (SELECT id FROM jobs WHERE due <= ? ORDER BY due LIMIT 64) RETURNING id');
  const record = db.prepare('UPDATE jobs SET status = ?, polls = polls + 1, due = ? WHERE id = ?');
  const answered: Array<{ id: number; status: string }> = [];
  const queue: number[] = [];
  const timed = await runBareFrom(input.count, input.concurrency, input.warmup ?? 0, () => {
    if (queue.length === 0) {
      const now = Date.now();
      db.transaction(() => {
        for (const a of answered) record.run(a.status, now + 3_600_000, a.id);
        answered.length = 0;
        for (const row of claim.all(now + 60_000, startedAt)) queue.push(row.id);
      });
    }
    const id = queue.pop();
    if (id === undefined) return null;
    return { request: pollRequest(input, id), done: (body) => answered.push({ id, status: String((JSON.parse(body) as { status?: unknown }).status) }) };
  });
  db.transaction(() => {
    for (const a of answered) record.run(a.status, Date.now() + 3_600_000, a.id);
  });
  const recorded = db.prepare<{ n: number }>('SELECT SUM(polls) AS n FROM jobs').get()!.n;
  await checkpointer.stop();
  db.close();
  rmSync(dir, { recursive: true, force: true });
  if (recorded !== total) throw new Error(`floor: ${recorded} polls recorded, expected ${total}`);
  return { mode: 'floor', count: timed.count, elapsedMs: timed.elapsedMs, perSecond: (timed.count / timed.elapsedMs) * 1000, recorded, cpuUsPerPoll: timed.cpuUs / timed.count };
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

await taskMain<PollInput, PollResult>((input) => (input.mode === 'bare' ? bare(input) : input.mode === 'floor' ? floor(input) : pollhook(input)));
