/** Domain vocabulary shared by every layer. Pure types and constants: no I/O. */

export const JOB_STATES = ['pending', 'running', 'succeeded', 'failed', 'canceled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const TERMINAL_STATES: ReadonlySet<JobState> = new Set(['succeeded', 'failed', 'canceled']);
export const isTerminal = (state: JobState | null | undefined): boolean =>
  state != null && TERMINAL_STATES.has(state);

export const EVENT_TYPES = [
  'job.pending',
  'job.running',
  'job.succeeded',
  'job.failed',
  'job.canceled',
  'job.progress',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/**
 * Events about the tenant's own endpoints and secrets. Never in the default set: a subscription
 * receives them only when it lists them (typically one subscription on an operations URL).
 */
const SUBSCRIBABLE_OPERATIONAL_TYPES = ['endpoint.failing', 'endpoint.disabled', 'endpoint.recovered', 'signing_secret.rotated'] as const;
export const OPERATIONAL_EVENT_TYPES = [...SUBSCRIBABLE_OPERATIONAL_TYPES, 'endpoint.test'] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];
export const ALL_EVENT_TYPES = [...EVENT_TYPES, ...OPERATIONAL_EVENT_TYPES] as const;
export type AnyEventType = (typeof ALL_EVENT_TYPES)[number];
/**
 * What a subscription may list in `events`: `endpoint.test` is sent to one subscription on
 * request (POST /v1/subscriptions/{id}/test), never by subscribing to it.
 */
export const SUBSCRIBABLE_EVENT_TYPES = [...EVENT_TYPES, ...SUBSCRIBABLE_OPERATIONAL_TYPES] as const;
export const isOperationalType = (type: string): type is OperationalEventType =>
  (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(type);

/** Every type but `job.progress`, which is opt-in. */
export const DEFAULT_EVENT_TYPES: readonly EventType[] = EVENT_TYPES.filter((t) => t !== 'job.progress');

export const BUILTIN_PROVIDERS = ['fotolabs', 'pictory', 'topaz', 'magichour', 'aigenstudio'] as const;
export type BuiltinProvider = (typeof BUILTIN_PROVIDERS)[number];
export const PROVIDER_NAMES = [...BUILTIN_PROVIDERS, 'http'] as const;
export type ProviderName = (typeof PROVIDER_NAMES)[number];

export interface JobError {
  code: string;
  message: string;
}

/** `urls` lists every output URL the upstream gave; providers may add more keys (items, downloads...). */
export interface JobResult {
  urls: string[];
  [key: string]: unknown;
}

/** What one successful upstream answer says about a job, normalized. */
export interface Observation {
  /** null when the upstream status is not in the mapping: the previous normalized state is kept. */
  state: JobState | null;
  upstreamStatus: string;
  /** 0-100 where the upstream gives it. */
  progress: number | null;
  result: JobResult | null;
  error: JobError | null;
  /** Upstream's estimate of completion, epoch ms (topaz `eta`). */
  etaAt: number | null;
  /** The upstream's parsed JSON body. */
  raw: unknown;
}

export const POLL_FAILURE_KINDS = [
  'not_found',
  'unauthorized',
  'rate_limited',
  'transient',
  'malformed',
  'payment_required',
] as const;
export type PollFailureKind = (typeof POLL_FAILURE_KINDS)[number];

export interface PollFailure {
  kind: PollFailureKind;
  message: string;
  /** HTTP status when there was an answer. */
  status?: number;
  /** From Retry-After, already converted to a delay in ms. */
  retryAfterMs?: number;
}

/** Conditional-request validators an upstream sent; sent back on the next poll. */
export interface Validators {
  etag?: string | null;
  lastModified?: string | null;
}

export type PollOutcome =
  | { kind: 'observed'; observation: Observation; validators?: Validators; /** The answer's HTTP status, when one request answered for this job alone. */ httpStatus?: number }
  | { kind: 'not_modified' }
  | { kind: 'failure'; failure: PollFailure };
