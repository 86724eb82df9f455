import { describe, expect, it } from 'vitest';
import { pictory } from '../../src/providers/pictory.ts';
import { failureOf, fixture, fixtureText, NOW, observation, response, target } from './helpers.ts';

const parse = (status: number, name: string) => pictory.parseResponse(response(status, fixtureText('pictory', name)), target(), NOW);

describe('pictory contract (documented examples)', () => {
  it('In Progress -> running', () => {
    const o = observation(parse(200, 'in-progress'));
    expect(o).toMatchObject({ state: 'running', upstreamStatus: 'in-progress', result: null, error: null, progress: null });
    expect(o.raw).toEqual(fixture('pictory', 'in-progress'));
  });

  it('Completed -> succeeded with data.url and the image details', () => {
    const o = observation(parse(200, 'completed'));
    expect(o.state).toBe('succeeded');
    expect(o.result).toEqual({
      urls: ['https://example.cloudfront.net/images/user/a1b2c3d4-e5f6-7890-abcd-ef1234567890/f8e7d6c5-b4a3-2190-fedc-ba0987654321.png'],
      width: 1280,
      height: 720,
      aiCreditsUsed: 2,
    });
    expect(o.error).toBeNull();
  });

  it('Failed is HTTP 200 with success:false and a status -> failed with its error code and message', () => {
    const o = observation(parse(200, 'failed'));
    expect(o.state).toBe('failed');
    expect(o.upstreamStatus).toBe('failed');
    expect(o.error).toEqual({ code: '5001', message: 'Image generation failed due to an internal error.' });
  });

  it('success:false with any status is a failure (the contract)', () => {
    const body = { job_id: 'x', success: false, data: { status: 'in-progress', error_code: '5002', error_message: 'boom' } };
    const o = observation(pictory.parseResponse(response(200, body), target(), NOW));
    expect(o.state).toBe('failed');
    expect(o.upstreamStatus).toBe('in-progress');
    expect(o.error).toEqual({ code: '5002', message: 'boom' });
  });

  it('Invalid Job ID (HTTP 200, success:false, 5000 JOB_NOT_FOUND, no status) -> not_found', () => {
    const f = failureOf(parse(200, 'invalid-job-id'));
    expect(f.kind).toBe('not_found');
    expect(f.message).toContain('JOB_NOT_FOUND');
  });

  it('either marker alone is enough for not_found', () => {
    for (const data of [{ error_code: '5000' }, { error_message: 'JOB_NOT_FOUND' }, { error_code: 5000 }]) {
      expect(failureOf(pictory.parseResponse(response(200, { success: false, data }), target(), NOW)).kind).toBe('not_found');
    }
  });

  it('success:false with another code and no status is transient, not a job state', () => {
    const f = failureOf(pictory.parseResponse(response(200, { success: false, data: { error_code: '4001', error_message: 'busy' } }), target(), NOW));
    expect(f.kind).toBe('transient');
  });

  it.each([
    [401, 'unauthorized'],
    [404, 'not_found'],
    [500, 'transient'],
  ] as const)('HTTP %i -> %s', (status, kind) => {
    const body = status === 401 ? fixtureText('pictory', 'error-401') : '{}';
    expect(failureOf(pictory.parseResponse(response(status, body), target(), NOW)).kind).toBe(kind);
  });

  it('an unknown status (pictory has no pending word) keeps the state null', () => {
    const o = observation(pictory.parseResponse(response(200, { job_id: 'x', success: true, data: { status: 'queued' } }), target(), NOW));
    expect(o.state).toBeNull();
    expect(o.upstreamStatus).toBe('queued');
  });

  it('sends the raw key in Authorization (no Bearer)', () => {
    const req = pictory.buildRequest(target({ externalId: '4d82d040', credentials: { apiKey: 'pictai_k' } }), 'https://api.pictory.ai');
    expect(req.url).toBe('https://api.pictory.ai/pictoryapis/v1/jobs/4d82d040');
    expect(req.headers).toEqual({ accept: 'application/json', authorization: 'pictai_k' });
  });
});
