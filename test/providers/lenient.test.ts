/**
 * Real upstreams drift: a field pollhook can do without, sent with the wrong type, is read as
 * absent instead of making every poll "malformed" until the deadline. The fields it needs (the
 * status) still make the answer malformed when wrong.
 */
import { describe, expect, it } from 'vitest';
import { fotolabs } from '../../src/providers/fotolabs.ts';
import { topaz } from '../../src/providers/topaz.ts';
import { failureOf, fixture, NOW, observation, response, target } from './helpers.ts';

describe('a field of the wrong type that pollhook can do without', () => {
  it('fotolabs: a numeric imageId does not stop a running job', () => {
    const o = observation(fotolabs.parseResponse(response(200, { imageId: 5, status: 'processing' }), target(), NOW));
    expect(o.state).toBe('running');
    expect(o.raw).toEqual({ imageId: 5, status: 'processing' });
  });

  it('fotolabs: a failed job with an object as errorMessage still fails, with the generic message', () => {
    const o = observation(fotolabs.parseResponse(response(200, { imageId: 'i', status: 'failed', errorMessage: { a: 1 } }), target(), NOW));
    expect(o.state).toBe('failed');
    expect(o.error).not.toBeNull();
  });

  it('topaz: a progress sent as a string is dropped, the rest is read; several odd fields at once too', () => {
    const base = fixture('topaz', 'status-processing') as Record<string, unknown>;
    const one = observation(topaz.parseResponse(response(200, { ...base, progress: '77' }), target(), NOW));
    expect(one.state).toBe('running');
    expect(one.progress).toBeNull();
    expect(one.etaAt).toBe(1778349700 * 1000);
    const two = observation(topaz.parseResponse(response(200, { ...base, progress: '77', eta: 'soon' }), target(), NOW));
    expect(two).toMatchObject({ state: 'running', progress: null, etaAt: null });
  });

  it('the status itself, missing or of the wrong type, is still a malformed answer naming it', () => {
    const wrong = failureOf(fotolabs.parseResponse(response(200, { imageId: 'i', status: 7 }), target(), NOW));
    expect(wrong.kind).toBe('malformed');
    expect(wrong.message).toMatch(/at status/);
    expect(failureOf(fotolabs.parseResponse(response(200, { imageId: 5 }), target(), NOW)).message).toMatch(/at status/);
  });
});
