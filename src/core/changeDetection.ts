/**
 * Change detection: compares one observation with the job's stored snapshot. Pure.
 *
 * An event is due when the upstream status or the normalized state changed (type = the new
 * state), or, when someone wants `job.progress`, when only the progress changed. History never
 * suppresses a change: A->B->A is three events. An unknown upstream status (state null) keeps
 * the previous normalized state, `pending` before there is one.
 */
import type { EventType, JobError, JobResult, JobState, Observation } from './types.ts';

export interface JobSnapshot {
  state: JobState | null;
  upstreamStatus: string | null;
  progress: number | null;
  result: JobResult | null;
  error: JobError | null;
  etaAt: number | null;
}

export interface ChangeDecision {
  /** What to store. Progress, result, error and ETA are refreshed even without an event. */
  next: JobSnapshot & { state: JobState };
  /** null when nothing worth an event changed. */
  eventType: EventType | null;
  previousState: JobState | null;
  /** True when the status or state changed (progress-only events are not). */
  statusChanged: boolean;
}

export function detectChange(prev: JobSnapshot, obs: Observation, wantsProgress: () => boolean): ChangeDecision {
  const state: JobState = obs.state ?? prev.state ?? 'pending';
  const next = {
    state,
    upstreamStatus: obs.upstreamStatus,
    progress: obs.progress,
    result: obs.result,
    error: obs.error,
    etaAt: obs.etaAt,
  };
  const statusChanged = prev.upstreamStatus !== obs.upstreamStatus || prev.state !== state;
  if (statusChanged) return { next, eventType: `job.${state}`, previousState: prev.state, statusChanged };
  const progressChanged = obs.progress !== prev.progress;
  const eventType: EventType | null = progressChanged && wantsProgress() ? 'job.progress' : null;
  return { next, eventType, previousState: prev.state, statusChanged };
}
