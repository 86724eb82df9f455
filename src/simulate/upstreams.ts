/**
 * How each simulated upstream speaks: its status route, where it reads the API key, and its
 * response bodies, modelled on each provider's documented examples.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { BuiltinProvider } from '../core/types.ts';
import type { Phase } from './scenarios.ts';

export type SimErrorKind = 'unauthorized' | 'not_found' | 'rate_limited' | 'server_error' | 'payment_required';

export interface RenderContext {
  id: string;
  createdAt: number;
  phase: Phase;
  phaseStartedAt: number;
  /** Epoch ms at which the script expects to reach its final phase. */
  expectedEndAt: number;
  requestId: string | null;
}

export interface JsonAnswer {
  status: number;
  json: unknown;
}

export interface UpstreamSim {
  name: BuiltinProvider;
  /** Accepted for jobs registered without a key and for `sim-<scenario>-...` ids. */
  defaultApiKey: string;
  newId(): string;
  /** The job id when `path` (relative to the provider prefix) is the status route. */
  matchStatus(path: string): string | null;
  apiKeyOf(headers: Record<string, string | undefined>): string | null;
  render(ctx: RenderContext): JsonAnswer;
  /** `id` is the job id the request named, when it named one. */
  error(kind: SimErrorKind, requestId: string | null, id?: string | null): JsonAnswer;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const unix = (ms: number): number => Math.floor(ms / 1000);
const CDN = 'https://cdn.sim.pollhook.invalid';

const bearer = (headers: Record<string, string | undefined>): string | null => {
  const m = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return m ? m[1]!.trim() : null;
};

function route(prefix: string): (path: string) => string | null {
  const re = new RegExp(`^${prefix.replace(/\//g, '\\/')}\\/([^/]+)$`);
  return (path) => {
    const m = re.exec(path);
    if (!m) return null;
    try {
      return decodeURIComponent(m[1]!);
    } catch {
      return null;
    }
  };
}

const fotolabs: UpstreamSim = {
  name: 'fotolabs',
  defaultApiKey: 'fl_sim_key',
  newId: () => randomUUID(),
  matchStatus: route('/v1/images'),
  apiKeyOf: bearer,
  render({ id, createdAt, phase, phaseStartedAt }) {
    const done = phase.state === 'succeeded';
    return {
      status: 200,
      json: {
        imageId: id,
        status: phase.upstreamStatus,
        // HDR bracket members are completed without a result: only the primary image has one.
        resultImageUrl: done && !phase.partial ? `${CDN}/fotolabs/result/${id}.jpg` : null,
        originalImageUrl: `${CDN}/fotolabs/original/${id}.jpg`,
        errorMessage: phase.state === 'failed' ? 'Gemini API quota exceeded after 5 retries' : null,
        createdAt: iso(createdAt),
        updatedAt: iso(phaseStartedAt),
      },
    };
  },
  error(kind) {
    const table: Record<SimErrorKind, JsonAnswer> = {
      unauthorized: { status: 401, json: { error: 'Invalid or missing API key' } },
      not_found: { status: 404, json: { error: 'Image not found' } },
      rate_limited: { status: 429, json: { error: 'Too many requests' } },
      server_error: { status: 500, json: { error: 'Internal server error' } },
      payment_required: { status: 402, json: { error: 'No payment method on file. Please add one at fotolabs.co before processing images.' } },
    };
    return table[kind];
  },
};

const pictory: UpstreamSim = {
  name: 'pictory',
  defaultApiKey: 'pictai_sim_key',
  newId: () => randomUUID(),
  matchStatus: route('/pictoryapis/v1/jobs'),
  apiKeyOf: (h) => h.authorization?.trim() || null,
  render({ id, phase }) {
    if (phase.state === 'succeeded') {
      return {
        status: 200,
        json: {
          job_id: id,
          success: true,
          data: { width: 1280, aiCreditsUsed: 2, height: 720, url: `${CDN}/pictory/images/${id}.png`, status: phase.upstreamStatus },
        },
      };
    }
    if (phase.state === 'failed') {
      return {
        status: 200,
        json: {
          job_id: id,
          success: false,
          data: { status: phase.upstreamStatus, error_code: '5001', error_message: 'Image generation failed due to an internal error.' },
        },
      };
    }
    return { status: 200, json: { job_id: id, success: true, data: { status: phase.upstreamStatus } } };
  },
  error(kind, _requestId, id) {
    const table: Record<SimErrorKind, JsonAnswer> = {
      unauthorized: { status: 401, json: { message: 'Unauthorized' } },
      // Pictory's documented "Invalid Job ID" answer is a 200.
      not_found: { status: 200, json: { id: id ?? null, success: false, data: { error_code: '5000', error_message: 'JOB_NOT_FOUND' } } },
      rate_limited: { status: 429, json: { message: 'Too Many Requests' } },
      server_error: { status: 500, json: { message: 'Internal Server Error' } },
      payment_required: { status: 402, json: { message: 'Payment Required' } },
    };
    return table[kind];
  },
};

const topazError = (status: number, message: string): JsonAnswer => ({ status, json: { code: status, message } });

export const topazStatusBody = ({ id, createdAt, phase, phaseStartedAt, expectedEndAt }: RenderContext) => {
  const terminal = phase.state === 'succeeded' || phase.state === 'failed' || phase.state === 'canceled';
  return {
    process_id: id,
    source_id: `src-${id}`,
    filename: 'sim.jpg',
    input_format: 'jpeg',
    input_height: 1024,
    input_width: 1024,
    output_format: 'jpeg',
    output_height: 4096,
    output_width: 4096,
    category: 'Enhance',
    model_type: 'Upscale',
    model: 'Standard V2',
    crop_to_fill: false,
    status: phase.upstreamStatus,
    progress: phase.state === 'succeeded' ? 100 : (phase.progress ?? 0),
    eta: unix(terminal ? phaseStartedAt : expectedEndAt),
    creation_time: unix(createdAt),
    modification_time: unix(phaseStartedAt),
    credits: 1,
  };
};

const topaz: UpstreamSim = {
  name: 'topaz',
  defaultApiKey: 'topaz_sim_key',
  newId: () => randomUUID(),
  matchStatus: route('/status'),
  apiKeyOf: (h) => h['x-api-key']?.trim() || null,
  render: (ctx) => ({ status: 200, json: topazStatusBody(ctx) }),
  error(kind) {
    const table: Record<SimErrorKind, JsonAnswer> = {
      unauthorized: topazError(401, 'Unauthorized'),
      not_found: topazError(404, 'Not Found'),
      rate_limited: topazError(429, 'Too Many Requests'),
      server_error: topazError(500, 'Internal Server Error'),
      payment_required: topazError(402, 'Payment Required'),
    };
    return table[kind];
  },
};

const magichour: UpstreamSim = {
  name: 'magichour',
  defaultApiKey: 'mhk_live_sim_key',
  newId: () => `cm${randomBytes(12).toString('hex')}`,
  matchStatus: route('/v1/image-projects'),
  apiKeyOf: bearer,
  render({ id, createdAt, phase, phaseStartedAt }) {
    const done = phase.state === 'succeeded';
    return {
      status: 200,
      json: {
        id,
        name: 'Simulated image',
        status: phase.upstreamStatus,
        image_count: 1,
        type: 'AI_IMAGE',
        created_at: iso(createdAt),
        enabled: true,
        total_frame_cost: 0,
        // Credits are refunded on error and cancel.
        credits_charged: phase.state === 'failed' || phase.state === 'canceled' ? 0 : 5,
        downloads: done ? [{ url: `${CDN}/magichour/${id}/output.png`, expires_at: iso(phaseStartedAt + 24 * 3600_000) }] : [],
        error: phase.state === 'failed' ? { code: 'no_source_face', message: 'Please use an image with a detectable face' } : null,
      },
    };
  },
  error(kind) {
    const table: Record<SimErrorKind, JsonAnswer> = {
      unauthorized: { status: 401, json: { message: 'Unauthorized' } },
      not_found: { status: 404, json: { message: 'Not Found' } },
      rate_limited: { status: 429, json: { message: 'Too Many Requests' } },
      server_error: { status: 500, json: { message: 'Internal Server Error' } },
      payment_required: { status: 402, json: { message: 'Payment required' } },
    };
    return table[kind];
  },
};

const AIGEN_ITEMS = 4;

function aigenItems(id: string, phase: Phase) {
  const doneCount =
    phase.state === 'running' ? Math.round(((phase.progress ?? 0) / 100) * AIGEN_ITEMS) : phase.state === 'pending' ? 0 : AIGEN_ITEMS;
  return Array.from({ length: AIGEN_ITEMS }, (_, i) => {
    let status = phase.state === 'pending' ? 'queued' : i < doneCount ? 'completed' : 'processing';
    if (phase.state === 'failed') status = 'failed';
    if (phase.state === 'canceled') status = 'cancelled';
    if (phase.partial && i === AIGEN_ITEMS - 1) status = 'failed';
    const ok = status === 'completed';
    return {
      id: `${id}-item-${i + 1}`,
      external_id: `sku-${i + 1}`,
      status,
      credits_reserved: 1,
      credits_used: ok ? 1 : 0,
      result_url: ok ? `${CDN}/aigenstudio/${id}/${i + 1}.png` : null,
      thumbnail_url: ok ? `${CDN}/aigenstudio/${id}/${i + 1}-thumb.png` : null,
      error_code: status === 'failed' ? 'product_not_detected' : null,
      error_message: status === 'failed' ? 'No product could be detected in the photo.' : null,
    };
  });
}

const aigenError = (status: number, code: string, message: string, requestId: string | null): JsonAnswer => ({
  status,
  json: { error: { code, message, request_id: requestId ?? `req_${randomBytes(8).toString('hex')}` } },
});

const aigenstudio: UpstreamSim = {
  name: 'aigenstudio',
  defaultApiKey: 'ags_sim_key',
  newId: () => randomUUID(),
  matchStatus: route('/product-photo-jobs'),
  apiKeyOf: bearer,
  render({ id, phase, requestId }) {
    const items = aigenItems(id, phase);
    const completed = items.filter((i) => i.status === 'completed').length;
    const failed = items.filter((i) => i.status === 'failed').length;
    return {
      status: 200,
      json: {
        job: {
          id,
          status: phase.upstreamStatus,
          total_items: AIGEN_ITEMS,
          credits_reserved: AIGEN_ITEMS,
          sandbox: true,
          completed_items: completed,
          failed_items: failed,
          credits_used: completed,
          items,
        },
        // Echoed when the client sends X-Request-Id; stable otherwise so ETags stay useful.
        request_id: requestId ?? `req_${id.slice(0, 8)}`,
      },
    };
  },
  error(kind, requestId) {
    const table: Record<SimErrorKind, JsonAnswer> = {
      unauthorized: aigenError(401, 'invalid_api_key', 'API key is missing, invalid, expired, inactive, or revoked.', requestId),
      not_found: aigenError(404, 'job_not_found', 'Product Photo job does not exist or does not belong to this API key environment.', requestId),
      rate_limited: aigenError(429, 'rate_limit_exceeded', 'The request exceeded an API rate or concurrency limit.', requestId),
      server_error: aigenError(500, 'internal_error', 'Unexpected error.', requestId),
      payment_required: aigenError(402, 'payment_required', 'Payment required.', requestId),
    };
    return table[kind];
  },
};

export const UPSTREAMS: Record<BuiltinProvider, UpstreamSim> = { fotolabs, pictory, topaz, magichour, aigenstudio };
