import type { z } from '@hono/zod-openapi';
import type { JobPollRow } from '../store/queries/jobPolls.ts';
import type { JobPollSchema } from './schemas/jobPolls.ts';
import { encodeCursor } from './pagination.ts';
import { iso } from './present.ts';
import { invalid } from './problem.ts';

export type JobPollView = z.infer<typeof JobPollSchema>;

export function presentPoll(row: JobPollRow): JobPollView {
  return {
    polledAt: iso(row.polled_at)!,
    outcome: row.outcome,
    upstreamStatus: row.upstream_status,
    httpStatus: row.http_status,
    latencyMs: row.latency_ms,
    nextPollAt: iso(row.next_poll_at),
    reason: row.reason,
    error: row.error,
    polls: row.polls,
    lastPolledAt: iso(row.last_polled_at ?? row.polled_at)!,
  };
}

/** A page of polls from limit + 1 rows; the cursor is the last row's number, opaque like the others. */
export function presentPollPage(rows: JobPollRow[], limit: number): { data: JobPollView[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  const last = kept[kept.length - 1];
  // The open run (no id) comes before every row: after it, the next page starts from the newest row.
  return { data: kept.map(presentPoll), nextCursor: more && last ? encodeCursor(`poll_${last.id ?? Number.MAX_SAFE_INTEGER}`) : null };
}

/** The poll number inside a cursor this list issued; a 422 at `cursor` for anything else. */
export function decodePollCursor(cursor: string | undefined): number | null {
  if (cursor === undefined) return null;
  let text = '';
  try {
    if (/^[A-Za-z0-9_-]+$/.test(cursor)) text = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
  } catch {
    text = '';
  }
  const match = /^poll_([1-9][0-9]{0,15})$/.exec(text);
  if (!match) throw invalid([{ path: 'cursor', message: 'is not a cursor returned by this list' }]);
  return Number(match[1]);
}
