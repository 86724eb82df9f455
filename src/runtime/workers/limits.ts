/**
 * The engines' caps on Workers. A Durable Object may hold 6 outgoing connections open at a time
 * (more wait in workerd's queue), shared by every host it calls, so the fetch client lets 6
 * requests out at once and the dispatcher treats those 6 as the one resource slow receivers must
 * not take over: failing or slow endpoints hold at most half of them (3), one host's or several.
 */
import { limitedShare, type DispatcherOptions } from '../../delivery/index.ts';
import { WORKERS_CONNECTIONS } from './fetchClient.ts';

export const WORKERS_SCHEDULER_LIMITS = { maxInFlight: 24, maxPerOrigin: WORKERS_CONNECTIONS };

export const WORKERS_DISPATCHER_LIMITS = {
  maxInFlight: 24,
  maxPerOrigin: WORKERS_CONNECTIONS,
  // A receiver that answers in seconds keeps 3 webhooks out at once, not 1 (a quarter of 6).
  maxLimitedPerOrigin: limitedShare(WORKERS_CONNECTIONS),
  maxLimitedInFlight: limitedShare(WORKERS_CONNECTIONS),
} satisfies Partial<DispatcherOptions>;
