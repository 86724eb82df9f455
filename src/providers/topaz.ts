/**
 * Topaz Image API: GET /status/{process_id} with `X-API-Key`. Statuses are capitalized.
 * `progress` is a percentage and `eta` a unix time in SECONDS. Many jobs can be polled with one
 * walk of GET /status?paginated=true&limit=100&cursor=... (see `batch`).
 */
import { z } from 'zod';
import type { PollOutcome } from '../core/types.ts';
import type { Provider, ProviderCredentials, ProviderRequest } from './types.ts';
import {
  clampProgress,
  failure,
  genericFailure,
  joinUrl,
  JSON_ACCEPT,
  mapState,
  observed,
  readJson,
  readSchema,
  resultOf,
  seg,
} from './common.ts';

const STATES = {
  pending: ['Pending'],
  running: ['Processing'],
  succeeded: ['Completed'],
  failed: ['Failed'],
  canceled: ['Cancelled'],
} as const;

const StatusResponse = z.object({
  process_id: z.string(),
  status: z.string(),
  progress: z.number().nullish(),
  eta: z.number().nullish(),
  output_format: z.string().nullish(),
  output_width: z.number().nullish(),
  output_height: z.number().nullish(),
  credits: z.number().nullish(),
});
type StatusResponse = z.infer<typeof StatusResponse>;

const Page = z.object({
  data: z.array(z.unknown()),
  pagination: z.object({ next_cursor: z.string().nullish(), has_next_page: z.boolean() }),
});

const PAGE_SIZE = 100;

const headersFor = (credentials: ProviderCredentials | null): Record<string, string> => ({
  ...JSON_ACCEPT,
  'x-api-key': credentials?.apiKey ?? '',
});

function toOutcome(s: StatusResponse, raw: unknown): PollOutcome {
  const state = mapState(STATES, s.status);
  const extras: Record<string, unknown> = {};
  if (s.output_format != null) extras.outputFormat = s.output_format;
  if (s.output_width != null) extras.outputWidth = s.output_width;
  if (s.output_height != null) extras.outputHeight = s.output_height;
  if (s.credits != null) extras.credits = s.credits;
  return observed({
    state,
    upstreamStatus: s.status,
    progress: clampProgress(s.progress),
    // The status carries no download URL (that is a separate endpoint): urls stays empty.
    result: resultOf(state, [], extras),
    error: state === 'failed' ? genericFailure('topaz') : null,
    etaAt: etaAtOf(s.eta),
    raw,
  });
}

/**
 * Unix seconds, as documented. A value past the year 3000 is not one (an eta sent in
 * milliseconds would be the year 58897, and larger ones are not even a valid date): ignored, the
 * schedule falls back to the job's learned durations.
 */
const MAX_ETA_SECONDS = 32_503_680_000;
const etaAtOf = (eta: number | null | undefined): number | null => (eta != null && eta > 0 && eta < MAX_ETA_SECONDS ? eta * 1000 : null);

export const topaz: Provider = {
  name: 'topaz',
  defaultBaseUrl: 'https://api.topazlabs.com/image/v1',
  defaults: {
    pollIntervalMs: 2_000,
    maxPollIntervalMs: 30_000,
    typicalDurationMs: { min: 10_000, max: 120_000 },
  },
  states: STATES,
  buildRequest(target, baseUrl) {
    return { url: joinUrl(baseUrl, `/status/${seg(target.externalId)}`), headers: headersFor(target.credentials) };
  },
  parseResponse(res, _target, now) {
    const json = readJson(res, now);
    if (!json.ok) return json.outcome;
    const body = readSchema(StatusResponse, json.value, res.status);
    if (!body.ok) return body.outcome;
    return toOutcome(body.value, json.value);
  },
  batch: {
    pageSize: PAGE_SIZE,
    buildPageRequest(credentials, baseUrl, cursor): ProviderRequest {
      const query = new URLSearchParams({ paginated: 'true', limit: String(PAGE_SIZE) });
      if (cursor) query.set('cursor', cursor);
      return { url: joinUrl(baseUrl, `/status?${query.toString()}`), headers: headersFor(credentials) };
    },
    parsePage(res, now) {
      const json = readJson(res, now);
      if (!json.ok) return { kind: 'failure', outcome: json.outcome };
      const page = readSchema(Page, json.value, res.status);
      if (!page.ok) return { kind: 'failure', outcome: page.outcome };
      const items: Array<{ externalId: string; outcome: PollOutcome }> = [];
      for (const entry of page.value.data) {
        const s = StatusResponse.safeParse(entry);
        // An entry without a readable process_id cannot be matched to a job: skip it.
        if (!s.success) {
          const id = (entry as { process_id?: unknown } | null)?.process_id;
          if (typeof id === 'string') {
            items.push({ externalId: id, outcome: failure({ kind: 'malformed', status: res.status, message: 'unexpected status entry in list' }) });
          }
          continue;
        }
        items.push({ externalId: s.data.process_id, outcome: toOutcome(s.data, entry) });
      }
      const { next_cursor, has_next_page } = page.value.pagination;
      return { kind: 'page', items, nextCursor: has_next_page && next_cursor ? next_cursor : null };
    },
  },
};
