/**
 * Scripted lifecycles of simulated upstream jobs. Pure: a script is data (phases, faults) that
 * the server plays back; `expected` says what a poller must see, so tests and soaks can check
 * what has to be delivered.
 */
import type { BuiltinProvider, JobState } from '../core/types.ts';

export const SCENARIOS = [
  'success',
  'failure',
  'cancel',
  'partial',
  'aba',
  'not_found',
  'unauthorized',
  'payment_required',
  'rate_limited',
  'flaky',
  'malformed',
  'eta',
  'progress',
  'slow',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const isScenario = (value: string): value is Scenario => (SCENARIOS as readonly string[]).includes(value);

/** One upstream status held for at least `steps` steps (and until it has been served once). */
export interface Phase {
  state: JobState;
  upstreamStatus: string;
  steps: number;
  /** 0-100 where the script drives progress (topaz progress, aigenstudio items done). */
  progress: number | null;
  /** fotolabs: an HDR bracket member (completed without URL); aigenstudio: some items failed. */
  partial?: boolean;
}

export interface Fault {
  kind: 'rate_limited' | 'server_error' | 'malformed';
  /** The first this-many status requests for the job get the fault. */
  polls: number;
}

export interface Script {
  /** Answered on every request instead of a status. */
  forever: 'not_found' | 'unauthorized' | 'payment_required' | null;
  fault: Fault | null;
  phases: Phase[];
  expected: Expected;
}

export interface Expected {
  /** The job's final normalized state in pollhook; null when pollhook decides (payment_required). */
  finalState: JobState | null;
  /** The distinct upstream statuses in order: each one must produce an event. */
  upstreamStatuses: string[];
  /** The pollhook error code a job ends with when the upstream never answers a status. */
  errorCode?: 'upstream_not_found' | 'upstream_unauthorized';
}

/** Each provider's words for the normalized states; null where it has none. */
interface Vocabulary {
  pending: string | null;
  running: string;
  succeeded: string;
  failed: string;
  canceled: string | null;
  partial: string | null;
  hasProgress: boolean;
}

export const VOCABULARY: Record<BuiltinProvider, Vocabulary> = {
  fotolabs: { pending: 'pending', running: 'processing', succeeded: 'completed', failed: 'failed', canceled: null, partial: 'completed', hasProgress: false },
  pictory: { pending: null, running: 'in-progress', succeeded: 'completed', failed: 'failed', canceled: null, partial: null, hasProgress: false },
  topaz: { pending: 'Pending', running: 'Processing', succeeded: 'Completed', failed: 'Failed', canceled: 'Cancelled', partial: null, hasProgress: true },
  magichour: { pending: 'queued', running: 'rendering', succeeded: 'complete', failed: 'error', canceled: 'canceled', partial: null, hasProgress: false },
  aigenstudio: { pending: 'queued', running: 'processing', succeeded: 'completed', failed: 'failed', canceled: 'cancelled', partial: 'partially_completed', hasProgress: true },
};

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

const FAULT_POLLS = 3;

export function buildScript(provider: BuiltinProvider, scenario: Scenario): Script {
  const v = VOCABULARY[provider];
  const phase = (state: JobState, upstreamStatus: string, steps = 1, progress: number | null = null): Phase => ({
    state,
    upstreamStatus,
    steps,
    progress,
  });
  const pending = (steps = 1): Phase[] => (v.pending ? [phase('pending', v.pending, steps, 0)] : []);
  const lifecycle = (end: Phase, runningSteps = 2, pendingSteps = 1): Phase[] => [
    ...pending(pendingSteps),
    phase('running', v.running, runningSteps, 50),
    end,
  ];
  const succeeded = phase('succeeded', v.succeeded, 1, 100);
  const plain = (phases: Phase[], fault: Fault | null = null): Script => ({
    forever: null,
    fault,
    phases,
    expected: { finalState: phases[phases.length - 1]!.state, upstreamStatuses: distinct(phases) },
  });
  const forever = (kind: NonNullable<Script['forever']>, expected: Expected): Script => ({
    forever: kind,
    fault: null,
    phases: [],
    expected,
  });
  const unsupported = (why: string): never => {
    throw new ScenarioError(`scenario ${scenario} is not available for ${provider}: ${why}`);
  };

  switch (scenario) {
    case 'success':
      return plain(lifecycle(succeeded));
    case 'failure':
      return plain(lifecycle(phase('failed', v.failed, 1, 50)));
    case 'cancel':
      if (!v.canceled) return unsupported('it has no canceled status');
      return plain(lifecycle(phase('canceled', v.canceled, 1, 50), 1));
    case 'partial':
      if (!v.partial) return unsupported('it has no partial result');
      return plain(lifecycle({ ...phase('succeeded', v.partial, 1, 100), partial: true }));
    case 'aba':
      if (!v.pending) return unsupported('it has a single non-terminal status');
      return plain([phase('running', v.running, 1, 25), phase('pending', v.pending, 1, 25), phase('running', v.running, 1, 50), succeeded]);
    case 'not_found':
      return forever('not_found', { finalState: 'failed', upstreamStatuses: [], errorCode: 'upstream_not_found' });
    case 'unauthorized':
      return forever('unauthorized', { finalState: 'failed', upstreamStatuses: [], errorCode: 'upstream_unauthorized' });
    case 'payment_required':
      if (provider !== 'magichour') return unsupported('only magichour answers 402');
      return forever('payment_required', { finalState: null, upstreamStatuses: [] });
    case 'rate_limited':
      return plain(lifecycle(succeeded), { kind: 'rate_limited', polls: FAULT_POLLS });
    case 'flaky':
      return plain(lifecycle(succeeded), { kind: 'server_error', polls: FAULT_POLLS });
    case 'malformed':
      return plain(lifecycle(succeeded), { kind: 'malformed', polls: FAULT_POLLS });
    case 'eta':
      if (provider !== 'topaz') return unsupported('only topaz reports an eta');
      return plain([...pending(), ...[0, 20, 40, 60, 80].map((p) => phase('running', v.running, 1, p)), succeeded]);
    case 'progress':
      if (!v.hasProgress) return unsupported('it reports no progress');
      return plain([...pending(), ...[0, 25, 50, 75].map((p) => phase('running', v.running, 1, p)), succeeded]);
    case 'slow':
      return plain(lifecycle(succeeded, 20, 5));
  }
}

/** Upstream statuses with consecutive repeats collapsed (progress phases share a status). */
function distinct(phases: Phase[]): string[] {
  const out: string[] = [];
  for (const p of phases) if (out[out.length - 1] !== p.upstreamStatus) out.push(p.upstreamStatus);
  return out;
}

/** Ids like `sim-<scenario>-<anything>` register themselves on first request. */
export function scenarioFromId(id: string): Scenario | null {
  const m = /^sim-([a-z_]+)-./.exec(id);
  return m && isScenario(m[1]!) ? m[1] : null;
}
