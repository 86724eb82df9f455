/**
 * The webhook payload pollhook sends (the contract's Standard Webhooks envelope), as types a
 * receiver can narrow on: `if (event.type === 'job.succeeded') event.data.result.urls`.
 */
import type { EventType, JobError, JobResult, JobState } from '../core/types.ts';

export type { EventType as PollhookEventType, JobError, JobResult, JobState };

/** The `data` of every event: the job as pollhook last observed it. */
export interface JobEventData {
  /** The pollhook job id (`job_...`). */
  id: string;
  provider: string;
  externalId: string;
  /** Per job: 1, 2, 3, ... Events reach one target in this order. */
  sequence: number;
  state: JobState;
  previousState: JobState | null;
  /** The upstream's own status string, always kept. */
  upstreamStatus: string | null;
  /** 0-100 where the upstream gives it. */
  progress: number | null;
  /** `urls` lists every output URL the upstream gave. */
  result: JobResult | null;
  error: JobError | null;
  /** The job's `metadata`, echoed. */
  metadata: Record<string, unknown> | null;
  /** The upstream's JSON body when at most 16 KiB, else null. */
  upstream: unknown;
  /** ISO time of the poll that saw the change. */
  observedAt: string;
}

interface Envelope<T extends EventType, D extends JobEventData> {
  type: T;
  /** ISO time the event was created. */
  timestamp: string;
  data: D;
}

type StateEvent<S extends JobState> = Envelope<`job.${S}`, JobEventData & { state: S }>;

export type JobPendingEvent = StateEvent<'pending'>;
export type JobRunningEvent = StateEvent<'running'>;
export type JobSucceededEvent = StateEvent<'succeeded'>;
export type JobFailedEvent = Envelope<'job.failed', JobEventData & { state: 'failed'; error: JobError | null }>;
export type JobCanceledEvent = StateEvent<'canceled'>;
/** Progress changed while the state did not (opt-in). */
export type JobProgressEvent = Envelope<'job.progress', JobEventData>;

/** One webhook body. Narrow on `type`. */
export type PollhookEvent =
  | JobPendingEvent
  | JobRunningEvent
  | JobSucceededEvent
  | JobFailedEvent
  | JobCanceledEvent
  | JobProgressEvent;
