/**
 * Machinery every provider shares: reading an HTTP answer into JSON or a classified failure,
 * mapping status strings to normalized states, and building observations. Providers only add
 * their schema and the few lines that read it.
 */
import type { z } from 'zod';
import { parseRetryAfter } from '../core/retryAfter.ts';
import type { JobError, JobResult, JobState, Observation, PollFailure, PollOutcome } from '../core/types.ts';
import type { UpstreamResponse } from './types.ts';

export type FailureOutcome = PollOutcome & { kind: 'failure' };

export const failure = (f: PollFailure): FailureOutcome => ({ kind: 'failure', failure: f });

/** The fixed headers every upstream request carries. */
export const JSON_ACCEPT = { accept: 'application/json' } as const;

/**
 * Non-2xx answers, the same for every upstream. Returns null for a 2xx. 410 is read as "the job
 * is gone"; other unexpected codes (400, 409, 3xx...) are transient: pollhook keeps backing off
 * until the job's deadline rather than ending a job on an answer it does not understand.
 */
export function classifyHttpStatus(res: UpstreamResponse, now: number): FailureOutcome | null {
  const { status } = res;
  if (status >= 200 && status < 300) return null;
  const detail = errorDetail(res.body);
  const msg = (what: string) => `${what} (HTTP ${status})${detail ? `: ${detail}` : ''}`;
  if (status === 404 || status === 410) return failure({ kind: 'not_found', status, message: msg('job not found') });
  if (status === 401 || status === 403) return failure({ kind: 'unauthorized', status, message: msg('credentials rejected') });
  if (status === 402) return failure({ kind: 'payment_required', status, message: msg('payment required') });
  if (status === 429) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], now);
    return failure({
      kind: 'rate_limited',
      status,
      message: msg('rate limited'),
      ...(retryAfterMs != null ? { retryAfterMs } : {}),
    });
  }
  if (status >= 500) {
    const retryAfterMs = parseRetryAfter(res.headers['retry-after'], now);
    return failure({
      kind: 'transient',
      status,
      message: msg('upstream error'),
      ...(retryAfterMs != null ? { retryAfterMs } : {}),
    });
  }
  if (status >= 300 && status < 400) {
    return failure({ kind: 'transient', status, message: msg('redirect not followed') });
  }
  return failure({ kind: 'transient', status, message: msg('unexpected answer') });
}

/** A short human-readable message out of the error bodies upstreams send. */
function errorDetail(body: string): string {
  try {
    const v = JSON.parse(body) as unknown;
    const pick = (o: unknown): string | null => {
      if (typeof o === 'string') return o;
      if (o && typeof o === 'object') {
        const r = o as Record<string, unknown>;
        if (typeof r.message === 'string') return r.message;
        if (r.error !== undefined) return pick(r.error);
      }
      return null;
    };
    return (pick(v) ?? '').slice(0, 200);
  } catch {
    return '';
  }
}

export type JsonRead = { ok: true; value: unknown } | { ok: false; outcome: FailureOutcome };

/** HTTP classification, then the body as JSON. A truncated or non-JSON body is malformed. */
export function readJson(res: UpstreamResponse, now: number): JsonRead {
  const failed = classifyHttpStatus(res, now);
  if (failed) return { ok: false, outcome: failed };
  if (res.truncated) {
    return { ok: false, outcome: failure({ kind: 'malformed', status: res.status, message: 'response body exceeds the size cap' }) };
  }
  try {
    return { ok: true, value: JSON.parse(res.body) as unknown };
  } catch {
    return {
      ok: false,
      outcome: failure({ kind: 'malformed', status: res.status, message: `response is not JSON: ${snippet(res.body)}` }),
    };
  }
}

/** Validates a parsed body; a schema failure is `malformed` with the first issue named. */
export function readSchema<T>(
  schema: z.ZodType<T>,
  value: unknown,
  status: number,
): { ok: true; value: T } | { ok: false; outcome: FailureOutcome } {
  let current = value;
  let blocking: z.core.$ZodIssue | undefined;
  // A field of the wrong type that the schema can do without is read as absent (`"progress":
  // "77"`, an object where a message should be): real upstreams drift, and one odd optional
  // field must not stop a job from ever reaching its terminal state. A field the schema needs
  // (the status) stays a malformed answer.
  for (let dropped = 0; dropped <= MAX_DROPPED_FIELDS; dropped++) {
    const parsed = schema.safeParse(current);
    if (parsed.success) return { ok: true, value: parsed.data };
    const issue = parsed.error.issues[0];
    blocking = issue;
    if (!issue || issue.path.length === 0 || dropped === MAX_DROPPED_FIELDS) break;
    const without = withoutPath(current, issue.path);
    const again = schema.safeParse(without);
    if (!again.success && again.error.issues.some((i) => samePath(i.path, issue.path))) break;
    current = without;
  }
  // The field that could not be done without.
  const where = blocking && blocking.path.length > 0 ? blocking.path.join('.') : 'body';
  return {
    ok: false,
    outcome: failure({
      kind: 'malformed',
      status,
      message: `unexpected response shape at ${where}: ${blocking?.message ?? 'invalid'}`,
    }),
  };
}

const MAX_DROPPED_FIELDS = 8;

const samePath = (a: readonly PropertyKey[], b: readonly PropertyKey[]) => a.length === b.length && a.every((k, i) => k === b[i]);

/** A copy of `value` without the field (or array item) at `path`; the input is not changed. */
function withoutPath(value: unknown, path: readonly PropertyKey[]): unknown {
  if (path.length === 0 || value === null || typeof value !== 'object') return value;
  const [key, ...rest] = path;
  if (Array.isArray(value)) {
    const i = Number(key);
    if (!Number.isInteger(i) || i < 0 || i >= value.length) return value;
    return rest.length === 0 ? value.filter((_, j) => j !== i) : value.map((v, j) => (j === i ? withoutPath(v, rest) : v));
  }
  const copy: Record<PropertyKey, unknown> = { ...(value as Record<PropertyKey, unknown>) };
  if (rest.length === 0) delete copy[key as string];
  else copy[key as string] = withoutPath(copy[key as string], rest);
  return copy;
}

const snippet = (body: string): string => {
  const s = body.replace(/\s+/g, ' ').trim();
  return s.length > 80 ? `${s.slice(0, 80)}...` : s || '(empty body)';
};

export type StateTable = Partial<Record<JobState, readonly string[]>>;

/** The normalized state of an upstream status, or null when the table does not know it. */
export function mapState(table: StateTable, upstreamStatus: string): JobState | null {
  for (const [state, statuses] of Object.entries(table) as Array<[JobState, readonly string[]]>) {
    if (statuses.includes(upstreamStatus)) return state;
  }
  return null;
}

/**
 * mapState for a table fixed at load time (a provider's own), as one map lookup per answer
 * instead of walking the table's entries. Same answers: the first state listing a status wins.
 */
export function stateMapper(table: StateTable): (upstreamStatus: string) => JobState | null {
  const lookup = new Map<string, JobState>();
  for (const [state, statuses] of Object.entries(table) as Array<[JobState, readonly string[]]>) {
    for (const status of statuses) if (!lookup.has(status)) lookup.set(status, state);
  }
  return (upstreamStatus) => lookup.get(upstreamStatus) ?? null;
}

export function observed(fields: Partial<Observation> & Pick<Observation, 'state' | 'upstreamStatus' | 'raw'>): PollOutcome {
  const observation: Observation = {
    progress: null,
    result: null,
    error: null,
    etaAt: null,
    ...fields,
  };
  return { kind: 'observed', observation };
}

/** Keeps 0-100 and two decimals; anything else is "no progress". */
export function clampProgress(value: unknown): number | null {
  if (typeof value !== 'number' || !Number.isFinite(value)) return null;
  return Math.round(Math.min(100, Math.max(0, value)) * 100) / 100;
}

/** A result when the upstream gave outputs or the job succeeded; otherwise null. */
export function resultOf(state: JobState | null, urls: string[], extras: Record<string, unknown> = {}): JobResult | null {
  if (state !== 'succeeded' && urls.length === 0) return null;
  return { urls, ...extras };
}

/** The error of a failed job when the upstream names none. */
export const genericFailure = (provider: string, message?: string | null): JobError => ({
  code: 'upstream_failed',
  message: message && message.trim() !== '' ? message : `${provider} reported the job as failed`,
});

/**
 * Path segments are URL-encoded; a base URL's trailing slashes are ignored. The regex runs only
 * when there is one: this builds every poll's URL.
 */
export const joinUrl = (baseUrl: string, path: string): string =>
  baseUrl.endsWith('/') ? `${baseUrl.replace(/\/+$/, '')}${path}` : baseUrl + path;
export const seg = (value: string): string => encodeURIComponent(value);
