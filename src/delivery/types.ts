/** The delivery engine's public shapes: options, dependencies, hooks. */
import type { Database } from '../store/port.ts';
import type { Clock } from '../core/clock.ts';
import type { Random } from '../core/random.ts';
import type { Logger } from '../core/logger.ts';
import type { StepResult } from '../core/step.ts';
import type { SecretBox } from '../security/secretBox.ts';
import type { HttpClient } from '../net/httpClient.ts';
import type { CircuitOptions } from '../core/circuitBreaker.ts';
import type { DeliveryFinalStatus, Verdict } from '../core/deliveryOutcome.ts';

export interface DispatcherOptions {
  /** Delays between attempts (POLLHOOK_RETRY_SCHEDULE). */
  retryScheduleMs: readonly number[];
  /** Per attempt (POLLHOOK_DELIVERY_TIMEOUT_MS). */
  timeoutMs: number;
  /** `pollhook/<version>`. */
  userAgent: string;
  /** Most deliveries claimed by one statement. Default 256. */
  batchSize?: number;
  /** How long a claim is ours; must outlast a send plus a wait for an origin slot. Default max(60 s, 3 x timeout). */
  leaseMs?: number;
  /** Sends at once, over all origins. Default 256. */
  maxInFlight?: number;
  /**
   * Claimed deliveries kept ready beyond the sends in flight, so a finished send is replaced at
   * once without a database round trip. Default max(maxInFlight, 64).
   */
  prefetch?: number;
  /** Sends to one origin (host) at once: politeness, not failure state. Default 32. */
  maxPerOrigin?: number;
  /**
   * Claimed deliveries that may wait for a slot at a busy origin before being handed back.
   * Default prefetch. One origin holds at most maxPerOrigin + this of the engine's room.
   */
  maxWaitingPerOrigin?: number;
  /**
   * Sends at once to one origin's failing or slow endpoints, together (the rest of the origin's
   * slots stay for healthy endpoints). Default a quarter of maxPerOrigin, at least 3, at most
   * half (limitedShare).
   */
  maxLimitedPerOrigin?: number;
  /**
   * Sends at once to failing or slow endpoints over all origins, together. Default maxInFlight
   * (no bound beyond the per-origin one). For a runtime whose few connections every origin
   * shares (Workers: 6 per shard), so slow receivers on several hosts cannot hold them all.
   */
  maxLimitedInFlight?: number;
  /** When a delivery handed back by a busy origin is due again. Default 1 s. */
  originBusyRetryMs?: number;
  circuit?: Partial<CircuitOptions>;
  /** Subscriptions whose deliveries only died for this long are disabled. Default 5 days. */
  failingDisableMs?: number;
  /** How long to keep a tenant's decrypted signing secrets. Default 10 s. */
  secretCacheMs?: number;
}

export interface AttemptInfo {
  deliveryId: string;
  tenantId: string;
  origin: string;
  durationMs: number;
  statusCode: number | null;
  verdict: Verdict['kind'];
}

export interface OutcomeInfo {
  deliveryId: string;
  tenantId: string;
  status: DeliveryFinalStatus;
  nextAttemptAt: number | null;
  /** When the event was committed: delivered minus this is the delivery lag. */
  eventCreatedAt: number;
}

export interface DispatcherDeps {
  db: Database;
  clock: Clock;
  random: Random;
  /** Outbound HTTP to targets; the Node one enforces the SSRF guard at connect time. */
  http: HttpClient;
  secretBox: SecretBox;
  logger: Logger;
  workerId: string;
  options: DispatcherOptions;
  /** Metrics hooks. */
  onAttempt?: (info: AttemptInfo) => void;
  onOutcome?: (info: OutcomeInfo) => void;
}

export interface Dispatcher {
  runOnce(): Promise<StepResult>;
  /** Stops claiming, lets in-flight sends finish within graceMs, then releases the rest. */
  stop(graceMs: number): Promise<void>;
  /** Resolves when everything claimed so far has been sent and committed (or released). */
  idle(): Promise<void>;
  /** Claimed deliveries not yet committed: sending or waiting for an origin slot. */
  readonly inFlight: number;
}

