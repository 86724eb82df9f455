/**
 * Simulated jobs and how they move through their script. A phase ends when its steps have
 * elapsed AND it has been served at least once: a slow poller still sees every status of the
 * script, so `expected.upstreamStatuses` is exactly what a correct poller must report.
 */
import type { BuiltinProvider } from '../core/types.ts';
import { buildScript, type Phase, type Scenario, type Script } from './scenarios.ts';

export interface SimJob {
  provider: BuiltinProvider;
  id: string;
  apiKey: string;
  scenario: Scenario;
  script: Script;
  stepMs: number;
  createdAt: number;
  phaseIndex: number;
  phaseStartedAt: number;
  /** When the current phase was first answered; null until then. */
  firstServedAt: number | null;
  /** Status requests that got the scripted fault so far. */
  faultsServed: number;
}

export function createSimJob(input: {
  provider: BuiltinProvider;
  id: string;
  apiKey: string;
  scenario: Scenario;
  stepMs: number;
  now: number;
}): SimJob {
  return {
    provider: input.provider,
    id: input.id,
    apiKey: input.apiKey,
    scenario: input.scenario,
    script: buildScript(input.provider, input.scenario),
    stepMs: input.stepMs,
    createdAt: input.now,
    phaseIndex: 0,
    phaseStartedAt: input.now,
    firstServedAt: null,
    faultsServed: 0,
  };
}

/** Moves the job along its script up to `now` and returns the phase to answer with. */
export function currentPhase(job: SimJob, now: number): Phase {
  const phases = job.script.phases;
  const phase = phases[job.phaseIndex]!;
  const endsAt = job.phaseStartedAt + phase.steps * job.stepMs;
  if (job.phaseIndex < phases.length - 1 && job.firstServedAt != null && now >= endsAt) {
    job.phaseIndex++;
    job.phaseStartedAt = Math.max(endsAt, job.firstServedAt);
    job.firstServedAt = null;
  }
  return phases[job.phaseIndex]!;
}

export function markServed(job: SimJob, now: number): void {
  if (job.firstServedAt == null) job.firstServedAt = now;
}

/** The script's estimate of when the final phase begins (topaz's `eta`). */
export function expectedEndAt(job: SimJob): number {
  const phases = job.script.phases;
  let at = job.phaseStartedAt;
  for (let i = job.phaseIndex; i < phases.length - 1; i++) at += phases[i]!.steps * job.stepMs;
  return at;
}
