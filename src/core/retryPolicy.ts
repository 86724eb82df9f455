/**
 * The delivery retry policy (pure). The schedule lists the delays between attempts; a delivery
 * gets one first attempt plus one retry per entry, then it is dead. A replay restarts the
 * schedule (`retry_base`), so only the attempts since the last replay count.
 */
import type { Random } from './random.ts';

/** Jitter spreads retries of a burst of failures so they do not all land on the same instant. */
export const RETRY_JITTER = 0.2;

/**
 * The delay before the next attempt, or null when the schedule is exhausted (the delivery dies).
 * `attemptsSinceReplay` counts the attempt that just failed (1 after the first attempt).
 */
export function scheduledRetryDelay(schedule: readonly number[], attemptsSinceReplay: number, random: Random): number | null {
  const base = schedule[attemptsSinceReplay - 1];
  if (base === undefined || attemptsSinceReplay < 1) return null;
  return Math.max(0, Math.round(base * (1 + RETRY_JITTER * (2 * random() - 1))));
}

/**
 * Honours a receiver's Retry-After the way Svix does: never sooner than the schedule says (a
 * receiver cannot make us hammer it) and never later than twice that (nor stall the queue).
 */
export function clampRetryAfter(retryAfterMs: number | null, scheduledMs: number): number {
  if (retryAfterMs == null || !Number.isFinite(retryAfterMs)) return scheduledMs;
  return Math.min(Math.max(retryAfterMs, scheduledMs), 2 * scheduledMs);
}
