/**
 * Drives an engine's runOnce() step in Node. It sleeps until the step's next due time (never a
 * fixed tick), and wake() cuts the sleep short when new work was committed in this process.
 * A step that throws is retried after an exponential backoff with jitter, and while storage is
 * failing (`holdOffMs`) no step runs before the storage backoff allows, even one that asked to
 * run again at once: a full disk never turns a loop into a spin.
 */
import type { StepResult } from '../../core/step.ts';
import { Backoff, type BackoffOptions } from '../../core/backoff.ts';
import { mathRandom, type Random } from '../../core/random.ts';

/** A failing step (any error) is retried after 250 ms, doubling up to 2 s: leases and polling intervals are a few seconds, so a longer wait would cost more than it saves. */
const STEP_ERROR_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: 2_000 };

export interface LoopOptions {
  name: string;
  step: () => Promise<StepResult>;
  now: () => number;
  /** Upper bound on a sleep, so work committed by another process is still found. */
  maxSleepMs?: number;
  onError?: (err: unknown) => void;
  /** Milliseconds no step should run for (the storage backoff); 0 when steps may run. */
  holdOffMs?: () => number;
  random?: Random;
}

export interface Loop {
  wake(): void;
  /** Stops claiming and resolves when the running step has finished. */
  stop(): Promise<void>;
  readonly running: boolean;
}

export function startLoop(options: LoopOptions): Loop {
  const maxSleep = options.maxSleepMs ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  let wakeResolve: (() => void) | null = null;
  let woken = false;
  const backoff = new Backoff(options.random ?? mathRandom, STEP_ERROR_BACKOFF);

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      wakeResolve = resolve;
      timer = setTimeout(resolve, ms);
    }).finally(() => {
      if (timer) clearTimeout(timer);
      timer = null;
      wakeResolve = null;
    });

  const done = (async () => {
    while (!stopped) {
      let delay = maxSleep;
      try {
        woken = false;
        const r = await options.step();
        if (r.more) delay = 0;
        else if (r.nextDueAt != null) delay = Math.min(maxSleep, Math.max(0, r.nextDueAt - options.now()));
        backoff.reset();
      } catch (err) {
        options.onError?.(err);
        delay = backoff.next();
      }
      if (stopped) break;
      const holdOff = options.holdOffMs?.() ?? 0;
      // A wake still cuts this short: it follows a commit, so storage is writable again.
      if (holdOff > delay) delay = holdOff;
      if (delay > 0) await sleep(delay);
      else await new Promise<void>((r) => setImmediate(r));
    }
  })();

  return {
    wake() {
      woken = true;
      wakeResolve?.();
    },
    async stop() {
      stopped = true;
      wakeResolve?.();
      await done;
    },
    get running() {
      return !stopped;
    },
  };
}
