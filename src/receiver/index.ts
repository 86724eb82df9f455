/**
 * `pollhook/receiver`: verify a pollhook webhook and get the typed event.
 *
 *   import { verifyWebhook } from 'pollhook/receiver';
 *   const event = verifyWebhook(process.env.POLLHOOK_SIGNING_SECRET!, req.headers, rawBody);
 *   if (event.type === 'job.succeeded') console.log(event.data.result?.urls);
 *
 * Signatures are computed by the `svix` library's `Webhook` (Standard Webhooks). The timestamp
 * check is done here rather than by svix so that the tolerance and the clock can be injected.
 */
import { Webhook } from 'svix';
import { EVENT_TYPES, JOB_STATES } from '../core/types.ts';
import { readHeader, type HeaderSource } from './headers.ts';
import type { PollhookEvent } from './types.ts';

export type * from './types.ts';
export type { HeaderSource } from './headers.ts';

export type VerificationFailure = 'missing_header' | 'bad_signature' | 'stale_timestamp' | 'invalid_payload';

export class WebhookVerificationError extends Error {
  override name = 'WebhookVerificationError';
  constructor(
    readonly reason: VerificationFailure,
    message: string,
  ) {
    super(`${reason}: ${message}`);
  }
}

export interface VerifyOptions {
  /** How far `webhook-timestamp` may be from now, either way. Default 300 (Standard Webhooks). */
  toleranceSeconds?: number;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
}

export const DEFAULT_TOLERANCE_SECONDS = 300;
const REQUIRED_HEADERS = ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const;

/**
 * Verifies the signature and freshness of one delivery and returns its event. Pass every secret
 * that may be signing (during a rotation, the new and the old one): any match is accepted.
 * `rawBody` must be the exact bytes received, before any JSON parsing.
 */
export function verifyWebhook(
  secretOrSecrets: string | readonly string[],
  headers: HeaderSource,
  rawBody: string | Uint8Array,
  options: VerifyOptions = {},
): PollhookEvent {
  const webhooks = toWebhooks(secretOrSecrets);
  const values = new Map<string, string>();
  for (const name of REQUIRED_HEADERS) {
    const value = readHeader(headers, name)?.trim();
    if (!value) throw new WebhookVerificationError('missing_header', `the ${name} header is missing`);
    values.set(name, value);
  }
  const id = values.get('webhook-id')!;
  const timestamp = checkTimestamp(values.get('webhook-timestamp')!, options);
  const body = typeof rawBody === 'string' ? rawBody : new TextDecoder().decode(rawBody);

  const offered = values
    .get('webhook-signature')!
    .split(' ')
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  const signedAt = new Date(timestamp * 1000);
  const matches = webhooks.some((w) => {
    const expected = w.sign(id, signedAt, body).slice(3);
    return offered.some((sig) => constantTimeEqual(sig, expected));
  });
  if (!matches) {
    throw new WebhookVerificationError(
      'bad_signature',
      'no webhook-signature entry matches the body with the given secret(s); check the secret and that the body is the raw, unparsed request body',
    );
  }
  return parseEvent(body);
}

function toWebhooks(secretOrSecrets: string | readonly string[]): Webhook[] {
  const secrets = typeof secretOrSecrets === 'string' ? [secretOrSecrets] : secretOrSecrets;
  if (secrets.length === 0) throw new TypeError('verifyWebhook: give at least one signing secret (whsec_...)');
  return secrets.map((secret) => {
    if (typeof secret !== 'string' || !secret.startsWith('whsec_')) {
      throw new TypeError('verifyWebhook: a signing secret is not a whsec_... string');
    }
    return new Webhook(secret);
  });
}

function checkTimestamp(header: string, options: VerifyOptions): number {
  if (!/^\d{1,12}$/.test(header)) {
    throw new WebhookVerificationError('stale_timestamp', `webhook-timestamp "${header.slice(0, 32)}" is not unix seconds`);
  }
  const timestamp = Number(header);
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  const now = Math.floor((options.now ?? Date.now)() / 1000);
  if (Math.abs(now - timestamp) > tolerance) {
    const direction = timestamp < now ? 'old' : 'far in the future';
    throw new WebhookVerificationError(
      'stale_timestamp',
      `webhook-timestamp is ${Math.abs(now - timestamp)} s ${direction} (tolerance ${tolerance} s); replayed, or the clocks disagree`,
    );
  }
  return timestamp;
}

/** Constant time for equal lengths; the lengths of base64 HMACs are public anyway. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
const STATE_SET: ReadonlySet<string> = new Set(JOB_STATES);

/** A signed body is trusted; this only guards against a sender that is not pollhook. */
function parseEvent(body: string): PollhookEvent {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new WebhookVerificationError('invalid_payload', 'the body is not JSON');
  }
  const fail = (what: string): never => {
    throw new WebhookVerificationError('invalid_payload', `the body is not a pollhook event: ${what}`);
  };
  if (!isObject(value)) return fail('not a JSON object');
  if (typeof value.type !== 'string' || !EVENT_TYPE_SET.has(value.type)) return fail('unknown "type"');
  if (typeof value.timestamp !== 'string') return fail('"timestamp" is missing');
  const data = value.data;
  if (!isObject(data)) return fail('"data" is missing');
  if (typeof data.id !== 'string') return fail('"data.id" is missing');
  if (typeof data.sequence !== 'number') return fail('"data.sequence" is missing');
  if (typeof data.state !== 'string' || !STATE_SET.has(data.state)) return fail('"data.state" is not a job state');
  return value as unknown as PollhookEvent;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
