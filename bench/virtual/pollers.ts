/**
 * Virtual-time pollers. pollhook's is driven by the real policies in src/core (planNextPoll,
 * the duration model, planAfterFailure), exactly as the scheduler calls them; the baseline is a
 * fixed-interval poller. Both see the same jobs and the same upstream error rate.
 */
import type { Random } from '../../src/core/random.ts';
import type { DurationModel } from '../../src/core/durationModel.ts';
import type { JobState } from '../../src/core/types.ts';
import { planNextPoll } from '../../src/core/schedulePolicy.ts';
import { NO_FAILURES, planAfterFailure, type FailureCounters } from '../../src/core/upstreamErrorPolicy.ts';
import { endOf, statusAt, type SimJob } from './profiles.ts';

export interface PollRun {
  requests: number;
  /** Change -> the poll that saw it, for every change after registration. */
  delays: number[];
  /** When the terminal status was seen (what the product learns as the job's duration). */
  detectedEnd: number;
}

export interface PolicyContext {
  floorMs: number;
  ceilingMs: number;
  typical: { min: number; max: number } | null;
  learned: DurationModel | null;
  random: Random;
  /** Share of polls that fail transiently (5xx, timeouts). */
  errorRate: number;
  /** The provider's mapping of an upstream status to a normalized state. */
  stateOf?: (upstreamStatus: string) => JobState | null;
}

/** Runs one job; `next(t, answer)` returns the next poll time. */
type Answer = { ok: true; changed: boolean; status: string } | { ok: false };

function drive(job: SimJob, ctx: PolicyContext, next: (t: number, answer: Answer) => number): PollRun {
  const end = endOf(job);
  const delays: number[] = [];
  let pending = 0; // index of the first change not yet seen
  let last: string | null = null;
  let requests = 0;
  let t = 0;
  for (let guard = 0; guard < 100_000; guard++) {
    requests++;
    if (ctx.random() < ctx.errorRate) {
      t = next(t, { ok: false });
      continue;
    }
    while (pending < job.changes.length && job.changes[pending]!.at <= t) delays.push(t - job.changes[pending++]!.at);
    const status = statusAt(job, t);
    const changed = status !== last;
    last = status;
    if (t >= end) return { requests, delays, detectedEnd: t };
    t = next(t, { ok: true, changed, status });
  }
  throw new Error('virtual poller did not finish');
}

export function runPollhook(job: SimJob, ctx: PolicyContext): PollRun {
  let interval: number | null = null;
  let counters: FailureCounters = NO_FAILURES;
  return drive(job, ctx, (t, answer) => {
    if (!answer.ok) {
      const plan = planAfterFailure({
        failure: { kind: 'transient', message: 'HTTP 503', status: 503 },
        now: t,
        floorMs: ctx.floorMs,
        ceilingMs: ctx.ceilingMs,
        counters,
        random: ctx.random,
      });
      counters = plan.counters;
      if (plan.kind === 'end') throw new Error('transient failures never end a job');
      return t + plan.delayMs;
    }
    counters = NO_FAILURES;
    // The policy sees wall-clock times, as the product does (an ETA in whole seconds is only
    // whole on that clock).
    const origin = job.registeredAt ?? 0;
    const plan = planNextPoll({
      now: origin + t,
      createdAt: origin,
      floorMs: ctx.floorMs,
      ceilingMs: ctx.ceilingMs,
      currentIntervalMs: interval,
      changed: answer.changed,
      etaAt: job.etaAt(t),
      typicalDuration: ctx.typical,
      learned: ctx.learned,
      deadlineAt: null,
      random: ctx.random,
      state: ctx.stateOf?.(answer.status) ?? null,
      // The registry's defaults, as for a job registered without its own bounds.
      ceilingFromJob: false,
    });
    interval = plan.intervalMs;
    return t + plan.delayMs;
  });
}

export function runFixed(job: SimJob, intervalMs: number, ctx: Pick<PolicyContext, 'random' | 'errorRate'>): PollRun {
  return drive(job, { ...ctx, floorMs: 0, ceilingMs: 0, typical: null, learned: null }, (t) => t + intervalMs);
}
