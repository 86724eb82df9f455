/**
 * Fotolabs: GET /v1/images/{imageId}, `Authorization: Bearer fl_...`.
 * Quirk: in an HDR group only the primary image gets `resultImageUrl`; the other bracket members
 * are `completed` with a null URL, which is still a success (with no URLs).
 */
import { z } from 'zod';
import type { Provider } from './types.ts';
import { genericFailure, joinUrl, JSON_ACCEPT, observed, readJson, readSchema, resultOf, seg, stateMapper } from './common.ts';

const STATES = {
  pending: ['pending'],
  running: ['processing'],
  succeeded: ['completed'],
  failed: ['failed'],
} as const;
const stateOf = stateMapper(STATES);

// Lenient: only `status` is needed; the documented required fields may drift.
const ImageStatus = z.object({
  imageId: z.string().optional(),
  status: z.string(),
  resultImageUrl: z.string().nullish(),
  originalImageUrl: z.string().nullish(),
  errorMessage: z.string().nullish(),
});

export const fotolabs: Provider = {
  name: 'fotolabs',
  defaultBaseUrl: 'https://api.fotolabs.co',
  defaults: {
    pollIntervalMs: 5_000,
    maxPollIntervalMs: 60_000,
    typicalDurationMs: { min: 60_000, max: 120_000 },
  },
  states: STATES,
  buildRequest(target, baseUrl) {
    return {
      url: joinUrl(baseUrl, `/v1/images/${seg(target.externalId)}`),
      headers: { accept: JSON_ACCEPT.accept, authorization: `Bearer ${target.credentials?.apiKey ?? ''}` },
    };
  },
  parseResponse(res, _target, now) {
    const json = readJson(res, now);
    if (!json.ok) return json.outcome;
    const body = readSchema(ImageStatus, json.value, res.status);
    if (!body.ok) return body.outcome;
    const { status, resultImageUrl, errorMessage } = body.value;
    const state = stateOf(status);
    const urls = resultImageUrl ? [resultImageUrl] : [];
    return observed({
      state,
      upstreamStatus: status,
      result: resultOf(state, urls),
      error: state === 'failed' || errorMessage ? genericFailure('fotolabs', errorMessage) : null,
      raw: json.value,
    });
  },
};
