import { describe, expect, it } from 'vitest';
import { detectChange, type JobSnapshot } from '../../src/core/changeDetection.ts';
import type { Observation } from '../../src/core/types.ts';

const snap = (over: Partial<JobSnapshot> = {}): JobSnapshot => ({
  state: null,
  upstreamStatus: null,
  progress: null,
  result: null,
  error: null,
  etaAt: null,
  ...over,
});
const obs = (over: Partial<Observation>): Observation => ({
  state: 'running',
  upstreamStatus: 'processing',
  progress: null,
  result: null,
  error: null,
  etaAt: null,
  raw: {},
  ...over,
});

describe('detectChange', () => {
  const cases: Array<[string, JobSnapshot, Partial<Observation>, boolean, string | null, string | null]> = [
    ['first observation is an event', snap(), { state: 'pending', upstreamStatus: 'pending' }, false, 'job.pending', null],
    ['same status: no event', snap({ state: 'running', upstreamStatus: 'processing' }), {}, false, null, 'running'],
    ['new status: event named by the new state', snap({ state: 'running', upstreamStatus: 'processing' }), { state: 'succeeded', upstreamStatus: 'completed' }, false, 'job.succeeded', 'running'],
    ['back to an earlier status is a change (A->B->A)', snap({ state: 'pending', upstreamStatus: 'pending' }), {}, false, 'job.running', 'pending'],
    ['same state, new upstream status', snap({ state: 'pending', upstreamStatus: 'draft' }), { state: 'pending', upstreamStatus: 'queued' }, false, 'job.pending', 'pending'],
    ['unknown status keeps the state and still emits', snap({ state: 'running', upstreamStatus: 'processing' }), { state: null, upstreamStatus: 'weird' }, false, 'job.running', 'running'],
    ['unknown status before any state is pending', snap(), { state: null, upstreamStatus: 'weird' }, false, 'job.pending', null],
    ['progress alone, nobody wants it', snap({ state: 'running', upstreamStatus: 'processing', progress: 10 }), { progress: 20 }, false, null, 'running'],
    ['progress alone, wanted', snap({ state: 'running', upstreamStatus: 'processing', progress: 10 }), { progress: 20 }, true, 'job.progress', 'running'],
    ['same progress, wanted: nothing', snap({ state: 'running', upstreamStatus: 'processing', progress: 20 }), { progress: 20 }, true, null, 'running'],
  ];
  it.each(cases)('%s', (_name, prev, o, wants, type, previousState) => {
    const d = detectChange(prev, obs(o), () => wants);
    expect(d.eventType).toBe(type);
    expect(d.previousState).toBe(previousState);
  });
  it('refreshes progress and eta even without an event', () => {
    const d = detectChange(snap({ state: 'running', upstreamStatus: 'processing', progress: 10 }), obs({ progress: 30, etaAt: 5 }), () => false);
    expect(d.next.progress).toBe(30);
    expect(d.next.etaAt).toBe(5);
  });
  it('asks about progress subscribers only when only the progress changed', () => {
    let asked = 0;
    detectChange(snap(), obs({ progress: 5 }), () => (asked++, true));
    detectChange(snap({ state: 'running', upstreamStatus: 'processing', progress: 5 }), obs({ progress: 5 }), () => (asked++, true));
    expect(asked).toBe(0);
  });
});
