/**
 * The adaptive poll schedule: when to poll a job next after a successful answer.
 * Pure (time and randomness are inputs), so a virtual-time benchmark can call it directly:
 *
 *   import { planNextPoll } from 'src/core/schedulePolicy.ts';
 *   let interval: number | null = null;
 *   // after each simulated poll at virtual time `now`:
 *   const plan = planNextPoll({ now, createdAt, floorMs, ceilingMs, currentIntervalMs: interval,
 *     changed, etaAt, typicalDuration, learned, deadlineAt: null, random: seededRandom(1) });
 *   interval = plan.intervalMs; next poll at now + plan.delayMs
 *
 * (`learned` comes from durationModel.modelFromBuckets over the recorded durations; pass null
 * for "nothing learned yet", and feed finished durations with durationModel.bucketOf.)
 *
 * What it uses, in order of precedence:
 * 1. An upstream ETA in the future: poll just after it (no jitter: ETAs already differ per job,
 *    and jitter would only add detection delay). An ETA in whole seconds (topaz sends unix
 *    seconds) may be up to a second early, so the poll goes after the end of that second. With
 *    the provider's default ceiling an ETA up to ETA_HORIZON_MS away is trusted as is; a job's
 *    own maxPollIntervalSeconds always bounds it. A recently passed ETA: poll at the floor.
 * 2. A duration distribution (learned with >= MIN_LEARNED_SAMPLES finished jobs, else the
 *    provider's documented typical duration): the step s is the one where
 *    s * P(finished within s | running now) = STEP_COST * floor. This spaces polls by
 *    1/sqrt(hazard), which minimises requests for a given mean detection delay: long jumps where
 *    few jobs finish (before the window, early in a wide one), the floor where most do. After the
 *    window (the job is overdue) the distribution is silent and rule 3 applies. Before a
 *    *learned* window, with the provider's default ceiling, the step may pass that ceiling up to
 *    ETA_HORIZON_MS, as an ETA may.
 *    A job not started yet (`pending`) can start at any moment, and that change counts as much
 *    as the end: its step is also bounded by the growth of rule 3.
 * 3. Geometric growth: while nothing changes the interval grows by GROWTH from the floor to the
 *    ceiling; a change resets it to the floor.
 * Every delay stays within [floor, ceiling] and never goes past the job's deadline. Jitter of
 * +-JITTER spreads jobs registered together, never below the floor.
 */
import type { Random } from './random.ts';
import type { JobState } from './types.ts';
import {
  MIN_LEARNED_SAMPLES,
  conditionalQuantile,
  massAbove,
  modelFromTypical,
  type DurationModel,
} from './durationModel.ts';

export const GROWTH = 1.5;
export const JITTER = 0.1;
/**
 * The delay/requests trade-off of distribution-guided steps, in floors: a step is as long as
 * STEP_COST floors divided by the chance the job finishes within it.
 */
export const STEP_COST = 0.1;
/** Polling this long after an ETA catches an upstream that flips exactly at it. */
export const ETA_GRACE_MS = 100;
/**
 * An ETA, or a learned window the job has not reached yet, is trusted up to this far away when
 * the ceiling is the provider's default.
 */
export const ETA_HORIZON_MS = 5 * 60_000;

export interface PlanInput {
  now: number;
  /** Registration time; ages are measured from it. */
  createdAt: number;
  floorMs: number;
  ceilingMs: number;
  /** The interval stored on the job (null before the first plan). */
  currentIntervalMs: number | null;
  /** This poll produced an event. */
  changed: boolean;
  etaAt: number | null;
  typicalDuration: { min: number; max: number } | null;
  learned: DurationModel | null;
  deadlineAt?: number | null;
  random: Random;
  /** The job's normalized state after this poll; `pending` jobs may start at any moment. */
  state?: JobState | null;
  /**
   * The ceiling is the job's own maxPollIntervalSeconds (binds ETAs too). False when it is the
   * provider's default, which an upstream ETA may exceed up to ETA_HORIZON_MS. Default true.
   */
  ceilingFromJob?: boolean;
}

export type PlanReason = 'eta' | 'eta_passed' | 'distribution' | 'interval';

export interface PollPlan {
  delayMs: number;
  /** Store as jobs.current_interval_ms. */
  intervalMs: number;
  reason: PlanReason;
}

export function boundsOf(floorMs: number, ceilingMs: number): { floor: number; ceiling: number } {
  const floor = Math.max(1, floorMs);
  return { floor, ceiling: Math.max(floor, ceilingMs) };
}

export function nextInterval(current: number | null, changed: boolean, floor: number, ceiling: number): number {
  if (changed || current == null) return floor;
  return Math.min(ceiling, Math.max(floor, current * GROWTH));
}

export function planNextPoll(input: PlanInput): PollPlan {
  const { floor, ceiling } = boundsOf(input.floorMs, input.ceilingMs);
  const interval = nextInterval(input.currentIntervalMs, input.changed, floor, ceiling);
  const plan = choose(input, floor, ceiling, interval);
  return { ...plan, delayMs: capAtDeadline(plan.delayMs, input) };
}

function choose(input: PlanInput, floor: number, ceiling: number, interval: number): PollPlan {
  const { now, etaAt } = input;
  if (etaAt != null && etaAt + ceiling >= now) {
    const pollAt = etaPollTime(etaAt);
    if (pollAt > now) {
      const etaCeiling = input.ceilingFromJob === false ? Math.max(ceiling, ETA_HORIZON_MS) : ceiling;
      return { delayMs: clamp(pollAt - now, floor, etaCeiling), intervalMs: interval, reason: 'eta' };
    }
    return { delayMs: floor, intervalMs: interval, reason: 'eta_passed' };
  }
  const model = pickModel(input);
  if (model) {
    const age = Math.max(0, now - input.createdAt);
    const stepCeiling = stepCeilingFor(input, model, age, ceiling);
    const step = distributionStep(model, age, floor, stepCeiling);
    if (step != null) {
      // A pending job's start is a change too, and nothing predicts it: growth bounds the step.
      const bounded = input.state === 'pending' ? Math.min(step, interval) : step;
      // Growth after the window restarts from the spacing used inside it, not from a stale value.
      return { delayMs: jitter(bounded, floor, stepCeiling, input.random), intervalMs: Math.min(bounded, ceiling), reason: 'distribution' };
    }
  }
  return { delayMs: jitter(interval, floor, ceiling, input.random), intervalMs: interval, reason: 'interval' };
}

/**
 * A job younger than every duration its tenant has seen for the provider cannot have finished
 * unless it is the first of its kind: with the provider's default ceiling, a learned distribution
 * is trusted like an ETA, up to ETA_HORIZON_MS, for the jump to the window. The jump is sized by
 * the 1/sqrt(hazard) rule, so it lands early in the window, where the learned mass starts: ends
 * seen there keep that start in place (bucket bounds are never later than the poll that saw the
 * end). Jumping to a fixed point past the start instead made the learned window drift later.
 */
function stepCeilingFor(input: PlanInput, model: DurationModel, age: number, ceiling: number): number {
  if (input.ceilingFromJob !== false || model.samples < MIN_LEARNED_SAMPLES) return ceiling;
  return massAbove(model, age) >= model.total ? Math.max(ceiling, ETA_HORIZON_MS) : ceiling;
}

/**
 * An ETA in whole seconds means "some time in that second": poll after the second ends. One with
 * a millisecond part is taken as exact.
 */
export function etaPollTime(etaAt: number): number {
  return etaAt + (etaAt % 1000 === 0 ? 1000 : 0) + ETA_GRACE_MS;
}

/**
 * The step s in [floor, ceiling] with s * P(T <= age + s | T > age) = STEP_COST * floor, or null
 * when the model has (almost) nothing left beyond `age`.
 */
export function distributionStep(model: DurationModel, age: number, floor: number, ceiling: number): number | null {
  if (conditionalQuantile(model, age, 0) == null) return null;
  const remaining = massAbove(model, age);
  const budget = STEP_COST * floor;
  if (stepCost(model, age, remaining, floor) >= budget) return floor;
  if (stepCost(model, age, remaining, ceiling) <= budget) return ceiling;
  let lo = floor;
  let hi = ceiling;
  // stepCost() is increasing in s; 30 halvings of a <= 1 day range land within a millisecond.
  for (let i = 0; i < 30 && hi - lo > 1; i++) {
    const mid = (lo + hi) / 2;
    if (stepCost(model, age, remaining, mid) < budget) lo = mid;
    else hi = mid;
  }
  return Math.round(hi);
}

// s * P(T <= age + s | T > age), given massAbove(model, age) as `remaining`. A module-level
// function rather than a closure per call: it runs on every poll, and a closure per call (named
// at run time under tsx) cost a few microseconds.
function stepCost(model: DurationModel, age: number, remaining: number, s: number): number {
  return (s * (remaining - massAbove(model, age + s))) / remaining;
}

export function pickModel(input: Pick<PlanInput, 'learned' | 'typicalDuration'>): DurationModel | null {
  if (input.learned && input.learned.samples >= MIN_LEARNED_SAMPLES) return input.learned;
  return input.typicalDuration ? modelFromTypical(input.typicalDuration) : null;
}

/** +-JITTER around the delay, never below the floor nor above the ceiling plus jitter. */
export function jitter(delay: number, floor: number, ceiling: number, random: Random): number {
  const factor = 1 + (2 * random() - 1) * JITTER;
  return Math.round(Math.min(ceiling * (1 + JITTER), Math.max(floor, delay * factor)));
}

function capAtDeadline(delay: number, input: PlanInput): number {
  if (input.deadlineAt == null) return delay;
  return Math.max(0, Math.min(delay, input.deadlineAt - input.now));
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));
