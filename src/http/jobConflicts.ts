import { DEFAULT_EVENT_TYPES } from '../core/types.ts';
import type { SecretBox } from '../security/secretBox.ts';
import { constantTimeEqual } from '../security/tokens.ts';
import type { JobRow } from '../store/rows.ts';
import { DEFAULT_TIMEOUT_SECONDS, type JobCreateBody } from './schemas/jobs.ts';
import { ProblemError, type FieldError } from './problem.ts';
import { normalizedUrl } from './targets.ts';

/**
 * Registering a tracked job again is idempotent only for the same request: each field of the
 * body is compared with what the job was registered with, as the job would behave (the event
 * filter as a set, the default deadline spelled out or not). Secrets (credentials, `http`
 * headers) are decrypted and compared in constant time; they are never echoed.
 * Returns the paths of the fields that differ, in body order.
 */
export function differingFields(row: JobRow, body: JobCreateBody, box: SecretBox): string[] {
  const differs: string[] = [];
  const check = (path: string, same: boolean) => {
    if (!same) differs.push(path);
  };
  check('credentials', sameSecret(body.credentials ? { apiKey: body.credentials.apiKey } : null, row.credentials_enc, box));
  check('connectionId', (body.connectionId ?? null) === row.connection_id);
  // Both normalized: a job stored before URLs were normalized still matches its own body.
  const stored = row.callback_url === null ? null : normalizedUrl(row.callback_url);
  check('callbackUrl', (body.callbackUrl === undefined ? null : normalizedUrl(body.callbackUrl)) === stored);
  check('events', sameSet(body.events ?? DEFAULT_EVENT_TYPES, parseJson<string[]>(row.events) ?? DEFAULT_EVENT_TYPES));
  check('metadata', canonical(body.metadata ?? null) === canonical(parseJson(row.metadata)));
  check('pollIntervalSeconds', toMs(body.pollIntervalSeconds) === row.poll_interval_ms);
  check('maxPollIntervalSeconds', toMs(body.maxPollIntervalSeconds) === row.max_poll_interval_ms);
  check('timeoutSeconds', Math.round((body.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * 1000) === row.deadline_at - row.created_at);
  if (body.http || row.http_spec) {
    const { headers, ...spec } = body.http ?? { headers: undefined };
    check('http', body.http !== undefined && canonical(spec) === canonical(parseJson(row.http_spec)));
    const given = headers && Object.keys(headers).length > 0 ? headers : null;
    check('http.headers', sameSecret(given, row.http_headers_enc, box));
  }
  return differs;
}

/** The 409 for a re-registration that differs: names each field, and the job it collides with. */
export function registrationConflict(job: JobRow, fields: string[]): ProblemError {
  const errors: FieldError[] = fields.map((path) => ({ path, message: `differs from the registered job ${job.id}` }));
  return new ProblemError(
    'conflict',
    `${job.provider} job ${JSON.stringify(job.external_id)} is already registered as ${job.id} with a different ${fields.join(', ')}. ` +
      'Send the same body to get it back, or delete it first to register it again.',
    errors,
  );
}

function sameSecret(given: unknown, sealed: string | null, box: SecretBox): boolean {
  if (given === null || sealed === null) return given === null && sealed === null;
  return constantTimeEqual(canonical(given), canonical(box.openJson<unknown>(sealed)));
}

const toMs = (seconds: number | undefined): number | null => (seconds === undefined ? null : Math.round(seconds * 1000));

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  const sb = new Set(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function parseJson<T>(text: string | null): T | null {
  if (text == null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

/**
 * JSON with object keys sorted, so `{a,b}` and `{b,a}` compare equal. Inputs were validated to
 * at most 32 levels of nesting, so the recursion is bounded.
 */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
