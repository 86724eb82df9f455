/**
 * pollhook's two engines as the benchmark's pollhook sides run them: the production modules on a
 * bench database, the real clock, no logging, and the caps set to the run's concurrency (the
 * bare baseline's). The per-credential budget is lifted: every bench job shares one credential.
 */
import type { BenchDb } from './seed.ts';
import { RETRY_SCHEDULE, UNLIMITED_BUDGET } from './settings.ts';
import type { HttpClient } from '../../src/net/httpClient.ts';
import { systemClock } from '../../src/core/clock.ts';
import { mathRandom } from '../../src/core/random.ts';
import { nullLogger } from '../../src/core/logger.ts';
import { parseDurations } from '../../src/config.ts';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { createScheduler, type SchedulerDeps } from '../../src/scheduler/index.ts';
import { createDispatcher, type DispatcherDeps } from '../../src/delivery/index.ts';

export function benchScheduler(
  b: BenchDb,
  spec: { http: HttpClient; upstreamUrl: string; concurrency: number } & Pick<SchedulerDeps, 'onPoll' | 'onDeliveriesQueued'>,
) {
  return createScheduler({
    db: b.db,
    clock: systemClock,
    random: mathRandom,
    http: spec.http,
    providers: createProviderRegistry({ fotolabs: spec.upstreamUrl }),
    secretBox: b.box,
    logger: nullLogger,
    workerId: 'bench',
    options: { maxInFlight: spec.concurrency, maxPerOrigin: spec.concurrency, rateBudget: UNLIMITED_BUDGET },
    onPoll: spec.onPoll,
    onDeliveriesQueued: spec.onDeliveriesQueued,
  });
}

export function benchDispatcher(
  b: BenchDb,
  spec: { http: HttpClient; concurrency: number; options?: Partial<DispatcherDeps['options']> } & Pick<DispatcherDeps, 'onOutcome'>,
) {
  return createDispatcher({
    db: b.db,
    clock: systemClock,
    random: mathRandom,
    http: spec.http,
    secretBox: b.box,
    logger: nullLogger,
    workerId: 'bench',
    options: {
      retryScheduleMs: parseDurations(RETRY_SCHEDULE),
      timeoutMs: 15_000,
      userAgent: 'pollhook/bench',
      maxPerOrigin: spec.concurrency,
      ...spec.options,
    },
    onOutcome: spec.onOutcome,
  });
}
