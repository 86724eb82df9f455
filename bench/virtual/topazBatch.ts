/**
 * Topaz batch polling in virtual time: ~`concurrent` jobs running at once on one API key, each
 * scheduled by the real policy (ETA hints). The scheduler as built merges the jobs of one key
 * that are due in the same claim into one list walk (src/scheduler/pollUnits.ts): pages of 100,
 * at most min(10, ceil(n/2)+1) pages, stopping once every wanted job was seen; jobs the walk did
 * not reach are polled one by one. The walk is modelled page by page over the key's status
 * list, in the order the simulator serves it (oldest first, finished jobs included: the list
 * holds every status up to 7 days old).
 */
import { seededRandom } from '../../src/core/random.ts';
import { planNextPoll } from '../../src/core/schedulePolicy.ts';
import { PROVIDERS } from '../../src/providers/registry.ts';
import { endOf, PROFILES, statusAt, type SimJob } from './profiles.ts';

export interface BatchResult {
  concurrent: number;
  order: 'oldest-first' | 'newest-first';
  perJobRequests: number;
  batchedRequests: number;
  /** batched / per-job. */
  ratio: number;
  meanGroup: number;
}

interface Live {
  job: SimJob;
  createdAt: number;
  index: number;
  interval: number | null;
  last: string | null;
  due: number;
}

const PAGE = 100;
const MAX_WALK_PAGES = 10;
const BATCH_SIZE = 100;

export function simulateTopazBatch(opts: { concurrent: number; horizonMs: number; order: BatchResult['order']; seed: number }): BatchResult {
  const random = seededRandom(opts.seed);
  const topaz = PROVIDERS.topaz;
  const profile = PROFILES.find((p) => p.provider === 'topaz')!;
  const meanDuration = 65_000;
  const arrivalGapMs = meanDuration / opts.concurrent;
  const warmupMs = 2 * 120_000; // until the running set is at its steady size
  let created = 0;
  let nextArrival = 0;
  const live = new Map<number, Live>();
  let perJob = 0;
  let batched = 0;
  let groups = 0;
  let grouped = 0;

  const plan = (l: Live, t: number, changed: boolean) => {
    const p = planNextPoll({
      now: t,
      createdAt: l.createdAt,
      floorMs: topaz.defaults.pollIntervalMs,
      ceilingMs: topaz.defaults.maxPollIntervalMs,
      currentIntervalMs: l.interval,
      changed,
      etaAt: etaOf(l, t),
      typicalDuration: topaz.defaults.typicalDurationMs,
      learned: null,
      deadlineAt: null,
      random,
    });
    l.interval = p.intervalMs;
    l.due = t + p.delayMs;
  };
  // Topaz's eta is whole unix seconds of the real clock, so jobs finishing in the same second
  // share a poll time (and may share a walk).
  const etaOf = (l: Live, t: number) => {
    const end = l.createdAt + endOf(l.job);
    return t < end ? Math.floor(end / 1000) * 1000 : null;
  };

  for (let t = 0; t < opts.horizonMs; ) {
    // Next thing to happen: an arrival (registered and due at once) or the earliest due poll.
    let due = Infinity;
    for (const l of live.values()) if (l.due < due) due = l.due;
    if (nextArrival <= due) {
      t = nextArrival;
      const index = created++;
      live.set(index, { job: profile.sample(random), createdAt: t, index, interval: null, last: null, due: t });
      nextArrival = t - arrivalGapMs * Math.log(1 - random());
      continue;
    }
    t = due;
    const claimed = [...live.values()].filter((l) => l.due <= t).sort((a, b) => a.due - b.due).slice(0, BATCH_SIZE);
    const counted = t >= warmupMs;
    if (counted) {
      perJob += claimed.length;
      batched += walkCost(claimed, created, opts.order);
      groups++;
      grouped += claimed.length;
    }
    for (const l of claimed) {
      const age = t - l.createdAt;
      const status = statusAt(l.job, age);
      const changed = status !== l.last;
      l.last = status;
      if (age >= endOf(l.job)) live.delete(l.index);
      else plan(l, t, changed);
    }
  }
  return { concurrent: opts.concurrent, order: opts.order, perJobRequests: perJob, batchedRequests: batched, ratio: batched / perJob, meanGroup: grouped / groups };
}

/** Requests for one claim's topaz jobs: one walk when there are >= 2, plus the ones it missed. */
function walkCost(claimed: Live[], listLength: number, order: BatchResult['order']): number {
  if (claimed.length < 2) return claimed.length;
  const maxPages = Math.min(MAX_WALK_PAGES, Math.ceil(claimed.length / 2) + 1);
  const positions = claimed.map((l) => (order === 'oldest-first' ? l.index : listLength - 1 - l.index));
  const deepest = Math.max(...positions);
  const pages = Math.min(maxPages, Math.floor(deepest / PAGE) + 1);
  const missed = positions.filter((p) => p >= pages * PAGE).length;
  return pages + missed;
}
