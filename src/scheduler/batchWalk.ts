/**
 * Batch polling for providers with a status list (topaz): one walk per API key updates every
 * active job of that key it sees, not only the ones that happened to be due, and the key is
 * walked at most once per walk interval. So a key with 1,000 running jobs costs one walk every
 * interval instead of a request per job and poll.
 *
 * Per key (in this worker's memory):
 * - the walk interval: one floor per page read, within [floor, ceiling] of the key's jobs, so a
 *   busy key costs about one request per floor and every job is still seen once per ceiling;
 * - where to start: the cursor of the first page that held a job still running. Lists that keep
 *   history oldest first (topaz keeps 7 days) would otherwise be read from their start on every
 *   walk. Cursors stay opaque: only ones the upstream gave are replayed. A walk that reaches the
 *   end without finding a job it was asked for starts from the beginning next time.
 * Jobs of a key that come due before its next walk are handed back to it; jobs claimed while a
 * walk of their key is in flight take their answer from that walk. Anything a walk did not see
 * is polled on its own, as before.
 */
import type { PollOutcome } from '../core/types.ts';
import type { FailureOutcome } from '../providers/common.ts';
import { isTerminal } from '../core/types.ts';
import type { Database } from '../store/port.ts';
import type { JobRow } from '../store/rows.ts';
import type { Release } from '../store/queries/releaseJobs.ts';
import { claimSeenJobs, findActiveJobsByExternalId } from '../store/queries/claimSeenJobs.ts';
import type { HttpClient } from '../net/httpClient.ts';
import { fetchListPage } from '../providers/poll.ts';
import type { ResolvedTarget } from './pollTarget.ts';
import { boundsFor } from './decideUpdate.ts';

/**
 * A walk reads at most this many pages; what it did not reach is polled on its own. 10,000 jobs
 * running on one key need about 230 pages of 100 from the oldest running one (120 s of jobs plus
 * the 30 s walk interval); polled one by one they would need ~300 requests/s, three times the
 * per-credential budget. With 50 pages such a key fell back to per-job polls for most jobs.
 */
export const MAX_WALK_PAGES = 300;
/** Key states unused this long are forgotten. */
const FORGET_AFTER_MS = 10 * 60_000;

export type WalkRow = { row: JobRow; resolved: ResolvedTarget };

export interface WalkResult {
  outcomes: Map<string, PollOutcome>;
  failure: FailureOutcome | null;
}

export interface KeyState {
  nextWalkAt: number;
  startCursor: string | null;
  inFlight: Promise<WalkResult> | null;
  /** Jobs still running that the last walk saw. */
  activeSeen: number;
  lastUsed: number;
}

/** What a claim gives a walk: where to lease the other jobs it sees and how to check their key. */
export interface WalkContext {
  db: Database;
  leaseToken: string;
  leaseMs: number;
  now: number;
  resolve(row: JobRow): ResolvedTarget | null;
}

export interface PlannedWalk {
  key: string;
  state: KeyState;
  ctx: WalkContext;
}

export interface BatchUnit {
  rows: WalkRow[];
  /** Walk the key's list (this unit's rows and every other active job of the key it sees). */
  walk?: PlannedWalk;
  /** Take the answers of the key's walk in flight. */
  follow?: Promise<WalkResult>;
}

export class KeyWalks {
  private readonly keys = new Map<string, KeyState>();

  /**
   * Groups claimed jobs of batch-capable providers by key: a walk, a follower of the walk in
   * flight, a hand-back until the key's next walk (pushed to `releases`), or single polls.
   */
  plan(units: BatchUnit[], ctx: WalkContext, releases: Release[]): BatchUnit[] {
    this.forget(ctx.now);
    const out: BatchUnit[] = [];
    const groups = new Map<string, WalkRow[]>();
    for (const unit of units) {
      const first = unit.rows[0]!;
      if (!first.resolved.provider.batch || !first.resolved.target.credentials) {
        out.push(unit);
        continue;
      }
      const group = groups.get(first.resolved.budgetKey);
      if (group) group.push(...unit.rows);
      else groups.set(first.resolved.budgetKey, [...unit.rows]);
    }
    for (const [key, rows] of groups) {
      const state = this.keys.get(key);
      if (state) state.lastUsed = ctx.now;
      if (state?.inFlight) out.push({ rows, follow: state.inFlight });
      else if (state && ctx.now < state.nextWalkAt) {
        for (const { row } of rows) {
          releases.push({ jobId: row.id, leaseToken: ctx.leaseToken, nextPollAt: Math.min(state.nextWalkAt, row.deadline_at) });
        }
      } else if (rows.length >= 2 || (state != null && state.activeSeen >= 2)) {
        out.push({ rows, walk: { key, state: state ?? this.create(key, ctx.now), ctx } });
      } else {
        for (const r of rows) out.push({ rows: [r] });
      }
    }
    return out;
  }

  stateOf(key: string): KeyState | undefined {
    return this.keys.get(key);
  }

  private create(key: string, now: number): KeyState {
    const state: KeyState = { nextWalkAt: now, startCursor: null, inFlight: null, activeSeen: 0, lastUsed: now };
    this.keys.set(key, state);
    return state;
  }

  private forget(now: number): void {
    for (const [key, s] of this.keys) if (!s.inFlight && now - s.lastUsed > FORGET_AFTER_MS) this.keys.delete(key);
  }
}

export type WalkSink = (row: JobRow, resolved: ResolvedTarget, outcome: PollOutcome) => void;

/**
 * Runs a planned walk. Outcomes of the unit's rows and of the other jobs it leased go to `sink`;
 * returns the unit's rows the walk did not see (to poll on their own).
 */
export async function runKeyWalk(
  http: HttpClient,
  unit: BatchUnit & { walk: PlannedWalk },
  opts: { timeoutMs: number; now: () => number },
  sink: WalkSink,
): Promise<WalkRow[]> {
  const { state } = unit.walk;
  let finish!: (r: WalkResult) => void;
  state.inFlight = new Promise<WalkResult>((resolve) => (finish = resolve));
  let result: WalkResult = { outcomes: new Map(), failure: null };
  try {
    const walked = await walkPages(http, unit, opts);
    result = { outcomes: walked.outcomes, failure: walked.failure };
    updateState(unit, walked, opts.now());
    const missing: WalkRow[] = [];
    for (const entry of unit.rows) {
      const outcome = walked.outcomes.get(entry.row.external_id) ?? walked.failure;
      if (outcome) sink(entry.row, entry.resolved, outcome);
      else missing.push(entry);
    }
    for (const other of leaseOthers(unit, walked.tracked, walked.outcomes)) {
      sink(other.row, other.resolved, walked.outcomes.get(other.row.external_id)!);
    }
    return missing;
  } finally {
    state.inFlight = null;
    finish(result);
  }
}

/** Rows of a follower: answered from the walk in flight, or returned to be polled on their own. */
export async function followWalk(unit: BatchUnit & { follow: Promise<WalkResult> }, sink: WalkSink): Promise<WalkRow[]> {
  const result = await unit.follow;
  const missing: WalkRow[] = [];
  for (const entry of unit.rows) {
    const outcome = result.outcomes.get(entry.row.external_id) ?? result.failure;
    if (outcome) sink(entry.row, entry.resolved, outcome);
    else missing.push(entry);
  }
  return missing;
}

interface Walked {
  outcomes: Map<string, PollOutcome>;
  failure: FailureOutcome | null;
  pages: number;
  startedAt: number;
  /** Active jobs of the key's tenants the walk saw, other than the unit's rows. */
  tracked: JobRow[];
  /** Cursor of the first page holding a job still running (undefined: none seen). */
  firstActiveCursor: string | null | undefined;
  lastCursor: string | null;
  activeSeen: number;
  reachedEnd: boolean;
}

async function walkPages(http: HttpClient, unit: BatchUnit & { walk: PlannedWalk }, opts: { timeoutMs: number; now: () => number }): Promise<Walked> {
  const { state, ctx } = unit.walk;
  const first = unit.rows[0]!.resolved;
  const credentials = first.target.credentials!;
  const claimed = new Map(unit.rows.map((r) => [r.row.external_id, r.row]));
  const tenants = [...new Set(unit.rows.map((r) => r.row.tenant_id))];
  const w: Walked = {
    outcomes: new Map(), failure: null, pages: 0, startedAt: opts.now(), tracked: [],
    firstActiveCursor: undefined, lastCursor: state.startCursor, activeSeen: 0, reachedEnd: false,
  };
  let cursor = state.startCursor;
  while (w.pages < MAX_WALK_PAGES) {
    const page = await fetchListPage(http, first.provider, credentials, first.baseUrl, cursor, { timeoutMs: opts.timeoutMs, now: opts.now() });
    w.pages++;
    if (page.kind === 'failure') {
      w.failure = page.outcome;
      return w;
    }
    w.lastCursor = cursor;
    const ids = page.items.map((i) => i.externalId);
    for (const item of page.items) w.outcomes.set(item.externalId, item.outcome);
    const others = tenants.flatMap((t) => findActiveJobsByExternalId(ctx.db, t, first.provider.name, ids)).filter((r) => !claimed.has(r.external_id));
    w.tracked.push(...others);
    const running = ids.filter((id) => (claimed.has(id) || others.some((o) => o.external_id === id)) && stillRunning(w.outcomes.get(id)!)).length;
    w.activeSeen += running;
    if (running > 0 && w.firstActiveCursor === undefined) w.firstActiveCursor = cursor;
    const allClaimedSeen = [...claimed.keys()].every((id) => w.outcomes.has(id));
    if (!page.nextCursor || page.nextCursor === cursor) {
      w.reachedEnd = true;
      break;
    }
    // Past the running jobs (newest-first lists: only history follows) there is nothing to update.
    if (allClaimedSeen && running === 0 && w.firstActiveCursor !== undefined) break;
    cursor = page.nextCursor;
  }
  return w;
}

function updateState(unit: BatchUnit & { walk: PlannedWalk }, w: Walked, now: number): void {
  const { state } = unit.walk;
  let floor = Infinity;
  let ceiling = Infinity;
  for (const { row, resolved } of unit.rows) {
    const b = boundsFor(row, resolved.provider);
    floor = Math.min(floor, b.floor);
    ceiling = Math.min(ceiling, b.ceiling);
  }
  state.lastUsed = now;
  state.activeSeen = w.activeSeen;
  state.nextWalkAt = w.startedAt + Math.min(ceiling, Math.max(floor, w.pages * floor));
  if (w.failure) {
    // A refused cursor (or any other failure) must not stick: start over next time. A 429 is the
    // rate budget's business and keeps the place.
    if (w.failure.failure.kind !== 'rate_limited') state.startCursor = null;
    return;
  }
  const missedClaimed = w.reachedEnd && unit.rows.some((r) => !w.outcomes.has(r.row.external_id));
  if (missedClaimed) state.startCursor = null;
  else if (w.firstActiveCursor !== undefined) state.startCursor = w.firstActiveCursor;
  else if (w.reachedEnd) state.startCursor = w.lastCursor;
}

/** The other jobs the walk saw, on the same key, leased for recording (ones leased elsewhere are left alone). */
function leaseOthers(unit: BatchUnit & { walk: PlannedWalk }, tracked: JobRow[], outcomes: Map<string, PollOutcome>): WalkRow[] {
  const { key, ctx } = unit.walk;
  const sameKey = new Map<string, ResolvedTarget>();
  for (const row of tracked) {
    if (!outcomes.has(row.external_id)) continue;
    const resolved = ctx.resolve(row);
    if (resolved?.budgetKey === key) sameKey.set(row.id, resolved);
  }
  const leased = claimSeenJobs(ctx.db, { jobIds: [...sameKey.keys()], leaseToken: ctx.leaseToken, now: ctx.now, leaseMs: ctx.leaseMs });
  return leased.map((row) => ({ row, resolved: sameKey.get(row.id)! }));
}

const stillRunning = (outcome: PollOutcome): boolean =>
  outcome.kind !== 'observed' || outcome.observation.state == null || !isTerminal(outcome.observation.state);
