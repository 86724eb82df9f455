/**
 * How close to a target any duration-guided schedule can come for a profile: the same policy
 * (planNextPoll, 1/sqrt(hazard) steps) given the profile's true duration distribution, a fine
 * histogram of many sampled jobs, and no provider floor or ceiling. Its frontier is swept by the
 * policy's one knob (the floor, which sets the step budget) and read at a given mean delay.
 * Close to the best any schedule can do for one change per job; for aigenstudio's two changes it
 * is this policy's best, not a proof.
 */
import { seededRandom } from '../../src/core/random.ts';
import type { DurationModel } from '../../src/core/durationModel.ts';
import { runPollhook, type PolicyContext } from './pollers.ts';
import { endOf, type Profile, type SimJob } from './profiles.ts';
import { mean } from '../lib/stats.ts';

const BINS = 120;
const MODEL_SAMPLES = 20_000;
const HOUR = 3_600_000;

/** The true time-to-terminal distribution of a profile as a histogram model. */
export function trueModel(profile: Profile, seed: number): DurationModel {
  const random = seededRandom(seed);
  const ends = Array.from({ length: MODEL_SAMPLES }, () => endOf(profile.sample(random))).sort((a, b) => a - b);
  const lo = ends[0]!;
  const hi = ends[ends.length - 1]! + 1;
  const width = Math.max(50, (hi - lo) / BINS);
  const counts = new Map<number, number>();
  for (const e of ends) counts.set(Math.floor((e - lo) / width), (counts.get(Math.floor((e - lo) / width)) ?? 0) + 1);
  const segments = [...counts].sort((a, b) => a[0] - b[0]).map(([i, weight]) => ({ lo: lo + i * width, hi: lo + (i + 1) * width, weight }));
  return { segments, total: ends.length, samples: ends.length };
}

export interface IdealPoint {
  floorMs: number;
  requestsPerJob: number;
  meanDelayMs: number;
}

/** The ideal policy's requests per job at `delayMs` (log-log between the two sweep points around it). */
export function idealAtDelay(
  jobs: readonly SimJob[],
  model: DurationModel,
  ctx: Pick<PolicyContext, 'errorRate' | 'stateOf'>,
  delayMs: number,
  seed: number,
): number {
  const at = (floorMs: number): IdealPoint => {
    const random = seededRandom(seed);
    const runs = jobs.map((j) => runPollhook(j, { ...ctx, floorMs, ceilingMs: HOUR, typical: null, learned: model, random }));
    return { floorMs, requestsPerJob: mean(runs.map((r) => r.requests)), meanDelayMs: mean(runs.flatMap((r) => r.delays)) };
  };
  // Mean delay grows with the floor: bracket the target, then halve the bracket a few times.
  let lo = at(25);
  let hi = at(60_000);
  if (delayMs <= lo.meanDelayMs) return lo.requestsPerJob;
  if (delayMs >= hi.meanDelayMs) return hi.requestsPerJob;
  for (let i = 0; i < 7; i++) {
    const mid = at(Math.sqrt(lo.floorMs * hi.floorMs));
    if (mid.meanDelayMs < delayMs) lo = mid;
    else hi = mid;
  }
  const x = (Math.log(delayMs) - Math.log(lo.meanDelayMs)) / (Math.log(hi.meanDelayMs) - Math.log(lo.meanDelayMs));
  return Math.exp(Math.log(lo.requestsPerJob) + x * (Math.log(hi.requestsPerJob) - Math.log(lo.requestsPerJob)));
}
