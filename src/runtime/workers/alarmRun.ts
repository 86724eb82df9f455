/**
 * One alarm's run of a shard's engines: their runOnce() steps, again whenever work falls due,
 * until they are idle with nothing due, or the budget is spent (then the polls and sends still
 * out are waited for: they belong to this invocation). While polls or sends are out it does not
 * just wait for them: it sleeps until the engines' next due time (at most a second) or a wake (a
 * poll queued webhooks, the API committed work), so a receiver or upstream that takes seconds to
 * answer holds only its own requests, never the rest of the shard's polls and webhooks.
 */
import type { StepResult } from '../../core/step.ts';

export interface AlarmEngine {
  runOnce(): Promise<StepResult>;
  /** Resolves once nothing of the engine is out (checked when it resolves). */
  idle(): Promise<void>;
}

/** Longest sleep while work is out: work committed without a wake is still found. */
const MAX_SLEEP_MS = 1_000;
/** Shortest: a step whose next due time has passed (no room to claim it) does not spin. */
const MIN_SLEEP_MS = 25;

interface Idle {
  done: Promise<void>;
  settled: boolean;
}

export class AlarmRun {
  private wakeUp: (() => void) | null = null;
  private woken = false;

  /** New work was committed: the run's current (or next) sleep ends at once. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  async run(engines: readonly AlarmEngine[], options: { stopAt: number; nextDue: () => number | null; now?: () => number }): Promise<void> {
    const now = options.now ?? Date.now;
    // One idle() per engine while it is busy (each resolves only when that engine is idle); a
    // settled one is dropped when the engine's next step may have started work.
    const idles: Array<Idle | null> = engines.map(() => null);
    const idleOf = (i: number): Idle => {
      const known = idles[i];
      if (known) return known;
      const fresh: Idle = { done: Promise.resolve(), settled: false };
      fresh.done = engines[i]!.idle().then(() => void (fresh.settled = true));
      // Its failure reaches the alarm through the wait it is part of; not unhandled if the run ended first.
      fresh.done.catch(() => {});
      idles[i] = fresh;
      return fresh;
    };
    const allIdle = () => idles.every((s) => s?.settled);
    for (;;) {
      this.woken = false;
      let more = false;
      let dueAt = Infinity;
      for (const [i, engine] of engines.entries()) {
        const step = await engine.runOnce();
        if (idles[i]?.settled) idles[i] = null;
        more ||= step.more;
        if (step.nextDueAt !== null) dueAt = Math.min(dueAt, step.nextDueAt);
      }
      if (more && now() < options.stopAt) continue;
      const idle = Promise.all(engines.map((_, i) => idleOf(i).done));
      if (now() >= options.stopAt) {
        await idle;
        return;
      }
      await this.sleepUnless(idle, Math.min(dueAt, options.stopAt) - now());
      if (allIdle()) {
        const next = options.nextDue();
        if (next === null || next > now() || now() >= options.stopAt) return;
      }
    }
  }

  /** Until `idle` resolves, a wake, or `ms` (within MIN_SLEEP_MS..MAX_SLEEP_MS) have passed. */
  private async sleepUnless(idle: Promise<unknown>, ms: number): Promise<void> {
    if (this.woken) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        idle,
        new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          timer = setTimeout(resolve, Math.min(MAX_SLEEP_MS, Math.max(MIN_SLEEP_MS, ms)));
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.wakeUp = null;
    }
  }
}
