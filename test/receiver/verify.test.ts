import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { verifyWebhook, WebhookVerificationError, type PollhookEvent, type VerificationFailure } from '../../src/receiver/index.ts';
import { generateSigningSecret } from '../../src/security/tokens.ts';

const NOW_MS = Date.UTC(2026, 10, 22, 17, 0, 0);
const NOW_S = NOW_MS / 1000;
const now = () => NOW_MS;
const SECRET = generateSigningSecret();
const OLD_SECRET = generateSigningSecret();
const OTHER_SECRET = generateSigningSecret();

const event = {
  type: 'job.succeeded',
  timestamp: '2026-11-22T17:00:00.000Z',
  data: {
    id: 'job_01JD4Z8V2C3M6Q9T0W5X7Y8Z1A',
    provider: 'fotolabs',
    externalId: 'f3e088d1',
    sequence: 3,
    state: 'succeeded',
    previousState: 'running',
    upstreamStatus: 'completed',
    progress: 100,
    result: { urls: ['https://cdn.example.com/result.jpg'] },
    error: null,
    metadata: { orderId: 42 },
    upstream: { status: 'completed' },
    observedAt: '2026-11-22T16:59:59.812Z',
  },
} satisfies PollhookEvent;
const BODY = JSON.stringify(event);

/** Signs like the delivery engine: one `v1,` entry per secret, space-separated. */
function sign(body: string, secrets: string[], { id = 'msg_1', at = NOW_S } = {}) {
  const signature = secrets.map((s) => new Webhook(s).sign(id, new Date(at * 1000), body)).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': String(at), 'webhook-signature': signature };
}

function failure(fn: () => unknown): WebhookVerificationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof WebhookVerificationError) return err;
    throw err;
  }
  throw new Error('expected verification to fail');
}

describe('verifyWebhook accepts', () => {
  const cases: Array<{ name: string; secrets: string | string[]; signedWith: string[] }> = [
    { name: 'one secret', secrets: SECRET, signedWith: [SECRET] },
    { name: 'rotation: signed with new and old, verified with new only', secrets: SECRET, signedWith: [SECRET, OLD_SECRET] },
    { name: 'rotation: signed with new and old, verified with old only', secrets: [OLD_SECRET], signedWith: [SECRET, OLD_SECRET] },
    { name: 'rotation: receiver knows both, sender signs with the new one', secrets: [OLD_SECRET, SECRET], signedWith: [SECRET] },
  ];
  it.each(cases)('$name', ({ secrets, signedWith }) => {
    const verified = verifyWebhook(secrets, sign(BODY, signedWith), BODY, { now });
    expect(verified).toEqual(event);
  });

  const headerShapes: Array<{ name: string; make: (h: Record<string, string>) => Parameters<typeof verifyWebhook>[1] }> = [
    { name: 'Fetch Headers', make: (h) => new Headers(h) },
    { name: "Node's IncomingHttpHeaders (lower-case, arrays possible)", make: (h) => ({ ...h, 'x-forwarded-for': ['1.1.1.1', '2.2.2.2'] }) },
    {
      name: 'a plain object in any case',
      make: (h) => ({ 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': h['webhook-timestamp'], 'Webhook-Signature': h['webhook-signature'] }),
    },
    { name: 'a repeated signature header as an array', make: (h) => ({ ...h, 'webhook-signature': ['v1,bogus', h['webhook-signature']!] }) },
  ];
  it.each(headerShapes)('headers as $name', ({ make }) => {
    expect(verifyWebhook(SECRET, make(sign(BODY, [SECRET])), BODY, { now }).data.id).toBe(event.data.id);
  });

  it('a Uint8Array body', () => {
    const bytes = new TextEncoder().encode(BODY);
    expect(verifyWebhook(SECRET, sign(BODY, [SECRET]), bytes, { now }).type).toBe('job.succeeded');
  });

  it('a timestamp just inside the tolerance, either way', () => {
    for (const at of [NOW_S - 300, NOW_S + 300]) {
      expect(verifyWebhook(SECRET, sign(BODY, [SECRET], { at }), BODY, { now }).type).toBe('job.succeeded');
    }
  });

  it('narrows on type', () => {
    const e = verifyWebhook(SECRET, sign(BODY, [SECRET]), BODY, { now });
    if (e.type === 'job.succeeded') expect(e.data.state).toBe('succeeded');
    else throw new Error('wrong type');
  });
});

describe('verifyWebhook rejects', () => {
  const signed = sign(BODY, [SECRET]);
  const without = (name: string) => Object.fromEntries(Object.entries(signed).filter(([k]) => k !== name));
  const cases: Array<{ name: string; run: () => unknown; reason: VerificationFailure; mentions: string }> = [
    { name: 'missing webhook-id', run: () => verifyWebhook(SECRET, without('webhook-id'), BODY, { now }), reason: 'missing_header', mentions: 'webhook-id' },
    {
      name: 'missing webhook-timestamp',
      run: () => verifyWebhook(SECRET, without('webhook-timestamp'), BODY, { now }),
      reason: 'missing_header',
      mentions: 'webhook-timestamp',
    },
    {
      name: 'missing webhook-signature',
      run: () => verifyWebhook(SECRET, without('webhook-signature'), BODY, { now }),
      reason: 'missing_header',
      mentions: 'webhook-signature',
    },
    { name: 'an empty header', run: () => verifyWebhook(SECRET, { ...signed, 'webhook-id': '' }, BODY, { now }), reason: 'missing_header', mentions: 'webhook-id' },
    { name: 'the wrong secret', run: () => verifyWebhook(OTHER_SECRET, signed, BODY, { now }), reason: 'bad_signature', mentions: 'secret' },
    { name: 'a tampered body', run: () => verifyWebhook(SECRET, signed, BODY.replace('"sequence":3', '"sequence":4'), { now }), reason: 'bad_signature', mentions: 'raw' },
    { name: 'a changed webhook-id', run: () => verifyWebhook(SECRET, { ...signed, 'webhook-id': 'msg_2' }, BODY, { now }), reason: 'bad_signature', mentions: 'signature' },
    {
      name: 'a re-parsed and re-serialized body',
      run: () => verifyWebhook(SECRET, signed, JSON.stringify(JSON.parse(BODY), null, 2), { now }),
      reason: 'bad_signature',
      mentions: 'raw',
    },
    {
      name: 'a signature of another version',
      run: () => verifyWebhook(SECRET, { ...signed, 'webhook-signature': signed['webhook-signature'].replace('v1,', 'v2,') }, BODY, { now }),
      reason: 'bad_signature',
      mentions: 'signature',
    },
    {
      name: 'a stale timestamp',
      run: () => verifyWebhook(SECRET, sign(BODY, [SECRET], { at: NOW_S - 301 }), BODY, { now }),
      reason: 'stale_timestamp',
      mentions: 'old',
    },
    {
      name: 'a timestamp in the future',
      run: () => verifyWebhook(SECRET, sign(BODY, [SECRET], { at: NOW_S + 301 }), BODY, { now }),
      reason: 'stale_timestamp',
      mentions: 'future',
    },
    {
      name: 'a stale timestamp under a tighter tolerance',
      run: () => verifyWebhook(SECRET, sign(BODY, [SECRET], { at: NOW_S - 31 }), BODY, { now, toleranceSeconds: 30 }),
      reason: 'stale_timestamp',
      mentions: 'tolerance 30 s',
    },
    {
      name: 'a timestamp that is not unix seconds',
      run: () => verifyWebhook(SECRET, { ...signed, 'webhook-timestamp': '2026-11-22T17:00:00Z' }, BODY, { now }),
      reason: 'stale_timestamp',
      mentions: 'unix seconds',
    },
    { name: 'a signed body that is not JSON', run: () => verifyWebhook(SECRET, sign('not json', [SECRET]), 'not json', { now }), reason: 'invalid_payload', mentions: 'JSON' },
    {
      name: 'a signed JSON body that is not an event',
      run: () => verifyWebhook(SECRET, sign('{"hello":"world"}', [SECRET]), '{"hello":"world"}', { now }),
      reason: 'invalid_payload',
      mentions: 'type',
    },
    {
      name: 'a signed event without data',
      run: () => {
        const body = JSON.stringify({ type: 'job.running', timestamp: event.timestamp });
        return verifyWebhook(SECRET, sign(body, [SECRET]), body, { now });
      },
      reason: 'invalid_payload',
      mentions: 'data',
    },
  ];
  it.each(cases)('$name: $reason', ({ run, reason, mentions }) => {
    const err = failure(run);
    expect(err.reason).toBe(reason);
    expect(err.name).toBe('WebhookVerificationError');
    expect(err.message).toContain(reason);
    expect(err.message).toContain(mentions);
  });

  it('uses the real clock by default', () => {
    const err = failure(() => verifyWebhook(SECRET, signed, BODY));
    expect(err.reason).toBe('stale_timestamp');
  });

  it('a missing or malformed secret is a programming error, not a verification failure', () => {
    expect(() => verifyWebhook([], signed, BODY, { now })).toThrow(TypeError);
    expect(() => verifyWebhook('not-a-secret', signed, BODY, { now })).toThrow(/whsec_/);
  });
});
