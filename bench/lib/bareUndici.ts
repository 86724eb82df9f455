/**
 * The baseline: bare undici (`undici.request` through an Agent with the same connection count)
 * doing the same requests at the same concurrency, with nothing else: no database.
 */
import { Agent, request } from 'undici';

export interface BareRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

export interface TimedWindow {
  /** Requests finished inside the window. */
  count: number;
  elapsedMs: number;
  /** CPU time (user + system) of this process over the window, in microseconds. */
  cpuUs: number;
}

/**
 * Marks the start of a steady-state window once `warmup` operations have finished, and measures
 * from there to `end()`. Both sides of a throughput measurement warm up the same way, so neither
 * is charged for compiling its code path or opening its connections.
 */
export class SteadyWindow {
  private startedAt = 0;
  private cpu: NodeJS.CpuUsage | null = null;
  private doneAtStart = 0;

  constructor(private readonly warmup: number) {
    if (warmup === 0) this.start(0);
  }

  /** Call with the running count of finished operations. */
  progress(done: number): void {
    if (this.cpu === null && done >= this.warmup) this.start(done);
  }

  end(done: number): TimedWindow {
    if (this.cpu === null) throw new Error(`the run ended before its ${this.warmup} warm-up operations`);
    const u = process.cpuUsage(this.cpu);
    return { count: done - this.doneAtStart, elapsedMs: performance.now() - this.startedAt, cpuUs: u.user + u.system };
  }

  private start(done: number): void {
    this.doneAtStart = done;
    this.cpu = process.cpuUsage();
    this.startedAt = performance.now();
  }
}

/**
 * Sends `warmup + count` requests, `concurrency` at a time, and times the steady-state window
 * after the first `warmup` finished. Every answer must be 2xx.
 */
export function runBare(count: number, concurrency: number, build: (i: number) => BareRequest, warmup = 0): Promise<TimedWindow> {
  let next = 0;
  return runBareFrom(count, concurrency, warmup, () => {
    const i = next++;
    return i < warmup + count ? { request: build(i), done: () => {} } : null;
  });
}

/**
 * As runBare, with the requests taken from `take` (null: nothing left) and `done` called after
 * each 2xx answer was read, with its body.
 */
export async function runBareFrom(
  count: number,
  concurrency: number,
  warmup: number,
  take: () => { request: BareRequest; done: (body: string) => void } | null,
): Promise<TimedWindow> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  const window = new SteadyWindow(warmup);
  let done = 0;
  let failures = 0;
  const worker = async () => {
    for (;;) {
      const next = take();
      if (!next) return;
      const r = next.request;
      const res = await request(r.url, { dispatcher: agent, method: r.method, body: r.body, headers: r.headers });
      const text = await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) failures++;
      else next.done(text);
      window.progress(++done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const timed = window.end(done);
  await agent.close();
  if (failures > 0) throw new Error(`bare undici: ${failures} non-2xx answers`);
  if (done !== warmup + count) throw new Error(`bare undici: ${done} requests, expected ${warmup + count}`);
  return timed;
}
