/**
 * What to do after a poll that got no usable observation. Pure.
 *
 * - rate_limited: wait at least Retry-After (plus up to 10% so a credential's jobs don't return
 *   together); without it, back off like a transient error.
 * - transient, malformed: exponential backoff with full jitter above the floor, capped at the
 *   ceiling and at MAX_BACKOFF_MS. No event: an upstream hiccup is not a change.
 * - not_found: NOT_FOUND_ANSWERS answers in a row spanning NOT_FOUND_SPAN_MS end the job with
 *   `upstream_not_found`. Right after creation an upstream may not know a job yet, so these
 *   polls are spaced to reach the span quickly (every ~15 s) rather than hammering.
 * - unauthorized and payment_required: UNAUTHORIZED_ANSWERS in a row end the job with
 *   `upstream_unauthorized` (a 402 means the credentials cannot be used either); the second
 *   check comes AUTH_RECHECK_MS later to rule out a blip.
 * Only answers count towards not_found/unauthorized: a transient error in between neither
 * resets nor advances them. A not_found answer resets the unauthorized run and vice versa.
 * consecutiveFailures counts every failed poll since the last answer that was not a failure,
 * whatever its kind: it is what the API reports as `polls.consecutiveFailures`, and the
 * backoff exponent (an upstream that refused the last polls is not a fresh start either).
 */
import type { JobError, PollFailure } from './types.ts';
import type { Random } from './random.ts';
import { MAX_UPSTREAM_RETRY_AFTER_MS } from './rateBudget.ts';

export const MAX_BACKOFF_MS = 5 * 60_000;
export const NOT_FOUND_ANSWERS = 3;
export const NOT_FOUND_SPAN_MS = 30_000;
export const UNAUTHORIZED_ANSWERS = 2;
export const AUTH_RECHECK_MS = 5_000;

export interface FailureCounters {
  consecutiveFailures: number;
  notFoundCount: number;
  notFoundSince: number | null;
  unauthorizedCount: number;
}

export const NO_FAILURES: FailureCounters = {
  consecutiveFailures: 0,
  notFoundCount: 0,
  notFoundSince: null,
  unauthorizedCount: 0,
};

export interface FailureInput {
  failure: PollFailure;
  now: number;
  floorMs: number;
  ceilingMs: number;
  counters: FailureCounters;
  random: Random;
}

export type FailurePlan =
  | { kind: 'retry'; delayMs: number; counters: FailureCounters }
  | { kind: 'end'; error: JobError; counters: FailureCounters };

export function planAfterFailure(input: FailureInput): FailurePlan {
  const { failure, now, counters } = input;
  const floor = Math.max(1, input.floorMs);
  const ceiling = Math.max(floor, input.ceilingMs);
  switch (failure.kind) {
    case 'transient':
    case 'malformed':
    case 'rate_limited': {
      const next = { ...counters, consecutiveFailures: counters.consecutiveFailures + 1 };
      const backoff = backoffDelay(next.consecutiveFailures, floor, ceiling, input.random);
      if (failure.kind === 'rate_limited' && failure.retryAfterMs != null && failure.retryAfterMs > 0) {
        const retryAfter = Math.min(failure.retryAfterMs, MAX_UPSTREAM_RETRY_AFTER_MS);
        const spread = retryAfter * 0.1 * input.random();
        return { kind: 'retry', delayMs: Math.round(Math.max(floor, retryAfter + spread)), counters: next };
      }
      return { kind: 'retry', delayMs: backoff, counters: next };
    }
    case 'not_found': {
      const since = counters.notFoundSince ?? now;
      const next = { ...counters, consecutiveFailures: counters.consecutiveFailures + 1, notFoundCount: counters.notFoundCount + 1, notFoundSince: since, unauthorizedCount: 0 };
      if (next.notFoundCount >= NOT_FOUND_ANSWERS && now - since >= NOT_FOUND_SPAN_MS) {
        return { kind: 'end', error: { code: 'upstream_not_found', message: describe(failure, 'the upstream does not know this job') }, counters: next };
      }
      const untilSpan = since + NOT_FOUND_SPAN_MS - now;
      const answersLeft = Math.max(1, NOT_FOUND_ANSWERS - next.notFoundCount);
      return { kind: 'retry', delayMs: Math.round(Math.max(floor, untilSpan / answersLeft)), counters: next };
    }
    case 'unauthorized':
    case 'payment_required': {
      const next = { ...counters, consecutiveFailures: counters.consecutiveFailures + 1, unauthorizedCount: counters.unauthorizedCount + 1, notFoundCount: 0, notFoundSince: null };
      if (next.unauthorizedCount >= UNAUTHORIZED_ANSWERS) {
        return { kind: 'end', error: { code: 'upstream_unauthorized', message: describe(failure, 'the upstream rejected the credentials') }, counters: next };
      }
      return { kind: 'retry', delayMs: Math.max(floor, AUTH_RECHECK_MS), counters: next };
    }
  }
}

/** Full jitter: uniform in [floor, min(cap, floor * 2^n)]. */
export function backoffDelay(attempt: number, floor: number, ceiling: number, random: Random): number {
  const cap = Math.max(floor, Math.min(ceiling, MAX_BACKOFF_MS));
  const upper = Math.min(cap, floor * 2 ** Math.min(30, Math.max(0, attempt)));
  return Math.round(floor + random() * (upper - floor));
}

/** The failure's message, naming the HTTP status once (the providers' messages already name it). */
function describe(failure: PollFailure, fallback: string): string {
  const message = failure.message || fallback;
  const named = failure.status == null || message.includes(`HTTP ${failure.status}`);
  return named ? message : `${message} (HTTP ${failure.status})`;
}
