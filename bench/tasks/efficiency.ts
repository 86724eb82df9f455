/** Measurement 5 as a task: the virtual-time efficiency runs (pure CPU, no I/O). */
import { taskMain } from '../lib/child.ts';
import { measureProfile, type ProfileResult } from '../virtual/efficiency.ts';
import { PROFILES } from '../virtual/profiles.ts';
import { simulateTopazBatch, type BatchResult } from '../virtual/topazBatch.ts';

export interface EfficiencyInput {
  warmupJobs: number;
  jobs: number;
  batchHorizonMs: number;
}

export interface EfficiencyResult {
  profiles: ProfileResult[];
  batch: BatchResult[];
}

await taskMain<EfficiencyInput, EfficiencyResult>(async (input) => ({
  profiles: PROFILES.map((p, i) => measureProfile(p, { warmupJobs: input.warmupJobs, jobs: input.jobs, seed: 1000 + i })),
  batch: (['oldest-first', 'newest-first'] as const).map((order) =>
    simulateTopazBatch({ concurrent: 1000, horizonMs: input.batchHorizonMs, order, seed: 42 }),
  ),
}));
