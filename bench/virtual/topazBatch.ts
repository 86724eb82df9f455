/**
 * Topaz batch polling in virtual time: ~`concurrent` jobs running at once on one API key (one
 * tenant), each planned by the real policy (ETA hints). Two runs over the same arrivals:
 * - per job: every job polled on its own, as without batching;
 * - batched, as the scheduler does it (src/scheduler/batchWalk.ts): due jobs of the key are
 *   handed back until the key's next walk; a walk (when >= 2 are due, or the last walk saw >= 2
 *   running) reads the status list from the remembered start page, page by page, stopping at its
 *   end or once every due job was seen and a page held no running job; it updates every
 *   registered job still running that it saw; the key's next walk is one floor per page later,
 *   within [floor, ceiling]; the start page becomes the first page that held a job still
 *   running. Due jobs a walk did not see are polled one by one.
 * The list is modelled as the simulator serves it: every status up to 7 days old (finished ones
 * included), oldest first, pages of 100 behind offset cursors; newest-first is shown for
 * comparison. Walks take no virtual time (followers of a walk in flight get its answers, which is
 * the same thing).
 */
import { seededRandom, type Random } from '../../src/core/random.ts';
import { planNextPoll } from '../../src/core/schedulePolicy.ts';
import { PROVIDERS } from '../../src/providers/registry.ts';
import { MAX_WALK_PAGES } from '../../src/scheduler/batchWalk.ts';
import { mean } from '../lib/stats.ts';
import { endOf, PROFILES, statusAt, type SimJob } from './profiles.ts';

export interface BatchResult {
  concurrent: number;
  /** A fixed walk interval, or null for the scheduler's rule (a floor per page read, within [floor, ceiling]). */
  walkIntervalMs: number | null;
  maxWalkPages: number;
  order: 'oldest-first' | 'newest-first';
  perJobRequests: number;
  batchedRequests: number;
  /** batched / per-job. */
  ratio: number;
  perJobMeanDelayMs: number;
  batchedMeanDelayMs: number;
  walks: number;
  meanPagesPerWalk: number;
}

interface Arrival {
  at: number;
  job: SimJob;
}

interface Live {
  index: number;
  createdAt: number;
  job: SimJob;
  interval: number | null;
  last: string | null;
  due: number;
}

const PAGE = 100;
const WARMUP_MS = 2 * 120_000; // until the running set is at its steady size
const topaz = PROVIDERS.topaz;
const FLOOR = topaz.defaults.pollIntervalMs;
const CEILING = topaz.defaults.maxPollIntervalMs;

function arrivals(concurrent: number, horizonMs: number, random: Random): Arrival[] {
  const profile = PROFILES.find((p) => p.provider === 'topaz')!;
  const gap = 65_000 / concurrent; // mean duration / concurrency
  const out: Arrival[] = [];
  for (let t = 0; t < horizonMs; t -= gap * Math.log(1 - random())) out.push({ at: Math.round(t), job: profile.sample(random) });
  return out;
}

/** Shared by both runs: observing a live job at t, then planning its next poll. */
class Tracker {
  readonly live = new Map<number, Live>();
  requests = 0;
  readonly delays: number[] = [];
  constructor(private readonly random: Random) {}

  register(index: number, a: Arrival): void {
    this.live.set(index, { index, createdAt: a.at, job: a.job, interval: null, last: null, due: a.at });
  }

  /** Returns whether the job is still running afterwards. */
  observe(l: Live, t: number): boolean {
    const age = t - l.createdAt;
    const status = statusAt(l.job, age);
    const changed = status !== l.last;
    if (changed && l.last != null && t >= WARMUP_MS) {
      for (const c of l.job.changes) if (c.at <= age && c.status === status) this.delays.push(age - c.at);
    }
    l.last = status;
    if (age >= endOf(l.job)) {
      this.live.delete(l.index);
      return false;
    }
    const end = l.createdAt + endOf(l.job);
    const p = planNextPoll({
      now: t,
      createdAt: l.createdAt,
      floorMs: FLOOR,
      ceilingMs: CEILING,
      currentIntervalMs: l.interval,
      changed,
      // Whole unix seconds of the real clock, as topaz reports it.
      etaAt: Math.floor(end / 1000) * 1000,
      typicalDuration: topaz.defaults.typicalDurationMs,
      learned: null,
      deadlineAt: null,
      random: this.random,
      state: 'running',
      ceilingFromJob: false,
    });
    l.interval = p.intervalMs;
    l.due = t + p.delayMs;
    return true;
  }

  earliestDue(): number {
    let due = Infinity;
    for (const l of this.live.values()) if (l.due < due) due = l.due;
    return due;
  }
}

function run(list: Arrival[], horizonMs: number, seed: number, step: (tr: Tracker, t: number, created: number) => void): Tracker {
  const tr = new Tracker(seededRandom(seed));
  let created = 0;
  for (let t = 0; t < horizonMs; ) {
    const due = tr.earliestDue();
    const next = list[created];
    if (next && next.at <= due) {
      t = next.at;
      tr.register(created++, next);
      continue;
    }
    if (due === Infinity) break;
    t = due;
    step(tr, t, created);
  }
  return tr;
}

export interface BatchOptions {
  concurrent: number;
  horizonMs: number;
  order: BatchResult['order'];
  seed: number;
  /** Walk the key every this many ms instead of by the scheduler's rule (for the frontier). */
  walkIntervalMs?: number;
  /** Default: the scheduler's MAX_WALK_PAGES. */
  maxWalkPages?: number;
}

export function simulateTopazBatch(opts: BatchOptions): BatchResult {
  const maxPages = opts.maxWalkPages ?? MAX_WALK_PAGES;
  const list = arrivals(opts.concurrent, opts.horizonMs, seededRandom(opts.seed));
  const counted = (t: number) => t >= WARMUP_MS;

  const perJob = run(list, opts.horizonMs, opts.seed + 1, (tr, t) => {
    for (const l of [...tr.live.values()]) {
      if (l.due > t) continue;
      if (counted(t)) tr.requests++;
      tr.observe(l, t);
    }
  });

  const key = { nextWalkAt: 0, startPage: 0, activeSeen: 0 };
  let walks = 0;
  let pagesRead = 0;
  const batched = run(list, opts.horizonMs, opts.seed + 1, (tr, t, created) => {
    const due = [...tr.live.values()].filter((l) => l.due <= t);
    if (t < key.nextWalkAt) {
      for (const l of due) l.due = key.nextWalkAt;
      return;
    }
    if (due.length < 2 && key.activeSeen < 2) {
      for (const l of due) {
        if (counted(t)) tr.requests++;
        tr.observe(l, t);
      }
      return;
    }
    // Positions in the list as the simulator serves it at this moment.
    const position = (index: number) => (opts.order === 'oldest-first' ? index : created - 1 - index);
    const byPage = new Map<number, Live[]>();
    for (const l of tr.live.values()) {
      const page = Math.floor(position(l.index) / PAGE);
      byPage.set(page, [...(byPage.get(page) ?? []), l]);
    }
    const lastPage = Math.max(0, Math.ceil(created / PAGE) - 1);
    const wanted = new Set(due.map((l) => l.index));
    let pages = 0;
    let firstActive: number | null = null;
    let page = key.startPage;
    let reachedEnd = false;
    let activeSeen = 0;
    for (; pages < maxPages; page++) {
      pages++;
      let running = 0;
      for (const l of byPage.get(page) ?? []) {
        wanted.delete(l.index);
        if (tr.observe(l, t)) running++;
      }
      activeSeen += running;
      if (running > 0 && firstActive == null) firstActive = page;
      if (page >= lastPage) {
        reachedEnd = true;
        break;
      }
      if (wanted.size === 0 && running === 0 && firstActive != null) break;
    }
    for (const index of wanted) {
      const l = tr.live.get(index);
      if (!l) continue;
      if (counted(t)) tr.requests++;
      tr.observe(l, t);
    }
    if (counted(t)) {
      tr.requests += pages;
      walks++;
      pagesRead += pages;
    }
    key.activeSeen = activeSeen;
    key.nextWalkAt = t + (opts.walkIntervalMs ?? Math.min(CEILING, Math.max(FLOOR, pages * FLOOR)));
    if (reachedEnd && wanted.size > 0) key.startPage = 0;
    else if (firstActive != null) key.startPage = firstActive;
    else if (reachedEnd) key.startPage = page;
  });

  return {
    concurrent: opts.concurrent,
    walkIntervalMs: opts.walkIntervalMs ?? null,
    maxWalkPages: maxPages,
    order: opts.order,
    perJobRequests: perJob.requests,
    batchedRequests: batched.requests,
    ratio: batched.requests / perJob.requests,
    perJobMeanDelayMs: mean(perJob.delays),
    batchedMeanDelayMs: mean(batched.delays),
    walks,
    meanPagesPerWalk: walks > 0 ? pagesRead / walks : 0,
  };
}
