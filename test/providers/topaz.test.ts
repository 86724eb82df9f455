import { describe, expect, it } from 'vitest';
import { topaz } from '../../src/providers/topaz.ts';
import { failureOf, fixture, fixtureText, NOW, observation, response, target } from './helpers.ts';

const parse = (status: number, name: string, headers: Record<string, string> = {}) =>
  topaz.parseResponse(response(status, fixtureText('topaz', name), headers), target(), NOW);

describe('topaz contract (documented schema)', () => {
  it.each([
    ['status-pending', 'pending', 'Pending', 0],
    ['status-processing', 'running', 'Processing', 42],
    ['status-completed', 'succeeded', 'Completed', 100],
    ['status-failed', 'failed', 'Failed', 37],
    ['status-cancelled', 'canceled', 'Cancelled', 10],
  ] as const)('%s -> %s, progress from `progress`', (name, state, upstreamStatus, progress) => {
    const o = observation(parse(200, name));
    expect(o.state).toBe(state);
    expect(o.upstreamStatus).toBe(upstreamStatus);
    expect(o.progress).toBe(progress);
    expect(o.raw).toEqual(fixture('topaz', name));
  });

  it('eta is unix SECONDS and becomes epoch ms', () => {
    expect(observation(parse(200, 'status-processing')).etaAt).toBe(1778349700 * 1000);
  });

  it.each([1778349700 * 1000, 1e15, 1e300])('an eta that is not unix seconds (%d) is ignored, not a date in the year 58897 or an invalid one', (eta) => {
    const body = { ...(fixture('topaz', 'status-processing') as Record<string, unknown>), eta };
    const o = observation(topaz.parseResponse(response(200, JSON.stringify(body)), target(), NOW));
    expect(o.etaAt).toBeNull();
    expect(o.state).toBe('running');
  });

  it('Completed keeps the output details; there is no URL in a status', () => {
    expect(observation(parse(200, 'status-completed')).result).toEqual({
      urls: [],
      outputFormat: 'jpeg',
      outputWidth: 3072,
      outputHeight: 4096,
      credits: 1,
    });
  });

  it('Failed has an error', () => {
    expect(observation(parse(200, 'status-failed')).error).toEqual({ code: 'upstream_failed', message: 'topaz reported the job as failed' });
  });

  it('statuses are case-sensitive: lower-case is unknown', () => {
    const body = { ...(fixture('topaz', 'status-processing') as object), status: 'processing' };
    const o = observation(topaz.parseResponse(response(200, body), target(), NOW));
    expect(o.state).toBeNull();
    expect(o.upstreamStatus).toBe('processing');
  });

  it.each([
    [400, 'transient'],
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [404, 'not_found'],
    [429, 'rate_limited'],
    [500, 'transient'],
  ] as const)('documented error %i -> %s', (status, kind) => {
    const f = failureOf(parse(status, `error-${status}`));
    expect(f.kind).toBe(kind);
    expect(f.status).toBe(status);
  });

  it('429 with Retry-After seconds', () => {
    expect(failureOf(parse(429, 'error-429', { 'retry-after': '7' })).retryAfterMs).toBe(7000);
  });

  it('sends X-API-Key', () => {
    const req = topaz.buildRequest(target({ externalId: 'p 1', credentials: { apiKey: 'tz' } }), 'https://api.topazlabs.com/image/v1');
    expect(req.url).toBe('https://api.topazlabs.com/image/v1/status/p%201');
    expect(req.headers).toEqual({ accept: 'application/json', 'x-api-key': 'tz' });
  });

  describe('batch list', () => {
    const batch = topaz.batch!;
    it('asks for paginated pages of 100 with the cursor', () => {
      expect(batch.buildPageRequest({ apiKey: 'tz' }, 'https://h/image/v1', null).url).toBe('https://h/image/v1/status?paginated=true&limit=100');
      const req = batch.buildPageRequest({ apiKey: 'tz' }, 'https://h/image/v1', 'c/2');
      expect(req.url).toBe('https://h/image/v1/status?paginated=true&limit=100&cursor=c%2F2');
      expect(req.headers['x-api-key']).toBe('tz');
    });

    it('reads a page and its next cursor; the last page has none', () => {
      const first = batch.parsePage(response(200, fixtureText('topaz', 'list-page-1')), NOW);
      if (first.kind !== 'page') throw new Error('expected a page');
      expect(first.nextCursor).toBe('c2');
      expect(first.items.map((i) => i.externalId)).toEqual(['p-1', 'p-2']);
      expect(observation(first.items[1]!.outcome)).toMatchObject({ state: 'running', progress: 50 });
      const last = batch.parsePage(response(200, fixtureText('topaz', 'list-page-last')), NOW);
      expect(last.kind === 'page' && last.nextCursor).toBeNull();
    });

    it('a failed page is a failure', () => {
      const page = batch.parsePage(response(401, fixtureText('topaz', 'error-401')), NOW);
      expect(page.kind === 'failure' && page.outcome.failure.kind).toBe('unauthorized');
      const bad = batch.parsePage(response(200, '[]'), NOW);
      expect(bad.kind === 'failure' && bad.outcome.failure.kind).toBe('malformed');
    });
  });
});
