/**
 * Measurement 5: upstream requests per job and detection delay, pollhook against fixed-interval
 * pollers, per provider profile, in virtual time.
 */
import { seededRandom, type Random } from '../../src/core/random.ts';
import { bucketOf, modelFromBuckets, type DurationModel } from '../../src/core/durationModel.ts';
import { PROVIDERS } from '../../src/providers/registry.ts';
import { mean, percentile } from '../lib/stats.ts';
import { runFixed, runPollhook, type PollRun } from './pollers.ts';
import type { Profile, SimJob } from './profiles.ts';
import type { JobState } from '../../src/core/types.ts';
import { idealAtDelay, trueModel } from './ideal.ts';

const stateOf = (states: Partial<Record<JobState, readonly string[]>>, status: string): JobState | null =>
  (Object.keys(states) as JobState[]).find((s) => states[s]!.includes(status)) ?? null;

export const FIXED_INTERVALS_S = [2, 5, 10, 15, 30, 60];
/** Share of upstream requests that fail transiently, for both pollers. */
export const ERROR_RATE = 0.01;

export interface Point {
  requestsPerJob: number;
  meanDelayMs: number;
  p95DelayMs: number;
}

export interface ProfileResult {
  provider: string;
  label: string;
  floorMs: number;
  ceilingMs: number;
  learnedSamples: number;
  pollhook: Point;
  fixed: Array<Point & { intervalS: number }>;
  /** The fixed pollers' requests per job at pollhook's mean delay (log-log interpolation). */
  fixedAtSameDelay: number;
  /** pollhook's requests / fixedAtSameDelay. */
  ratio: number;
  /** The same policy with the true distribution and no floor or ceiling, at pollhook's mean delay (bench/virtual/ideal.ts). */
  idealAtSameDelay: number;
  /** idealAtSameDelay / fixedAtSameDelay: about the best ratio any schedule reaches on this profile. */
  idealRatio: number;
}

const summarize = (runs: PollRun[]): Point => {
  const delays = runs.flatMap((r) => r.delays);
  return { requestsPerJob: mean(runs.map((r) => r.requests)), meanDelayMs: mean(delays), p95DelayMs: percentile(delays, 95) };
};

/** Learns like the product: a job's duration is when its terminal status was seen. */
function warmUp(profile: Profile, jobs: number, random: Random, ctx: Omit<Parameters<typeof runPollhook>[1], 'learned'>): DurationModel | null {
  const counts = new Map<number, number>();
  let learned: DurationModel | null = null;
  for (let i = 0; i < jobs; i++) {
    const run = runPollhook(profile.sample(random), { ...ctx, learned });
    const b = bucketOf(run.detectedEnd);
    counts.set(b, (counts.get(b) ?? 0) + 1);
    // The scheduler caches the model for a while; refreshing every 20 jobs is the same idea.
    if (i % 20 === 19) learned = modelFromBuckets([...counts].map(([bucket, count]) => ({ bucket, count })));
  }
  return learned;
}

/** Requests per job of the fixed pollers at a given mean delay, interpolated log-log. */
export function interpolateFrontier(points: ReadonlyArray<Point>, delayMs: number): number {
  const sorted = [...points].sort((a, b) => a.meanDelayMs - b.meanDelayMs);
  let lo = sorted[0]!;
  let hi = sorted[1]!;
  for (let i = 0; i < sorted.length - 1; i++) {
    lo = sorted[i]!;
    hi = sorted[i + 1]!;
    if (delayMs <= hi.meanDelayMs) break;
  }
  const x = (Math.log(delayMs) - Math.log(lo.meanDelayMs)) / (Math.log(hi.meanDelayMs) - Math.log(lo.meanDelayMs));
  return Math.exp(Math.log(lo.requestsPerJob) + x * (Math.log(hi.requestsPerJob) - Math.log(lo.requestsPerJob)));
}

export function measureProfile(profile: Profile, opts: { warmupJobs: number; jobs: number; seed: number }): ProfileResult {
  const provider = PROVIDERS[profile.provider];
  const random = seededRandom(opts.seed);
  const base = {
    floorMs: provider.defaults.pollIntervalMs,
    ceilingMs: provider.defaults.maxPollIntervalMs,
    typical: provider.defaults.typicalDurationMs,
    random,
    errorRate: ERROR_RATE,
    stateOf: (status: string) => stateOf(provider.states, status),
  };
  const learned = warmUp(profile, opts.warmupJobs, random, base);
  const jobs: SimJob[] = Array.from({ length: opts.jobs }, () => profile.sample(random));
  const pollhook = summarize(jobs.map((j) => runPollhook(j, { ...base, learned })));
  const fixed = FIXED_INTERVALS_S.map((s) => ({ intervalS: s, ...summarize(jobs.map((j) => runFixed(j, s * 1000, base))) }));
  const fixedAtSameDelay = interpolateFrontier(fixed, pollhook.meanDelayMs);
  // The ideal runs the very jobs pollhook ran: on a tenth of them (as before) the sample alone
  // moved pictory's long-tailed figure by 5%.
  const idealAtSameDelay = idealAtDelay(jobs, trueModel(profile, opts.seed + 1), base, pollhook.meanDelayMs, opts.seed + 2);
  return {
    provider: profile.provider,
    label: profile.label,
    floorMs: base.floorMs,
    ceilingMs: base.ceilingMs,
    learnedSamples: learned?.samples ?? 0,
    pollhook,
    fixed,
    fixedAtSameDelay,
    ratio: pollhook.requestsPerJob / fixedAtSameDelay,
    idealAtSameDelay,
    idealRatio: idealAtSameDelay / fixedAtSameDelay,
  };
}
