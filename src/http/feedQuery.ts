import { z } from '@hono/zod-openapi';
import { ALL_EVENT_TYPES } from '../core/types.ts';
import { MAX_FILTER_PAIRS } from '../core/eventFilter.ts';
import { isWellFormedId } from '../core/ids.ts';
import type { FeedFilter } from '../store/queries/eventFeed.ts';
import { invalid, type FieldError } from './problem.ts';

/**
 * The feed's and the stream's query: filters, position and page size. Read from the raw URL,
 * because `metadata[key]=value` pairs have keys of the caller's choosing and `type` may repeat.
 * The zod object below only documents the parameters in OpenAPI.
 */
export const METADATA_KEY = /^[A-Za-z0-9_-]{1,64}$/;
const CURSOR = /^(0|[1-9][0-9]{0,15})$/;

const param = (name: string, description: string, example?: string) =>
  z.string().optional().openapi({ param: { name, in: 'query' }, description, ...(example ? { example } : {}) });

/** The feed's list filters: comma-separated, repeated, or both (`type=a,b&type=c`). */
export const LIST_QUERY_PARAMETERS: ReadonlySet<string> = new Set(['type', 'provider']);

const listParam = (name: string, description: string, example: string) =>
  z
    .union([z.string(), z.array(z.string())])
    .optional()
    .openapi({ param: { name, in: 'query', style: 'form', explode: true }, description, example });

export const FeedFilterQuery = z.object({
  type: listParam('type', 'Event types, comma-separated or repeated.', 'job.succeeded,job.failed'),
  provider: listParam('provider', 'Providers, comma-separated or repeated.', 'fotolabs'),
  jobId: param('jobId', "Only this job's events."),
  since: param('since', 'Events created at or after this time (ISO 8601).'),
  until: param('until', 'Events created before this time (ISO 8601).'),
  'metadata[key]': param('metadata[key]', "`metadata[orderId]=42`: the job's metadata has this top-level key with this value (a string, or a number or boolean with the same text). Up to 10 pairs."),
});

export const FeedListQuery = FeedFilterQuery.extend({
  after: param('after', 'A cursor: the events after it, oldest first (a consumer catching up). Without it: newest first.'),
  cursor: param('cursor', 'The `nextCursor` of the previous newest-first page.'),
  limit: param('limit', 'Page size, 1-200 (default 50).', '50'),
});

export interface ParsedFeedQuery {
  filter: FeedFilter;
  after?: number;
  before?: number;
  limit: number;
}

/** Parses and validates; every problem is reported at once, each at its parameter. */
/** `resumeAfter` (an SSE Last-Event-ID) wins over `after`: a reconnecting EventSource repeats its first URL. */
export function parseFeedQuery(url: string, resumeAfter?: string | null): ParsedFeedQuery {
  const params = new URL(url).searchParams;
  const errors: FieldError[] = [];
  const list = (name: string) => params.getAll(name).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const filter: FeedFilter = {};

  const types = list('type');
  for (const t of types) if (!(ALL_EVENT_TYPES as readonly string[]).includes(t)) errors.push({ path: 'type', message: `unknown event type "${t}"; see GET /v1/event-types` });
  if (types.length) filter.types = [...new Set(types)];
  const providers = list('provider');
  if (providers.length) filter.providers = [...new Set(providers)].slice(0, 20);
  const jobId = params.get('jobId');
  if (jobId !== null) {
    if (!isWellFormedId(jobId, 'job')) errors.push({ path: 'jobId', message: 'is not a job id' });
    else filter.jobId = jobId;
  }
  for (const name of ['since', 'until'] as const) {
    const v = params.get(name);
    if (v === null) continue;
    const ms = Date.parse(v);
    if (!/^\d{4}-\d{2}-\d{2}T/.test(v) || Number.isNaN(ms)) errors.push({ path: name, message: 'must be an ISO 8601 date-time' });
    else filter[name] = ms;
  }
  const metadata: Record<string, string> = {};
  for (const [name, value] of params) {
    const m = /^metadata\[(.*)\]$/.exec(name);
    if (!m) continue;
    if (!METADATA_KEY.test(m[1]!)) errors.push({ path: name, message: 'a metadata key is 1-64 letters, digits, "_" or "-"' });
    else metadata[m[1]!] = value;
  }
  if (Object.keys(metadata).length > MAX_FILTER_PAIRS) errors.push({ path: 'metadata', message: `at most ${MAX_FILTER_PAIRS} pairs` });
  else if (Object.keys(metadata).length) filter.metadata = metadata;

  const result: ParsedFeedQuery = { filter, limit: 50 };
  // A bad Last-Event-ID is the header's fault, not `after`'s (which the client may not have sent).
  const fromHeader = resumeAfter != null;
  const after = fromHeader ? resumeAfter : params.get('after');
  if (after !== null) {
    if (CURSOR.test(after)) result.after = Number(after);
    else if (fromHeader) errors.push({ path: 'Last-Event-ID', in: 'header', message: 'must be the id of an event this stream sent: a whole number, as in `id: 42`' });
    else errors.push({ path: 'after', message: 'is not a cursor returned by the feed' });
  }
  const cursor = params.get('cursor');
  if (cursor !== null) {
    if (!CURSOR.test(cursor)) errors.push({ path: 'cursor', message: 'is not a cursor returned by the feed' });
    else if (after !== null) errors.push({ path: 'cursor', message: 'cannot be combined with after' });
    else result.before = Number(cursor);
  }
  const limit = params.get('limit');
  if (limit !== null) {
    const n = Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 200) errors.push({ path: 'limit', message: 'must be an integer from 1 to 200' });
    else result.limit = n;
  }
  if (errors.length) throw invalid(errors);
  return result;
}
