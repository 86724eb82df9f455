/**
 * Polls one unit of work: a single job, or the jobs of a batch-capable provider (topaz) sharing
 * one credential, planned by KeyWalks (batchWalk.ts): a walk of the key's status list, or a wait
 * for the walk of that key already in flight. Jobs a walk did not see are polled one by one; a
 * failed walk (429, 401, 5xx...) counts as that answer for every job it was asked about.
 */
import type { PollOutcome } from '../core/types.ts';
import type { HttpClient } from '../net/httpClient.ts';
import type { JobRow } from '../store/rows.ts';
import { pollOnce } from '../providers/poll.ts';
import type { ResolvedTarget } from './pollTarget.ts';
import { followWalk, runKeyWalk, type BatchUnit, type WalkRow } from './batchWalk.ts';

export type PollUnit = BatchUnit;

export type OutcomeSink = (row: JobRow, resolved: ResolvedTarget, outcome: PollOutcome) => void;

export async function pollUnits(
  http: HttpClient,
  unit: PollUnit,
  opts: { timeoutMs: number; now: () => number },
  sink: OutcomeSink,
): Promise<void> {
  const pollOne = async ({ row, resolved }: WalkRow): Promise<void> => {
    const outcome = await pollOnce(http, resolved.provider, resolved.target, resolved.baseUrl, {
      timeoutMs: opts.timeoutMs,
      now: opts.now(),
    });
    sink(row, resolved, outcome);
  };
  let single: WalkRow[] = unit.rows;
  if (unit.walk) single = await runKeyWalk(http, { ...unit, walk: unit.walk }, opts, sink);
  else if (unit.follow) single = await followWalk({ ...unit, follow: unit.follow }, sink);
  await Promise.all(single.map(pollOne));
}
