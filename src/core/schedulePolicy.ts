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
 *    and jitter would only add detection delay). A recently passed ETA: poll at the floor.
 * 2. A duration distribution (learned with >= MIN_LEARNED_SAMPLES finished jobs, else the
 *    provider's documented typical duration): the next poll is where a fraction STEP_QUANTILE
 *    of the jobs still running at this age will have finished. Where completions are dense this
 *    is the floor; before the window it is a jump into the window; after the window (the job is
 *    overdue) the distribution is silent and rule 3 applies.
 * 3. Geometric growth: while nothing changes the interval grows by GROWTH from the floor to the
 *    ceiling; a change resets it to the floor.
 * Every delay stays within [floor, ceiling] and never goes past the job's deadline. Jitter of
 * +-JITTER spreads jobs registered together, never below the floor.
 */
import type { Random } from './random.ts';
import {
  MIN_LEARNED_SAMPLES,
  conditionalQuantile,
  modelFromTypical,
  type DurationModel,
} from './durationModel.ts';

export const GROWTH = 1.5;
export const JITTER = 0.1;
/** Probability mass of the remaining completions each distribution-guided step covers. */
export const STEP_QUANTILE = 0.1;
/** Polling this long after an ETA catches an upstream that flips exactly at it. */
export const ETA_GRACE_MS = 250;

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
    if (etaAt > now) return { delayMs: clamp(etaAt - now + ETA_GRACE_MS, floor, ceiling), intervalMs: interval, reason: 'eta' };
    return { delayMs: floor, intervalMs: interval, reason: 'eta_passed' };
  }
  const model = pickModel(input);
  if (model) {
    const age = Math.max(0, now - input.createdAt);
    const target = conditionalQuantile(model, age, STEP_QUANTILE);
    if (target != null) {
      const step = clamp(target - age, floor, ceiling);
      // Growth after the window restarts from the spacing used inside it, not from a stale value.
      return { delayMs: jitter(step, floor, ceiling, input.random), intervalMs: step, reason: 'distribution' };
    }
  }
  return { delayMs: jitter(interval, floor, ceiling, input.random), intervalMs: interval, reason: 'interval' };
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
