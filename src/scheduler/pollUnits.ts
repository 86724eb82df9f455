/**
 * Polls one unit of work: a single job, or several jobs of a batch-capable provider (topaz)
 * sharing one credential, which one list walk updates together. Ids the walk did not return are
 * polled one by one; a failed walk (429, 401, 5xx...) counts as that answer for every job it
 * did not reach.
 */
import type { PollOutcome } from '../core/types.ts';
import type { HttpClient } from '../net/httpClient.ts';
import type { JobRow } from '../store/rows.ts';
import { pollOnce, walkBatch } from '../providers/poll.ts';
import type { ResolvedTarget } from './pollTarget.ts';

export interface PollUnit {
  rows: Array<{ row: JobRow; resolved: ResolvedTarget }>;
}

export type OutcomeSink = (row: JobRow, resolved: ResolvedTarget, outcome: PollOutcome) => void;

/** A walk reads at most this many pages: a long history should not cost more than polling each job. */
const MAX_WALK_PAGES = 10;

export async function pollUnits(
  http: HttpClient,
  unit: PollUnit,
  opts: { timeoutMs: number; now: () => number },
  sink: OutcomeSink,
): Promise<void> {
  const first = unit.rows[0];
  if (!first) return;
  const pollOne = async ({ row, resolved }: PollUnit['rows'][number]): Promise<void> => {
    const outcome = await pollOnce(http, resolved.provider, resolved.target, resolved.baseUrl, {
      timeoutMs: opts.timeoutMs,
      now: opts.now(),
    });
    sink(row, resolved, outcome);
  };
  const credentials = first.resolved.target.credentials;
  if (unit.rows.length < 2 || !first.resolved.provider.batch || !credentials) {
    await Promise.all(unit.rows.map(pollOne));
    return;
  }
  const wanted = new Set(unit.rows.map((r) => r.row.external_id));
  const walk = await walkBatch(http, first.resolved.provider, credentials, first.resolved.baseUrl, wanted, {
    timeoutMs: opts.timeoutMs,
    now: opts.now(),
    maxPages: Math.min(MAX_WALK_PAGES, Math.ceil(unit.rows.length / 2) + 1),
  });
  const missing: PollUnit['rows'] = [];
  for (const entry of unit.rows) {
    const outcome = walk.outcomes.get(entry.row.external_id);
    if (outcome) sink(entry.row, entry.resolved, outcome);
    else if (walk.failure) sink(entry.row, entry.resolved, walk.failure);
    else missing.push(entry);
  }
  await Promise.all(missing.map(pollOne));
}
