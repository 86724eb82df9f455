/**
 * Exponential backoff with a cap and jitter, for retrying work that failed for a reason outside
 * the process (a full disk, a locked database). Each consecutive failure doubles the delay up to
 * `maxMs`; the delay drawn is uniform in [delay/2, delay] ("equal jitter"), so processes and
 * engines that failed together do not retry in lockstep. A success starts over.
 */
import type { Random } from './random.ts';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const STORAGE_BACKOFF: BackoffOptions = { initialMs: 100, maxMs: 2_000 };

export class Backoff {
  private failures = 0;

  constructor(
    private readonly random: Random,
    private readonly options: BackoffOptions = STORAGE_BACKOFF,
  ) {}

  /** Consecutive failures since the last success. */
  get attempts(): number {
    return this.failures;
  }

  /** Records a failure and returns how long to wait before the next try. */
  next(): number {
    const { initialMs, maxMs } = this.options;
    const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(this.failures, 30));
    this.failures++;
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  reset(): void {
    this.failures = 0;
  }
}
