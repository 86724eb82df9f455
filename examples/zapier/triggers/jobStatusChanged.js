'use strict';

const { baseUrl } = require('../authentication');

/**
 * "Job status changed": a REST hook trigger. Zapier subscribes a target URL when a Zap is
 * turned on (performSubscribe -> POST /v1/rest-hooks) and unsubscribes it when the Zap is
 * turned off (performUnsubscribe -> DELETE /v1/rest-hooks/{id}). pollhook then POSTs each event
 * to the target, signed; `perform` turns that body into the Zap's item. `performList` reads the
 * same events from the feed (GET /v1/events, newest first) for samples and Zap tests.
 *
 * An item is the payload's `data` flattened, with `id` = `<job id>:<sequence>`: unique per
 * event, and the same whether the event came pushed (perform) or pulled (performList).
 */
const EVENT_CHOICES = {
  'job.*': 'Any status change (pending, running, succeeded, failed, canceled)',
  'job.succeeded': 'Job succeeded',
  'job.failed': 'Job failed',
  'job.canceled': 'Job canceled',
  'job.running': 'Job started running',
  'job.pending': 'Job queued upstream',
};

function toItem(payload) {
  const data = payload.data || {};
  return {
    id: `${data.id}:${data.sequence}`,
    type: payload.type,
    timestamp: payload.timestamp,
    jobId: data.id,
    provider: data.provider,
    externalId: data.externalId,
    sequence: data.sequence,
    state: data.state,
    previousState: data.previousState,
    upstreamStatus: data.upstreamStatus,
    progress: data.progress,
    resultUrls: data.result ? data.result.urls : [],
    result: data.result,
    error: data.error,
    metadata: data.metadata,
  };
}

function filterOf(inputData) {
  const filter = {};
  if (inputData.provider) filter.providers = [inputData.provider];
  if (inputData.metadataKey && inputData.metadataValue !== undefined && inputData.metadataValue !== '') {
    filter.metadata = { [inputData.metadataKey]: String(inputData.metadataValue) };
  }
  return Object.keys(filter).length ? filter : undefined;
}

const performSubscribe = async (z, bundle) => {
  const response = await z.request({
    url: `${baseUrl(bundle)}/v1/rest-hooks`,
    method: 'POST',
    body: { target_url: bundle.targetUrl, event: bundle.inputData.event || 'job.*', filter: filterOf(bundle.inputData) },
  });
  response.throwForStatus();
  return response.data; // Zapier keeps it as bundle.subscribeData: its `id` unsubscribes
};

const performUnsubscribe = async (z, bundle) => {
  const response = await z.request({
    url: `${baseUrl(bundle)}/v1/rest-hooks/${bundle.subscribeData.id}`,
    method: 'DELETE',
    skipThrowForStatus: true,
  });
  if (response.status !== 404) response.throwForStatus(); // already gone is fine
  return {};
};

/** The pushed webhook body is the event payload. */
const perform = async (z, bundle) => [toItem(bundle.cleanedRequest)];

const performList = async (z, bundle) => {
  const event = bundle.inputData.event;
  // job.* is every job status type (the feed also holds operational events, which are not jobs).
  const params = { limit: '25', type: event && event !== 'job.*' ? event : Object.keys(EVENT_CHOICES).filter((t) => t !== 'job.*').join(',') };
  if (bundle.inputData.provider) params.provider = bundle.inputData.provider;
  if (bundle.inputData.metadataKey && bundle.inputData.metadataValue) params[`metadata[${bundle.inputData.metadataKey}]`] = String(bundle.inputData.metadataValue);
  const response = await z.request({ url: `${baseUrl(bundle)}/v1/events`, params });
  response.throwForStatus();
  return response.data.data.map((item) => toItem(item.payload));
};

// The catalog's job.succeeded example (GET /v1/event-types) as an item; a test keeps them equal.
const sample = {
  id: 'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A:3',
  type: 'job.succeeded',
  timestamp: '2026-11-22T17:00:00.000Z',
  jobId: 'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A',
  provider: 'fotolabs',
  externalId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847',
  sequence: 3,
  state: 'succeeded',
  previousState: 'running',
  upstreamStatus: 'completed',
  progress: 100,
  resultUrls: ['https://cdn.fotolabs.co/results/f3e088d1.jpg'],
  result: { urls: ['https://cdn.fotolabs.co/results/f3e088d1.jpg'] },
  error: null,
  metadata: { orderId: 42 },
};

module.exports = {
  key: 'job_status_changed',
  noun: 'Job',
  display: {
    label: 'Job Status Changed',
    description: 'Triggers when a job tracked by pollhook changes status (queued, running, succeeded, failed, canceled).',
  },
  operation: {
    type: 'hook',
    inputFields: [
      { key: 'event', label: 'Status change', required: false, choices: EVENT_CHOICES, default: 'job.*' },
      { key: 'provider', label: 'Only this provider', required: false, choices: ['fotolabs', 'pictory', 'topaz', 'magichour', 'aigenstudio', 'http'] },
      { key: 'metadataKey', label: 'Only jobs whose metadata key...', required: false, helpText: 'e.g. customerId' },
      { key: 'metadataValue', label: '...has this value', required: false },
    ],
    performSubscribe,
    performUnsubscribe,
    perform,
    performList,
    sample,
  },
  toItem,
};
