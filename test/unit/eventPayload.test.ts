import { describe, expect, it } from 'vitest';
import { buildEventBody, MAX_UPSTREAM_BYTES } from '../../src/core/eventPayload.ts';

const T0 = Date.UTC(2026, 10, 22, 17, 0, 0);
const base = {
  type: 'job.succeeded' as const,
  now: T0,
  job: { id: 'job_1', provider: 'fotolabs', externalId: 'ext-1', metadata: { orderId: 42 } },
  sequence: 3,
  state: 'succeeded' as const,
  previousState: 'running' as const,
  upstreamStatus: 'completed',
  progress: 100,
  result: { urls: ['https://x/y.jpg'] },
  error: null,
  upstream: { status: 'completed' },
  observedAt: T0 - 188,
};

describe('buildEventBody', () => {
  it('is the contract envelope, keys in contract order', () => {
    const body = JSON.parse(buildEventBody(base));
    expect(Object.keys(body)).toEqual(['type', 'timestamp', 'data']);
    expect(Object.keys(body.data)).toEqual([
      'id', 'provider', 'externalId', 'sequence', 'state', 'previousState', 'upstreamStatus',
      'progress', 'result', 'error', 'metadata', 'upstream', 'observedAt',
    ]);
    expect(body.timestamp).toBe('2026-11-22T17:00:00.000Z');
    expect(body.data.observedAt).toBe('2026-11-22T16:59:59.812Z');
    expect(body.data.metadata).toEqual({ orderId: 42 });
    expect(body.data.upstream).toEqual({ status: 'completed' });
  });
  it.each([
    ['small body kept', 'a'.repeat(100), true],
    ['at the limit kept', 'a'.repeat(MAX_UPSTREAM_BYTES - 10), true],
    ['over the limit dropped', 'a'.repeat(MAX_UPSTREAM_BYTES), false],
    ['multi-byte characters count as bytes', 'é'.repeat(MAX_UPSTREAM_BYTES / 2), false],
  ])('%s', (_name, text, kept) => {
    // {"t":"..."} adds 8 bytes
    const body = JSON.parse(buildEventBody({ ...base, upstream: { t: text } }));
    expect(body.data.upstream !== null).toBe(kept);
  });
});
