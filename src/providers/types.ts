import type { JobState, PollOutcome, ProviderName, Validators } from '../core/types.ts';

/** Credentials a tenant stores for a built-in provider. */
export interface ProviderCredentials {
  apiKey: string;
}

/** The declarative `http` provider's spec (JSON Pointers into the status body). Headers are kept apart, encrypted. */
export interface HttpSpec {
  /** May contain `{externalId}` (URL-encoded on substitution). */
  url: string;
  statusPath: string;
  states: Partial<Record<JobState, string[]>>;
  progressPath?: string;
  resultUrlPaths?: string[];
  errorMessagePath?: string;
}

/** Everything a provider needs to poll one job. */
export interface PollTarget {
  externalId: string;
  credentials: ProviderCredentials | null;
  http: { spec: HttpSpec; headers: Record<string, string> } | null;
  validators: Validators;
  /** The job's current normalized state; kept when the upstream answers an unknown status. */
  previousState: JobState | null;
  /** Sent as X-Request-Id where the upstream supports it (aigenstudio). */
  requestId: string;
}

export interface ProviderRequest {
  url: string;
  headers: Record<string, string>;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  truncated: boolean;
}

export interface ProviderDefaults {
  /** The schedule's floor when the job sets none. */
  pollIntervalMs: number;
  /** The schedule's ceiling when the job sets none. */
  maxPollIntervalMs: number;
  /** The documented typical duration, which shapes the schedule before anything is learned. */
  typicalDurationMs: { min: number; max: number } | null;
}

export interface Provider {
  name: ProviderName;
  /** The documented production base URL; null for `http`. */
  defaultBaseUrl: string | null;
  defaults: ProviderDefaults;
  /** Upstream status strings per normalized state (the contract's table). */
  states: Partial<Record<JobState, readonly string[]>>;
  buildRequest(target: PollTarget, baseUrl: string): ProviderRequest;
  /** One HTTP answer -> an observation or a classified failure. Never throws. */
  parseResponse(res: UpstreamResponse, target: PollTarget, now: number): PollOutcome;
  batch?: BatchPolling;
}

/** Polling many jobs with one list walk (topaz GET /status?paginated=true). */
export interface BatchPolling {
  pageSize: number;
  buildPageRequest(credentials: ProviderCredentials, baseUrl: string, cursor: string | null): ProviderRequest;
  parsePage(
    res: UpstreamResponse,
    now: number,
  ):
    | { kind: 'page'; items: Array<{ externalId: string; outcome: PollOutcome }>; nextCursor: string | null }
    | { kind: 'failure'; outcome: PollOutcome & { kind: 'failure' } };
}
