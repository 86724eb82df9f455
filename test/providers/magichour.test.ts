import { describe, expect, it } from 'vitest';
import { magichour } from '../../src/providers/magichour.ts';
import { failureOf, fixture, fixtureText, NOW, observation, response, target } from './helpers.ts';

const parse = (status: number, name: string) => magichour.parseResponse(response(status, fixtureText('magichour', name)), target(), NOW);

describe('magichour contract (documented schema and examples)', () => {
  it.each([
    ['draft', 'pending'],
    ['queued', 'pending'],
    ['rendering', 'running'],
    ['complete', 'succeeded'],
    ['error', 'failed'],
    ['canceled', 'canceled'],
  ] as const)('%s -> %s', (name, state) => {
    const o = observation(parse(200, name));
    expect(o.state).toBe(state);
    expect(o.upstreamStatus).toBe(name);
    expect(o.raw).toEqual(fixture('magichour', name));
  });

  it('complete: downloads become result.urls and stay in result.downloads with expires_at', () => {
    expect(observation(parse(200, 'complete')).result).toEqual({
      urls: ['https://videos.magichour.ai/id/output.png'],
      downloads: [{ url: 'https://videos.magichour.ai/id/output.png', expires_at: '2024-10-19T05:16:19.027Z' }],
      creditsCharged: 5,
    });
  });

  it('error: the error object is the error', () => {
    const o = observation(parse(200, 'error'));
    expect(o.error).toEqual({ code: 'no_source_face', message: 'Please use an image with a detectable face' });
    expect(o.result).toBeNull();
  });

  it.each([
    [400, 'transient'],
    [401, 'unauthorized'],
    [402, 'payment_required'],
    [404, 'not_found'],
  ] as const)('documented %i -> %s', (status, kind) => {
    const f = failureOf(parse(status, `error-${status}`));
    expect(f.kind).toBe(kind);
  });

  it('402 keeps the upstream message', () => {
    expect(failureOf(parse(402, 'error-402')).message).toContain('Payment required');
  });

  it('sends a Bearer key to /v1/image-projects/{id}', () => {
    const req = magichour.buildRequest(target({ externalId: 'cuid-example', credentials: { apiKey: 'mhk_live_x' } }), 'https://api.magichour.ai');
    expect(req.url).toBe('https://api.magichour.ai/v1/image-projects/cuid-example');
    expect(req.headers).toEqual({ accept: 'application/json', authorization: 'Bearer mhk_live_x' });
  });
});
