import { z } from '@hono/zod-openapi';
import { EVENT_TYPES, JOB_STATES } from '../../core/types.ts';
import { exceedsDepth } from '../../core/jsonDepth.ts';
import { parsePointer, pointerProblem } from '../../providers/jsonPointer.ts';
import { NO_CONTROL, NullableTimestamp, Timestamp, EVENT_TYPE_DESCRIPTION, ListQuery } from './common.ts';
import { httpSpecExample, jobCreateExample, jobExample } from './examples.ts';

export const MAX_METADATA_BYTES = 4096;
export const MAX_METADATA_DEPTH = 32;
export const MAX_HTTP_HEADERS = 32;
export const MAX_TIMEOUT_SECONDS = 30 * 24 * 3600;
export const DEFAULT_TIMEOUT_SECONDS = 86_400;
export const MIN_POLL_INTERVAL_SECONDS = 0.25;
export const MAX_POLL_INTERVAL_SECONDS = 86_400;

/** RFC 6901 syntax, for the OpenAPI document; pointerProblem is the rule (and says what is wrong). */
const JSON_POINTER_PATTERN = '^(/([^~]|~[01])*)*$';
/** Deeper than any status document worth reading; keeps every pointer walk short. */
export const MAX_POINTER_TOKENS = 32;
const JsonPointer = z
  .string()
  .max(1024)
  .superRefine((p, ctx) => {
    const problem = pointerProblem(p);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .refine((p) => p.split('/').length - 1 <= MAX_POINTER_TOKENS, `must have at most ${MAX_POINTER_TOKENS} segments`)
  .openapi({ example: '/data/status', pattern: JSON_POINTER_PATTERN });

/** RFC 9110 token: what a header name may be. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** A number or boolean at statusPath is read as text, so the lists hold text: `"1"`, `"true"`. */
const StatusText = z.string({
  error: (issue) =>
    typeof issue.input === 'number' || typeof issue.input === 'boolean'
      ? `must be a string: write ${issue.input} as "${issue.input}" (a number or boolean status is matched as text)`
      : undefined,
});
const StatusList = z.array(StatusText.min(1).max(256)).max(100);

export const HttpSpecInput = z
  .strictObject({
    url: z
      .string()
      .min(1)
      .max(2048)
      .openapi({ description: 'Status URL; `{externalId}` is replaced (URL-encoded).', example: 'https://api.example.com/jobs/{externalId}' }),
    headers: z
      .record(
        z.string().regex(HEADER_NAME, 'is not a valid header name'),
        z.string().max(8192).regex(NO_CONTROL, 'must not contain control characters'),
      )
      .refine((h) => Object.keys(h).length <= MAX_HTTP_HEADERS, `at most ${MAX_HTTP_HEADERS} headers`)
      .optional()
      .openapi({ description: 'Sent with every poll. Stored encrypted, never returned.', example: { authorization: 'Bearer ...' } }),
    statusPath: JsonPointer,
    states: z
      .strictObject({
        pending: StatusList.optional(),
        running: StatusList.optional(),
        succeeded: StatusList.optional(),
        failed: StatusList.optional(),
        canceled: StatusList.optional(),
      })
      .openapi({ example: { pending: ['queued'], running: ['working'], succeeded: ['done'], failed: ['error'] } }),
    progressPath: JsonPointer.optional(),
    resultUrlPaths: z.array(JsonPointer).max(20).optional(),
    errorMessagePath: JsonPointer.optional(),
  })
  .openapi('HttpSpecInput', { example: httpSpecExample });

/**
 * The body of POST /v1/jobs. Field rules live here; rules that need the database or DNS
 * (connection ownership, subscriptions, SSRF) run in the handler before anything is written.
 */
export function jobCreateSchema(providerNames: readonly string[]) {
  const names = providerNames.length > 0 ? (providerNames as [string, ...string[]]) : (['http'] as [string]);
  return z
    .strictObject({
      provider: z.enum(names).openapi({ example: 'fotolabs' }),
      externalId: z
        .string()
        .min(1)
        .max(256)
        .regex(NO_CONTROL, 'must not contain control characters')
        .openapi({ example: 'f3e088d1-33a5-4227-a2f6-c4f75617f847' }),
      credentials: z
        .strictObject({ apiKey: z.string().min(1).max(4096) })
        .optional()
        .openapi({ description: 'Inline upstream credentials (built-in providers). Stored encrypted, never returned.' }),
      connectionId: z.string().optional().openapi({ description: 'A stored connection of the same provider.' }),
      callbackUrl: z
        .string()
        .max(2048)
        .optional()
        .openapi({ description: 'May be omitted when the tenant has an enabled subscription.', example: 'https://example.com/hooks/pollhook' }),
      events: z
        .array(z.enum(EVENT_TYPES))
        .min(1)
        .optional()
        .openapi({ description: `Filter for the callback. Default: every type but job.progress. ${EVENT_TYPE_DESCRIPTION}` }),
      metadata: z
        .record(z.string(), z.unknown())
        .optional()
        .openapi({ description: 'A JSON object of at most 4 KiB, echoed in every event.', example: { orderId: 42 } }),
      pollIntervalSeconds: z.number().min(MIN_POLL_INTERVAL_SECONDS).max(MAX_POLL_INTERVAL_SECONDS).optional().openapi({ example: 5 }),
      maxPollIntervalSeconds: z.number().min(MIN_POLL_INTERVAL_SECONDS).max(MAX_POLL_INTERVAL_SECONDS).optional().openapi({ example: 60 }),
      timeoutSeconds: z.number().min(1).max(MAX_TIMEOUT_SECONDS).optional().openapi({ example: DEFAULT_TIMEOUT_SECONDS }),
      http: HttpSpecInput.optional(),
    })
    .superRefine(crossFieldRules, { when: () => true })
    .openapi('JobCreate', { example: jobCreateExample });
}

export type JobCreateBody = z.infer<ReturnType<typeof jobCreateSchema>>;

/**
 * Rules across fields. Runs even when single fields failed, so one answer lists every problem;
 * hence the defensive reads of a value that may be only partly valid.
 */
function crossFieldRules(raw: unknown, ctx: z.RefinementCtx): void {
  if (typeof raw !== 'object' || raw === null) return;
  const b = raw as Record<string, unknown>;
  const issue = (path: PropertyKey[], message: string) => ctx.addIssue({ code: 'custom', path, message });
  const isHttp = b.provider === 'http';
  const has = (k: string) => b[k] !== undefined;

  if (isHttp) {
    if (!has('http')) issue(['http'], 'is required for provider http');
    if (has('credentials')) issue(['credentials'], 'is not allowed for provider http (use http.headers)');
    if (has('connectionId')) issue(['connectionId'], 'is not allowed for provider http');
  } else if (typeof b.provider === 'string') {
    if (has('http')) issue(['http'], 'is only allowed for provider http');
    if (has('credentials') && has('connectionId')) issue(['connectionId'], 'give credentials or connectionId, not both');
    if (!has('credentials') && !has('connectionId')) issue(['credentials'], 'credentials or connectionId is required');
  }

  const http = b.http as { states?: Record<string, unknown> } | undefined;
  if (isHttp && http && typeof http.states === 'object' && http.states !== null) {
    const seen = new Map<string, string>();
    let mapped = 0;
    for (const state of JOB_STATES) {
      const list = http.states[state];
      if (!Array.isArray(list)) continue;
      list.forEach((status: unknown, i) => {
        // Only strings: anything else already failed its own rule, and String() of a parsed
        // object can throw (`{"toString": 1}`).
        if (typeof status !== 'string') return;
        mapped++;
        const other = seen.get(status);
        if (other) issue(['http', 'states', state, i], `"${status}" is already mapped to ${other}`);
        else seen.set(status, state);
      });
    }
    if (mapped === 0 && Object.values(http.states).every((l) => !Array.isArray(l) || l.length === 0)) {
      issue(['http', 'states'], 'map at least one upstream status');
    }
  }

  if (isHttp && typeof b.http === 'object' && b.http !== null) resultPathRules(b.http as Record<string, unknown>, issue);

  if (b.metadata !== undefined && typeof b.metadata === 'object' && b.metadata !== null) {
    // Depth first, without recursion: JSON.stringify of a deeply nested body overflows the stack.
    if (exceedsDepth(b.metadata, MAX_METADATA_DEPTH)) issue(['metadata'], `is nested deeper than ${MAX_METADATA_DEPTH} levels`);
    else {
      const size = new TextEncoder().encode(JSON.stringify(b.metadata)).length;
      if (size > MAX_METADATA_BYTES) issue(['metadata'], `is ${size} bytes serialized; at most ${MAX_METADATA_BYTES}`);
    }
  }

  const min = b.pollIntervalSeconds;
  const max = b.maxPollIntervalSeconds;
  if (typeof min === 'number' && typeof max === 'number' && max < min) {
    issue(['maxPollIntervalSeconds'], 'must be at least pollIntervalSeconds');
  }
}

/**
 * A result URL path that is the status, contains it or lies inside it can never give a URL: the
 * status is a string or number, so nothing lies inside it, and what contains it is the object or
 * array around it (`""`, the whole document, always does). Accepted, such a job would succeed
 * with no URLs, or with its status among them.
 */
function resultPathRules(http: Record<string, unknown>, issue: (path: PropertyKey[], message: string) => void): void {
  const { statusPath, resultUrlPaths } = http;
  if (typeof statusPath !== 'string' || pointerProblem(statusPath) !== null || !Array.isArray(resultUrlPaths)) return;
  const status = parsePointer(statusPath);
  resultUrlPaths.forEach((path: unknown, i) => {
    if (typeof path !== 'string' || pointerProblem(path) !== null) return;
    const tokens = parsePointer(path);
    const shared = Math.min(tokens.length, status.length);
    if (tokens.slice(0, shared).some((t, k) => t !== status[k])) return;
    const where = ['http', 'resultUrlPaths', i];
    if (tokens.length === status.length) issue(where, 'is the statusPath: it points at the status, not at result URLs');
    else if (tokens.length > status.length) issue(where, `lies inside the status at "${statusPath}", where nothing can be`);
    else {
      const what = path === '' ? 'is the whole status document, which' : 'is the object or array that';
      issue(where, `${what} contains the status at "${statusPath}", not a URL: point at a URL string or an array of URL strings (like "/data/url")`);
    }
  });
}

const ErrorView = z.object({ code: z.string(), message: z.string() }).nullable();

export const JobSchema = z
  .object({
    id: z.string().openapi({ example: 'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A' }),
    provider: z.string(),
    externalId: z.string(),
    connectionId: z.string().nullable(),
    callbackUrl: z.string().nullable(),
    callbackDisabledReason: z.string().nullable(),
    events: z.array(z.enum(EVENT_TYPES)).openapi({ description: 'The effective callback filter.' }),
    metadata: z.record(z.string(), z.unknown()).nullable(),
    pollIntervalSeconds: z.number().nullable(),
    maxPollIntervalSeconds: z.number().nullable(),
    deadlineAt: Timestamp,
    state: z.enum(JOB_STATES).nullable().openapi({ description: 'null until the first successful poll.' }),
    upstreamStatus: z.string().nullable(),
    progress: z.number().nullable(),
    result: z.record(z.string(), z.unknown()).nullable(),
    error: ErrorView,
    sequence: z.number().int().openapi({ description: 'The sequence of the latest event (0 before the first).' }),
    polls: z.object({
      count: z.number().int(),
      failures: z.number().int(),
      consecutiveFailures: z.number().int(),
      lastPolledAt: NullableTimestamp,
      lastFailure: z.record(z.string(), z.unknown()).nullable(),
    }),
    http: z
      .object({
        url: z.string(),
        statusPath: z.string(),
        states: z.record(z.string(), z.array(z.string())),
        progressPath: z.string().optional(),
        resultUrlPaths: z.array(z.string()).optional(),
        errorMessagePath: z.string().optional(),
        headerNames: z.array(z.string()),
      })
      .nullable()
      .openapi({ description: 'The http provider spec; header values are never returned.' }),
    nextPollAt: NullableTimestamp,
    etaAt: NullableTimestamp,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    finishedAt: NullableTimestamp,
  })
  .openapi('Job', { example: jobExample });

export type JobView = z.infer<typeof JobSchema>;

export const JobListQuery = ListQuery.extend({
  state: z.enum(JOB_STATES).optional().openapi({ param: { name: 'state', in: 'query' } }),
  provider: z.string().optional().openapi({ param: { name: 'provider', in: 'query' } }),
});
