import { describe, expect, it } from 'vitest';
import { aigenstudio } from '../../src/providers/aigenstudio.ts';
import { failureOf, fixture, fixtureText, NOW, observation, response, target } from './helpers.ts';

const parse = (status: number, name: string) => aigenstudio.parseResponse(response(status, fixtureText('aigenstudio', name)), target(), NOW);

describe('aigenstudio contract (documented schema)', () => {
  it.each([
    ['queued', 'pending', 0],
    ['processing', 'running', 33.33],
    ['completed', 'succeeded', 100],
    ['partially_completed', 'succeeded', 100],
    ['failed', 'failed', 100],
    ['cancelled', 'canceled', 0],
  ] as const)('%s -> %s, progress (completed+failed)/total', (name, state, progress) => {
    const o = observation(parse(200, name));
    expect(o.state).toBe(state);
    expect(o.upstreamStatus).toBe(name);
    expect(o.progress).toBe(progress);
    expect(o.raw).toEqual(fixture('aigenstudio', name));
  });

  it('partially_completed: per-item results in result.items, every result_url in result.urls', () => {
    const o = observation(parse(200, 'partially_completed'));
    expect(o.error).toBeNull();
    expect(o.result?.urls).toEqual(['https://cdn.aigenstudio.app/results/1.png', 'https://cdn.aigenstudio.app/results/3.png']);
    const items = o.result?.items as Array<Record<string, unknown>>;
    expect(items).toHaveLength(3);
    expect(items[1]).toMatchObject({ external_id: 'sku-2', status: 'failed', result_url: null, error_code: 'product_not_detected' });
    expect(o.result).toMatchObject({ totalItems: 3, completedItems: 2, failedItems: 1 });
  });

  it('failed: the first item error is the job error', () => {
    expect(observation(parse(200, 'failed')).error).toEqual({ code: 'invalid_image', message: 'The image could not be decoded.' });
  });

  it('progress falls back to counting items when the counters are missing', () => {
    const body = fixture('aigenstudio', 'processing') as { job: Record<string, unknown> };
    delete body.job.completed_items;
    delete body.job.failed_items;
    expect(observation(aigenstudio.parseResponse(response(200, body), target(), NOW)).progress).toBe(33.33);
  });

  it.each([
    [401, 'unauthorized', 'invalid_api_key'],
    [404, 'not_found', 'does not exist'],
    [429, 'rate_limited', 'rate or concurrency'],
  ] as const)('error response %i -> %s', (status, kind, text) => {
    const f = failureOf(parse(status, `error-${status}`));
    expect(f.kind).toBe(kind);
    if (kind !== 'unauthorized') expect(f.message).toContain(text);
  });

  it('a body without `job` is malformed', () => {
    expect(failureOf(aigenstudio.parseResponse(response(200, { request_id: 'r' }), target(), NOW)).kind).toBe('malformed');
  });

  it('sends Bearer and X-Request-Id', () => {
    const req = aigenstudio.buildRequest(target({ externalId: 'j1', credentials: { apiKey: 'ags' }, requestId: 'job_01ABC' }), 'https://aigenstudio.app/api/v1');
    expect(req.url).toBe('https://aigenstudio.app/api/v1/product-photo-jobs/j1');
    expect(req.headers).toEqual({ accept: 'application/json', authorization: 'Bearer ags', 'x-request-id': 'job_01ABC' });
  });
});
