/**
 * Upstream job profiles for the virtual-time efficiency measurement: how long jobs take at each
 * provider and which statuses they pass through. Times are ms since registration (pollhook
 * polls a job right when it is registered, as the API does).
 */
import type { Random } from '../../src/core/random.ts';
import type { BuiltinProvider } from '../../src/core/types.ts';

export interface Change {
  at: number;
  status: string;
}

export interface SimJob {
  /** Status at registration, then each change; the last one is terminal. */
  initial: string;
  changes: Change[];
  /** The upstream's ETA as it reports it at time t, or null (same clock as `registeredAt`). */
  etaAt(t: number): number | null;
  /** Wall-clock time of registration (changes' `at` and `t` count from it). Default 0. */
  registeredAt?: number;
}

export interface Profile {
  provider: BuiltinProvider;
  label: string;
  sample(random: Random): SimJob;
}

const uniform = (random: Random, lo: number, hi: number) => lo + random() * (hi - lo);
const noEta = () => null;

const single = (initial: string, terminal: string, duration: (r: Random) => number) => (random: Random): SimJob => ({
  initial,
  changes: [{ at: Math.round(duration(random)), status: terminal }],
  etaAt: noEta,
});

export const PROFILES: Profile[] = [
  { provider: 'fotolabs', label: 'fotolabs: uniform 60-120 s', sample: single('processing', 'completed', (r) => uniform(r, 60_000, 120_000)) },
  {
    provider: 'pictory',
    label: 'pictory: 30-180 s, 15% long tail (+exp mean 2 min)',
    sample: single('in-progress', 'completed', (r) =>
      r() < 0.85 ? uniform(r, 30_000, 180_000) : Math.min(900_000, 180_000 - 120_000 * Math.log(1 - r())),
    ),
  },
  {
    provider: 'topaz',
    label: 'topaz: 10-120 s, ETA hint (unix seconds, as the simulator reports it)',
    sample: (random) => {
      const end = Math.round(uniform(random, 10_000, 120_000));
      // Topaz reports `eta` in whole unix seconds (the product reads seconds * 1000); registration
      // falls anywhere within a second.
      const registeredAt = Math.floor(random() * 1000);
      const eta = Math.floor((registeredAt + end) / 1000) * 1000;
      return { initial: 'Processing', changes: [{ at: end, status: 'Completed' }], etaAt: (t) => (t < end ? eta : null), registeredAt };
    },
  },
  { provider: 'magichour', label: 'magichour: uniform 20-90 s', sample: single('rendering', 'complete', (r) => uniform(r, 20_000, 90_000)) },
  {
    provider: 'aigenstudio',
    label: 'aigenstudio: multi-item, queued 2-15 s, then processing 20-90 s (3 statuses)',
    sample: (random) => {
      const started = Math.round(uniform(random, 2_000, 15_000));
      const end = started + Math.round(uniform(random, 20_000, 90_000));
      const final = random() < 0.1 ? 'partially_completed' : 'completed';
      return { initial: 'queued', changes: [{ at: started, status: 'processing' }, { at: end, status: final }], etaAt: noEta };
    },
  },
];

/** The status a job shows at time t. */
export function statusAt(job: SimJob, t: number): string {
  let status = job.initial;
  for (const c of job.changes) if (c.at <= t) status = c.status;
  return status;
}

export const endOf = (job: SimJob): number => job.changes[job.changes.length - 1]!.at;
