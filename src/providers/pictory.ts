/**
 * Pictory: GET /pictoryapis/v1/jobs/{jobid}, the raw key in `Authorization`.
 * Quirks: a failed job is HTTP 200 with `success:false` and `data.status`; an unknown job is
 * HTTP 200 with `success:false`, `data.error_code` "5000" / "JOB_NOT_FOUND" and no status.
 */
import { z } from 'zod';
import type { Provider } from './types.ts';
import { failure, joinUrl, JSON_ACCEPT, mapState, observed, readJson, readSchema, resultOf, seg } from './common.ts';

const STATES = {
  running: ['in-progress'],
  succeeded: ['completed'],
  failed: ['failed'],
} as const;

const JobResponse = z.object({
  success: z.boolean().optional(),
  data: z
    .object({
      status: z.string().optional(),
      url: z.string().nullish(),
      width: z.number().nullish(),
      height: z.number().nullish(),
      aiCreditsUsed: z.number().nullish(),
      error_code: z.union([z.string(), z.number()]).nullish(),
      error_message: z.string().nullish(),
    })
    .nullish(),
});

const NOT_FOUND_CODES = new Set(['5000']);

export const pictory: Provider = {
  name: 'pictory',
  defaultBaseUrl: 'https://api.pictory.ai',
  defaults: {
    pollIntervalMs: 10_000,
    maxPollIntervalMs: 30_000,
    typicalDurationMs: { min: 30_000, max: 180_000 },
  },
  states: STATES,
  buildRequest(target, baseUrl) {
    return {
      url: joinUrl(baseUrl, `/pictoryapis/v1/jobs/${seg(target.externalId)}`),
      headers: { ...JSON_ACCEPT, authorization: target.credentials?.apiKey ?? '' },
    };
  },
  parseResponse(res, _target, now) {
    const json = readJson(res, now);
    if (!json.ok) return json.outcome;
    const body = readSchema(JobResponse, json.value, res.status);
    if (!body.ok) return body.outcome;
    const data = body.value.data ?? {};
    const errorCode = data.error_code != null ? String(data.error_code) : null;
    const errorMessage = data.error_message ?? null;

    if (data.status === undefined) {
      if (body.value.success === false) {
        const message = `pictory: ${errorCode ?? '?'} ${errorMessage ?? ''}`.trim();
        if ((errorCode && NOT_FOUND_CODES.has(errorCode)) || errorMessage === 'JOB_NOT_FOUND') {
          return failure({ kind: 'not_found', status: res.status, message });
        }
        // An error about the request rather than the job: not a job state, so back off and retry.
        return failure({ kind: 'transient', status: res.status, message });
      }
      return failure({ kind: 'malformed', status: res.status, message: 'unexpected response shape at data.status: missing' });
    }

    // The contract: `success:false` with a status is a failure, whatever the status says.
    const state = body.value.success === false ? 'failed' : mapState(STATES, data.status);
    const urls = data.url ? [data.url] : [];
    const extras: Record<string, unknown> = {};
    for (const key of ['width', 'height', 'aiCreditsUsed'] as const) {
      if (data[key] != null) extras[key] = data[key];
    }
    return observed({
      state,
      upstreamStatus: data.status,
      result: resultOf(state, urls, extras),
      error:
        state === 'failed'
          ? { code: errorCode ?? 'upstream_failed', message: errorMessage ?? 'pictory reported the job as failed' }
          : null,
      raw: json.value,
    });
  },
};
