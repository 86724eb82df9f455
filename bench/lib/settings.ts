/** Settings the measurement tasks share. */

/**
 * One credential polls every job in the throughput and latency runs, so the scheduler's
 * per-credential politeness budget (AIMD, <= 100 req/s) is lifted there: those runs measure the
 * engine, not the rate policy.
 */
export const UNLIMITED_BUDGET = { initialRate: 1e6, maxRate: 1e6, burstSeconds: 1 };

export const RETRY_SCHEDULE = '5s,5m,30m,2h,5h,10h,10h';
