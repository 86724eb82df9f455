import { describe, expect, it } from 'vitest';
import { fotolabs } from '../../src/providers/fotolabs.ts';
import { failureOf, fixture, fixtureText, NOW, observation, response, target } from './helpers.ts';

const parse = (status: number, name: string) => fotolabs.parseResponse(response(status, fixtureText('fotolabs', name)), target(), NOW);

describe('fotolabs contract (documented examples)', () => {
  it.each([
    ['pending', 'pending', 'pending'],
    ['processing', 'running', 'processing'],
    ['completed', 'succeeded', 'completed'],
    ['failed', 'failed', 'failed'],
  ] as const)('%s example -> %s', (name, state, upstreamStatus) => {
    const o = observation(parse(200, name));
    expect(o.state).toBe(state);
    expect(o.upstreamStatus).toBe(upstreamStatus);
    expect(o.progress).toBeNull();
    expect(o.etaAt).toBeNull();
    expect(o.raw).toEqual(fixture('fotolabs', name));
  });

  it('completed carries resultImageUrl in result.urls', () => {
    const o = observation(parse(200, 'completed'));
    expect(o.result).toEqual({ urls: ['https://d1i1ga8jkrbik1.cloudfront.net/028584de-.../result/f3e088d1-...jpg'] });
    expect(o.error).toBeNull();
  });

  it('failed carries errorMessage as the error', () => {
    const o = observation(parse(200, 'failed'));
    expect(o.error).toEqual({ code: 'upstream_failed', message: 'Gemini API quota exceeded after 5 retries' });
    expect(o.result).toBeNull();
  });

  it('pending and processing have no result and no error', () => {
    for (const name of ['pending', 'processing']) {
      const o = observation(parse(200, name));
      expect(o.result).toBeNull();
      expect(o.error).toBeNull();
    }
  });

  it('an HDR bracket member (completed, resultImageUrl null) succeeds with no URLs', () => {
    const o = observation(parse(200, 'hdr-bracket-member'));
    expect(o.state).toBe('succeeded');
    expect(o.result).toEqual({ urls: [] });
  });

  it.each([
    [404, 'error-404', 'not_found', 'Image not found'],
    [401, 'error-401', 'unauthorized', 'No payment method'],
  ] as const)('HTTP %i error body -> %s', (status, name, kind, text) => {
    const f = failureOf(parse(status, name));
    expect(f.kind).toBe(kind);
    expect(f.status).toBe(status);
    expect(f.message).toContain(text);
  });

  it('an unknown status keeps the state null and is still reported', () => {
    const body = { ...(fixture('fotolabs', 'pending') as object), status: 'merging' };
    const o = observation(fotolabs.parseResponse(response(200, body), target(), NOW));
    expect(o.state).toBeNull();
    expect(o.upstreamStatus).toBe('merging');
  });

  it('tolerates missing fields it does not need, rejects a missing status', () => {
    expect(observation(fotolabs.parseResponse(response(200, { status: 'processing' }), target(), NOW)).state).toBe('running');
    expect(failureOf(fotolabs.parseResponse(response(200, { imageId: 'x' }), target(), NOW)).kind).toBe('malformed');
  });

  it('builds GET /v1/images/{id} with a Bearer key, the id URL-encoded', () => {
    const req = fotolabs.buildRequest(target({ externalId: 'a/b c', credentials: { apiKey: 'fl_abc' } }), 'https://api-staging.fotolabs.co');
    expect(req.url).toBe('https://api-staging.fotolabs.co/v1/images/a%2Fb%20c');
    expect(req.headers).toEqual({ accept: 'application/json', authorization: 'Bearer fl_abc' });
  });
});
