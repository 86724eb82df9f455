/**
 * A request budget per upstream credential: a token bucket whose rate adapts by AIMD (additive
 * increase on every success, multiplicative decrease on a 429), and which a Retry-After blocks
 * until it has passed. Pure (time is passed in). Memory is bounded: at most `maxKeys`
 * credentials are tracked, least recently used first out (a forgotten one restarts at the
 * initial rate, which is safe).
 */

/**
 * The longest an upstream's Retry-After holds polls back. An upstream that answers
 * `Retry-After: 99999999` (or a date years ahead) would otherwise park every job of the
 * credential for years; a real quota window is an hour at most, and polls after it are 429s again
 * if it is not over.
 */
export const MAX_UPSTREAM_RETRY_AFTER_MS = 60 * 60_000;

export interface RateBudgetOptions {
  /** Requests per second a new credential starts at. */
  initialRate: number;
  minRate: number;
  maxRate: number;
  /** Added to the rate (req/s) on each success. */
  increase: number;
  /** The rate is multiplied by this on a 429. */
  decrease: number;
  /** Seconds of rate the bucket can hold (burst). */
  burstSeconds: number;
  maxKeys: number;
}

export const DEFAULT_RATE_BUDGET: RateBudgetOptions = {
  initialRate: 10,
  minRate: 0.1,
  maxRate: 100,
  increase: 0.1,
  decrease: 0.5,
  burstSeconds: 2,
  maxKeys: 10_000,
};

interface Bucket {
  rate: number;
  tokens: number;
  updatedAt: number;
  blockedUntil: number;
}

export type TakeResult = { ok: true } | { ok: false; waitMs: number };

export class RateBudgets {
  private readonly buckets = new Map<string, Bucket>();
  /** The key asked for last, which is the last in `buckets`' order. */
  private newest: string | undefined;
  private readonly options: RateBudgetOptions;

  constructor(options: Partial<RateBudgetOptions> = {}) {
    this.options = { ...DEFAULT_RATE_BUDGET, ...options };
  }

  /** Takes one request from the credential's budget, or says how long until one is available. */
  take(key: string, now: number): TakeResult {
    const b = this.bucket(key, now);
    if (now < b.blockedUntil) return { ok: false, waitMs: b.blockedUntil - now };
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, waitMs: Math.ceil(((1 - b.tokens) / b.rate) * 1000) };
  }

  onSuccess(key: string, now: number): void {
    const b = this.bucket(key, now);
    b.rate = Math.min(this.options.maxRate, b.rate + this.options.increase);
  }

  onRateLimited(key: string, now: number, retryAfterMs?: number | null): void {
    const b = this.bucket(key, now);
    b.rate = Math.max(this.options.minRate, b.rate * this.options.decrease);
    b.tokens = Math.min(b.tokens, 0);
    if (retryAfterMs != null && retryAfterMs > 0) b.blockedUntil = Math.max(b.blockedUntil, now + Math.min(retryAfterMs, MAX_UPSTREAM_RETRY_AFTER_MS));
  }

  rateOf(key: string): number | null {
    return this.buckets.get(key)?.rate ?? null;
  }

  get size(): number {
    return this.buckets.size;
  }

  private bucket(key: string, now: number): Bucket {
    let b = this.buckets.get(key);
    if (b) {
      // Re-insert: Map order is the LRU order. The key asked for last is already last; moving it
      // again (a delete and a set on every poll of a busy credential) would change nothing.
      if (key !== this.newest) {
        this.buckets.delete(key);
        this.buckets.set(key, b);
      }
    } else {
      const rate = this.options.initialRate;
      b = { rate, tokens: rate * this.options.burstSeconds, updatedAt: now, blockedUntil: 0 };
      if (this.buckets.size >= this.options.maxKeys) {
        const oldest = this.buckets.keys().next().value;
        if (oldest !== undefined) this.buckets.delete(oldest);
      }
      this.buckets.set(key, b);
    }
    this.newest = key;
    const capacity = Math.max(1, b.rate * this.options.burstSeconds);
    b.tokens = Math.min(capacity, b.tokens + (Math.max(0, now - b.updatedAt) / 1000) * b.rate);
    b.updatedAt = now;
    return b;
  }
}
