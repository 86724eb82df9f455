/** Measurement 5 as a task: the virtual-time efficiency runs (pure CPU, no I/O). */
import { taskMain } from '../lib/child.ts';
import { measureProfile, type ProfileResult } from '../virtual/efficiency.ts';
import { PROFILES } from '../virtual/profiles.ts';
import { simulateTopazBatch, type BatchResult } from '../virtual/topazBatch.ts';

export interface EfficiencyInput {
  warmupJobs: number;
  jobs: number;
  batchHorizonMs: number;
  /** Jobs per key for the frontier of walk intervals (requests vs mean delay). */
  frontierKeys: number[];
}

export interface EfficiencyResult {
  profiles: ProfileResult[];
  batch: BatchResult[];
  frontier: BatchResult[];
}

/** Walk intervals of the frontier; null is the scheduler's own rule. */
const FRONTIER_WALKS_MS = [null, 2_000, 5_000, 10_000, 20_000, 30_000];
/** 10,000 jobs per key are slow to simulate: fewer points and a shorter run (still 4 minutes measured). */
const LARGE_WALKS_MS = [null, 5_000, 10_000, 30_000];
const LARGE_HORIZON_MS = 480_000;

await taskMain<EfficiencyInput, EfficiencyResult>(async (input) => ({
  profiles: PROFILES.map((p, i) => measureProfile(p, { warmupJobs: input.warmupJobs, jobs: input.jobs, seed: 1000 + i })),
  batch: (['oldest-first', 'newest-first'] as const).map((order) =>
    simulateTopazBatch({ concurrent: 1000, horizonMs: input.batchHorizonMs, order, seed: 42 }),
  ),
  frontier: input.frontierKeys.flatMap((concurrent) => {
    const large = concurrent > 1000;
    return (large ? LARGE_WALKS_MS : FRONTIER_WALKS_MS).map((walk) =>
      simulateTopazBatch({ concurrent, horizonMs: large ? Math.min(LARGE_HORIZON_MS, input.batchHorizonMs) : input.batchHorizonMs, order: 'oldest-first', seed: 42, walkIntervalMs: walk ?? undefined }),
    );
  }),
}));
