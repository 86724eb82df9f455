/**
 * AI Gen Studio Product Photo: GET /product-photo-jobs/{jobId}, Bearer key, `X-Request-Id`.
 * A job holds many items: `partially_completed` is a success, the per-item results go in
 * `result.items` and every item's `result_url` in `result.urls`. Progress is
 * (completed_items + failed_items) / total_items.
 */
import { z } from 'zod';
import type { Provider } from './types.ts';
import { clampProgress, genericFailure, joinUrl, JSON_ACCEPT, mapState, observed, readJson, readSchema, seg } from './common.ts';

const STATES = {
  pending: ['queued'],
  running: ['processing'],
  succeeded: ['completed', 'partially_completed'],
  failed: ['failed'],
  canceled: ['cancelled'],
} as const;

const Item = z.object({
  id: z.string(),
  external_id: z.string().nullish(),
  status: z.string(),
  credits_reserved: z.number().nullish(),
  credits_used: z.number().nullish(),
  result_url: z.string().nullish(),
  thumbnail_url: z.string().nullish(),
  error_code: z.string().nullish(),
  error_message: z.string().nullish(),
});

const JobStatusResponse = z.object({
  job: z.object({
    id: z.string().optional(),
    status: z.string(),
    total_items: z.number().nullish(),
    completed_items: z.number().nullish(),
    failed_items: z.number().nullish(),
    credits_reserved: z.number().nullish(),
    credits_used: z.number().nullish(),
    sandbox: z.boolean().nullish(),
    items: z.array(Item).nullish(),
  }),
  request_id: z.string().nullish(),
});

export const aigenstudio: Provider = {
  name: 'aigenstudio',
  defaultBaseUrl: 'https://aigenstudio.app/api/v1',
  defaults: {
    pollIntervalMs: 5_000,
    maxPollIntervalMs: 60_000,
    typicalDurationMs: { min: 30_000, max: 600_000 },
  },
  states: STATES,
  buildRequest(target, baseUrl) {
    return {
      url: joinUrl(baseUrl, `/product-photo-jobs/${seg(target.externalId)}`),
      headers: {
        ...JSON_ACCEPT,
        authorization: `Bearer ${target.credentials?.apiKey ?? ''}`,
        'x-request-id': target.requestId.slice(0, 160),
      },
    };
  },
  parseResponse(res, _target, now) {
    const json = readJson(res, now);
    if (!json.ok) return json.outcome;
    const body = readSchema(JobStatusResponse, json.value, res.status);
    if (!body.ok) return body.outcome;
    const job = body.value.job;
    const state = mapState(STATES, job.status);
    const items = (job.items ?? []).map((i) => ({
      id: i.id,
      external_id: i.external_id ?? null,
      status: i.status,
      result_url: i.result_url ?? null,
      thumbnail_url: i.thumbnail_url ?? null,
      error_code: i.error_code ?? null,
      error_message: i.error_message ?? null,
    }));
    const urls = items.flatMap((i) => (i.result_url ? [i.result_url] : []));
    const completed = job.completed_items ?? items.filter((i) => i.status === 'completed').length;
    const failed = job.failed_items ?? items.filter((i) => i.status === 'failed').length;
    const total = job.total_items ?? items.length;
    const firstItemError = items.find((i) => i.error_code || i.error_message);
    const extras: Record<string, unknown> = { items, totalItems: total, completedItems: completed, failedItems: failed };
    if (job.credits_used != null) extras.creditsUsed = job.credits_used;
    return observed({
      state,
      upstreamStatus: job.status,
      progress: total > 0 ? clampProgress(((completed + failed) / total) * 100) : null,
      // Item results are useful on every terminal state and as soon as any item has an output.
      result: items.length > 0 || state === 'succeeded' ? { urls, ...extras } : null,
      error:
        state === 'failed'
          ? firstItemError
            ? {
                code: firstItemError.error_code ?? 'upstream_failed',
                message: firstItemError.error_message ?? 'aigenstudio reported the job as failed',
              }
            : genericFailure('aigenstudio')
          : null,
      raw: json.value,
    });
  },
};
