/**
 * Drives an engine's runOnce() step in Node. It sleeps until the step's next due time (never a
 * fixed tick), and wake() cuts the sleep short when new work was committed in this process.
 */
import type { StepResult } from '../../core/step.ts';

export interface LoopOptions {
  name: string;
  step: () => Promise<StepResult>;
  now: () => number;
  /** Upper bound on a sleep, so work committed by another process is still found. */
  maxSleepMs?: number;
  onError?: (err: unknown) => void;
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
      } catch (err) {
        options.onError?.(err);
        delay = Math.min(maxSleep, 250);
      }
      if (stopped) break;
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
