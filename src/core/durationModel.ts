/**
 * Distributions of a job's time-to-terminal (ms since registration), as piecewise-uniform
 * segments. Two sources build one: a provider's documented typical duration (one segment) and
 * the counts learned per tenant and provider in `duration_stats` (one segment per log-spaced
 * bucket). The schedule policy asks it one question: given the job is still unfinished at age
 * `a`, by what age will a fraction `q` of the remaining jobs have finished?
 */

export interface DurationSegment {
  /** Inclusive lower bound, ms. */
  lo: number;
  /** Exclusive upper bound, ms (> lo). */
  hi: number;
  /** Relative mass (a count or a probability). */
  weight: number;
}

export interface DurationModel {
  segments: readonly DurationSegment[];
  /** Sum of weights. */
  total: number;
  /** Number of finished jobs behind the model (0 for a documented duration). */
  samples: number;
}

/** Learned models are trusted from this many finished jobs on. */
export const MIN_LEARNED_SAMPLES = 20;

// Buckets are log-spaced: bucket b covers [BASE * RATIO^b, BASE * RATIO^(b+1)). A ratio of 2^(1/4)
// keeps each bucket ~19% wide, so quantiles land within a few seconds for minute-long jobs, and
// 100 ms .. 30 days fits in ~100 buckets (rows per tenant and provider).
const BUCKET_BASE_MS = 100;
const BUCKET_RATIO = 2 ** 0.25;
const LOG_RATIO = Math.log(BUCKET_RATIO);
const MAX_BUCKET = 120;

export function bucketOf(durationMs: number): number {
  if (!(durationMs > BUCKET_BASE_MS)) return 0;
  const b = Math.floor(Math.log(durationMs / BUCKET_BASE_MS) / LOG_RATIO);
  return Math.min(MAX_BUCKET, Math.max(0, b));
}

export function bucketBounds(bucket: number): { lo: number; hi: number } {
  const lo = bucket === 0 ? 0 : BUCKET_BASE_MS * BUCKET_RATIO ** bucket;
  return { lo, hi: BUCKET_BASE_MS * BUCKET_RATIO ** (bucket + 1) };
}

export function modelFromBuckets(rows: ReadonlyArray<{ bucket: number; count: number }>): DurationModel {
  const segments = rows
    .filter((r) => r.count > 0)
    .map((r) => ({ ...bucketBounds(r.bucket), weight: r.count }))
    .sort((a, b) => a.lo - b.lo);
  const total = segments.reduce((s, x) => s + x.weight, 0);
  return { segments, total, samples: total };
}

export function modelFromTypical(typical: { min: number; max: number }): DurationModel {
  const lo = Math.max(0, Math.min(typical.min, typical.max));
  const hi = Math.max(lo + 1, typical.max);
  return { segments: [{ lo, hi, weight: 1 }], total: 1, samples: 0 };
}

/** Mass of the model above `age` (not normalized). */
export function massAbove(model: DurationModel, age: number): number {
  let mass = 0;
  for (const s of model.segments) {
    if (s.hi <= age) continue;
    if (s.lo >= age) mass += s.weight;
    else mass += (s.weight * (s.hi - age)) / (s.hi - s.lo);
  }
  return mass;
}

/**
 * The age t >= `age` with P(T <= t | T > age) = q, or null when (almost) nothing of the model
 * lies beyond `age` (the job is overdue: the model has nothing left to say).
 */
export function conditionalQuantile(model: DurationModel, age: number, q: number): number | null {
  const remaining = massAbove(model, age);
  if (model.total <= 0 || remaining / model.total < 1e-3) return null;
  let need = remaining * Math.min(1, Math.max(0, q));
  for (const s of model.segments) {
    if (s.hi <= age) continue;
    const lo = Math.max(s.lo, age);
    const part = (s.weight * (s.hi - lo)) / (s.hi - s.lo);
    if (part >= need && part > 0) return lo + ((s.hi - lo) * need) / part;
    need -= part;
  }
  return model.segments[model.segments.length - 1]!.hi;
}

/** Plain quantile (q of all finished jobs took at most this long). */
export const quantile = (model: DurationModel, q: number): number | null => conditionalQuantile(model, 0, q);
