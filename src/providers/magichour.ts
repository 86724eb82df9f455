/**
 * Magic Hour: GET /v1/image-projects/{id}, `Authorization: Bearer mhk_...`.
 * `downloads[]` carry `expires_at`; they are kept in `result.downloads`. 402 is payment_required.
 */
import { z } from 'zod';
import type { Provider } from './types.ts';
import { genericFailure, joinUrl, JSON_ACCEPT, mapState, observed, readJson, readSchema, resultOf, seg } from './common.ts';

const STATES = {
  pending: ['draft', 'queued'],
  running: ['rendering'],
  succeeded: ['complete'],
  failed: ['error'],
  canceled: ['canceled'],
} as const;

const ImageProject = z.object({
  id: z.string().optional(),
  status: z.string(),
  image_count: z.number().nullish(),
  credits_charged: z.number().nullish(),
  downloads: z.array(z.object({ url: z.string(), expires_at: z.string().nullish() })).nullish(),
  error: z.object({ code: z.string().nullish(), message: z.string().nullish() }).nullish(),
});

export const magichour: Provider = {
  name: 'magichour',
  defaultBaseUrl: 'https://api.magichour.ai',
  defaults: {
    pollIntervalMs: 2_000,
    maxPollIntervalMs: 30_000,
    typicalDurationMs: { min: 5_000, max: 60_000 },
  },
  states: STATES,
  buildRequest(target, baseUrl) {
    return {
      url: joinUrl(baseUrl, `/v1/image-projects/${seg(target.externalId)}`),
      headers: { ...JSON_ACCEPT, authorization: `Bearer ${target.credentials?.apiKey ?? ''}` },
    };
  },
  parseResponse(res, _target, now) {
    const json = readJson(res, now);
    if (!json.ok) return json.outcome;
    const body = readSchema(ImageProject, json.value, res.status);
    if (!body.ok) return body.outcome;
    const { status, downloads, error } = body.value;
    const state = mapState(STATES, status);
    const list = (downloads ?? []).map((d) => ({ url: d.url, expires_at: d.expires_at ?? null }));
    const extras: Record<string, unknown> = { downloads: list };
    if (body.value.credits_charged != null) extras.creditsCharged = body.value.credits_charged;
    return observed({
      state,
      upstreamStatus: status,
      result: resultOf(state, list.map((d) => d.url), extras),
      error:
        error != null
          ? { code: error.code ?? 'upstream_failed', message: error.message ?? 'magichour reported an error' }
          : state === 'failed'
            ? genericFailure('magichour')
            : null,
      raw: json.value,
    });
  },
};
