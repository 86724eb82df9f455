/**
 * Whole-object examples for the OpenAPI document (the reference page renders them). Plain data:
 * test/docs checks that each one passes its own zod schema, so they cannot drift from the API.
 */
import { PROBLEM_BASE } from '../problem.ts';

const JOB_ID = 'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A';
const EVENT_ID = 'evt_01JD4ZC1M2N3P4Q5R6S7T8V9W0';
const DELIVERY_ID = 'msg_01JD4ZC1M9K8J7H6G5F4E3D2C1';
const SUBSCRIPTION_ID = 'sub_01JD4Y0A1B2C3D4E5F6G7H8J9K';
const CONNECTION_ID = 'conn_01JD4X5R6S7T8V9W0X1Y2Z3A4B';
const SECRET_ID = 'sec_01JD4W2M3N4P5Q6R7S8T9V0W1X';
const CALLBACK = 'https://example.com/hooks/pollhook';
const CURSOR = 'am9iXzAxSkQ0WjhWMkMzTTZROVQwVzVYN1k4WjFB';

export const jobCreateExample = {
  provider: 'fotolabs',
  externalId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847',
  credentials: { apiKey: 'fl_live_...' },
  callbackUrl: CALLBACK,
  events: ['job.succeeded', 'job.failed'],
  metadata: { orderId: 42 },
  pollIntervalSeconds: 5,
  maxPollIntervalSeconds: 60,
  timeoutSeconds: 86400,
};

export const httpSpecExample = {
  url: 'https://api.example.com/jobs/{externalId}',
  headers: { authorization: 'Bearer ...' },
  statusPath: '/data/status',
  states: { pending: ['queued'], running: ['working'], succeeded: ['done'], failed: ['error'], canceled: [] },
  progressPath: '/data/progress',
  resultUrlPaths: ['/data/url'],
  errorMessagePath: '/data/error',
};

export const jobExample = {
  id: JOB_ID,
  provider: 'fotolabs',
  externalId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847',
  connectionId: null,
  callbackUrl: CALLBACK,
  callbackDisabledReason: null,
  events: ['job.succeeded', 'job.failed'],
  metadata: { orderId: 42 },
  pollIntervalSeconds: 5,
  maxPollIntervalSeconds: 60,
  deadlineAt: '2026-11-23T16:58:00.000Z',
  state: 'succeeded',
  upstreamStatus: 'completed',
  progress: 100,
  result: { urls: ['https://cdn.fotolabs.co/results/f3e088d1.jpg'] },
  error: null,
  sequence: 3,
  polls: { count: 14, failures: 1, consecutiveFailures: 0, lastPolledAt: '2026-11-22T16:59:59.812Z', lastFailure: null },
  http: null,
  nextPollAt: null,
  etaAt: null,
  createdAt: '2026-11-22T16:58:00.000Z',
  updatedAt: '2026-11-22T17:00:00.000Z',
  finishedAt: '2026-11-22T17:00:00.000Z',
};

export const eventPayloadExample = {
  type: 'job.succeeded',
  timestamp: '2026-11-22T17:00:00.000Z',
  data: {
    id: JOB_ID,
    provider: 'fotolabs',
    externalId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847',
    sequence: 3,
    state: 'succeeded',
    previousState: 'running',
    upstreamStatus: 'completed',
    progress: 100,
    result: { urls: ['https://cdn.fotolabs.co/results/f3e088d1.jpg'] },
    error: null,
    metadata: { orderId: 42 },
    upstream: { imageId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847', status: 'completed' },
    observedAt: '2026-11-22T16:59:59.812Z',
  },
};

export const eventExample = {
  id: EVENT_ID,
  sequence: 3,
  type: 'job.succeeded',
  createdAt: '2026-11-22T17:00:00.000Z',
  payload: eventPayloadExample,
  deliveries: [{ id: DELIVERY_ID, target: 'callback', url: CALLBACK, status: 'delivered', attemptCount: 1 }],
};

export const deliveryExample = {
  id: DELIVERY_ID,
  eventId: EVENT_ID,
  jobId: JOB_ID,
  sequence: 3,
  subscriptionId: null,
  url: CALLBACK,
  status: 'failed',
  attemptCount: 2,
  nextAttemptAt: '2026-11-22T17:05:05.000Z',
  lastStatusCode: 503,
  lastError: 'HTTP 503',
  createdAt: '2026-11-22T17:00:00.000Z',
  deliveredAt: null,
  deadAt: null,
};

export const deliveryDetailExample = {
  ...deliveryExample,
  eventType: 'job.succeeded',
  attempts: [
    { attemptedAt: '2026-11-22T17:00:00.020Z', durationMs: 41, statusCode: 503, error: 'HTTP 503', responseBody: 'upstream busy' },
    { attemptedAt: '2026-11-22T17:00:05.100Z', durationMs: 15000, statusCode: null, error: 'timeout after 15000 ms', responseBody: null },
  ],
};

export const subscriptionExample = {
  id: SUBSCRIPTION_ID,
  url: 'https://example.com/hooks/all-jobs',
  events: ['job.succeeded', 'job.failed', 'job.canceled'],
  description: 'Order pipeline',
  filter: null,
  enabled: true,
  disabledReason: null,
  disabledAt: null,
  failingSince: null,
  createdAt: '2026-11-01T09:00:00.000Z',
  updatedAt: '2026-11-01T09:00:00.000Z',
};

export const subscriptionCreateExample = {
  url: 'https://example.com/hooks/all-jobs',
  events: ['job.succeeded', 'job.failed', 'job.canceled'],
  description: 'Order pipeline',
};

export const subscriptionPatchExample = { enabled: true, events: null };

export const connectionExample = { id: CONNECTION_ID, provider: 'fotolabs', name: 'production', createdAt: '2026-11-01T09:00:00.000Z' };
export const connectionCreateExample = { provider: 'fotolabs', name: 'production', credentials: { apiKey: 'fl_live_...' } };

export const signingSecretExample = { id: SECRET_ID, createdAt: '2026-11-01T09:00:00.000Z', expiresAt: null, current: true };
export const signingSecretRotatedExample = {
  id: 'sec_01JD5A1B2C3D4E5F6G7H8J9K0M',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  createdAt: '2026-11-22T17:00:00.000Z',
  expiresAt: null,
  current: true,
  previousExpiresAt: '2026-11-23T17:00:00.000Z',
};

export const tenantCreatedExample = {
  id: 'tnt_01JD4V7W8X9Y0Z1A2B3C4D5E6F',
  name: 'acme',
  apiKey: 'ph_3q2-7wEvKJc0Z1x8m7mQ4s5xYV8kY0bq2fS9hV4nLtA',
  signingSecret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};

export const providerExample = {
  name: 'fotolabs',
  defaultBaseUrl: 'https://api.fotolabs.co',
  states: { pending: ['pending'], running: ['processing'], succeeded: ['completed'], failed: ['failed'] },
  defaults: { pollIntervalSeconds: 10, maxPollIntervalSeconds: 60, typicalDurationSeconds: { min: 60, max: 120 } },
};

const jobPollExample = {
  polledAt: '2026-11-22T17:00:05.000Z',
  outcome: 'changed',
  upstreamStatus: 'processing',
  httpStatus: 200,
  latencyMs: 84,
  nextPollAt: '2026-11-22T17:00:15.000Z',
  reason: 'floor',
  error: null,
  polls: 1,
  lastPolledAt: '2026-11-22T17:00:05.000Z',
};

const page = <T>(item: T, more = true) => ({ data: [item], nextCursor: more ? CURSOR : null });

/** Examples of the list pages, by component name (see listOf in common.ts). */
export const LIST_EXAMPLES: Record<string, unknown> = {
  JobList: page(jobExample),
  EventList: page(eventExample, false),
  JobPollList: page(jobPollExample),
  DeliveryList: page(deliveryExample),
  SubscriptionList: page(subscriptionExample, false),
  ConnectionList: page(connectionExample, false),
};

export const problemExamples = {
  400: { type: `${PROBLEM_BASE}invalid-json`, title: 'The request body is not valid JSON', status: 400, detail: 'Malformed JSON in request body' },
  401: { type: `${PROBLEM_BASE}unauthorized`, title: 'Authentication required', status: 401, detail: 'Send an API key as `Authorization: Bearer ph_...`.' },
  404: { type: `${PROBLEM_BASE}not-found`, title: 'Not found', status: 404, detail: 'No such job.' },
  409: { type: `${PROBLEM_BASE}conflict`, title: 'Conflict', status: 409, detail: 'Only a dead or failed delivery can be retried.' },
  413: { type: `${PROBLEM_BASE}payload-too-large`, title: 'The request body is too large', status: 413, detail: 'Request bodies are limited to 65536 bytes.' },
  415: {
    type: `${PROBLEM_BASE}unsupported-media-type`,
    title: 'Unsupported media type',
    status: 415,
    detail: 'The body must be JSON: send it with `Content-Type: application/json`.',
  },
  422: {
    type: `${PROBLEM_BASE}validation`,
    title: 'The request is invalid',
    status: 422,
    detail: 'callbackUrl: only https URLs are allowed (and 1 more)',
    errors: [
      { path: 'callbackUrl', message: 'only https URLs are allowed' },
      { path: 'credentials', message: 'credentials or connectionId is required' },
    ],
    requestId: '5f0c6a52-8a1e-4d8e-9a43-3f2b8f1f6a0e',
  },
  500: { type: `${PROBLEM_BASE}internal`, title: 'Internal server error', status: 500, detail: 'An unexpected error occurred; it has been logged.' },
} as const;
