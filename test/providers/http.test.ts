import { describe, expect, it } from 'vitest';
import { expandUrlTemplate, http } from '../../src/providers/http.ts';
import { isValidPointer, pointerProblem, resolvePointer } from '../../src/providers/jsonPointer.ts';
import type { HttpSpec } from '../../src/providers/types.ts';
import { failureOf, NOW, observation, response, target } from './helpers.ts';

describe('JSON Pointer (RFC 6901)', () => {
  // The RFC's own example document and table (section 5).
  const doc = { foo: ['bar', 'baz'], '': 0, 'a/b': 1, 'c%d': 2, 'e^f': 3, 'g|h': 4, 'i\\j': 5, 'k"l': 6, ' ': 7, 'm~n': 8 };
  it.each([
    ['', doc],
    ['/foo', ['bar', 'baz']],
    ['/foo/0', 'bar'],
    ['/', 0],
    ['/a~1b', 1],
    ['/c%d', 2],
    ['/e^f', 3],
    ['/g|h', 4],
    ['/i\\j', 5],
    ['/k"l', 6],
    ['/ ', 7],
    ['/m~0n', 8],
  ] as const)('%j resolves', (pointer, expected) => {
    expect(resolvePointer(doc, pointer)).toEqual(expected);
  });

  it.each([['/missing'], ['/foo/2'], ['/foo/01'], ['/foo/-'], ['/foo/0/deeper']])('%s is undefined', (pointer) => {
    expect(resolvePointer(doc, pointer)).toBeUndefined();
  });

  it.each([
    ['', true],
    ['/a', true],
    ['a', false],
    ['/a~2', false],
    ['/a~', false],
  ] as const)('isValidPointer(%j) = %s', (pointer, ok) => {
    expect(isValidPointer(pointer)).toBe(ok);
  });

  // Registration is stricter than reading: index-shaped segments that are no index are refused.
  it.each([
    ['', null],
    ['/', null],
    ['/items/0', null],
    ['/items/10/a~1b/~0', null],
    ['/items/-1', /segment 2 \("-1"\) is not an array index/],
    ['/items/-0', /not an array index/],
    ['/items/01', /no leading zeros \(write "1"\)/],
    ['/items/00', /no leading zeros \(write "0"\)/],
    ['/items/-', /after an array's last element/],
    ['/a~', /"~" not followed by 0 or 1/],
    ['/a/~2b', /segment 2 \("~2b"\) has a "~"/],
    ['data.status', /did you mean "\/data\/status"/],
    ['$.data.items[2]', /did you mean "\/data\/items\/2"/],
    ['#/data', /must be a JSON Pointer: "" or starting with "\/"$/],
    ['https://cdn.example.com/a.png', /not a URL/],
  ] as const)('pointerProblem(%j)', (pointer, expected) => {
    const problem = pointerProblem(pointer);
    if (expected === null) expect(problem).toBeNull();
    else expect(problem).toMatch(expected);
  });

  it('does not walk into the prototype', () => {
    expect(resolvePointer({}, '/constructor')).toBeUndefined();
    expect(resolvePointer({}, '/__proto__')).toBeUndefined();
  });
});

const spec: HttpSpec = {
  url: 'https://api.example.com/jobs/{externalId}?v=1',
  statusPath: '/data/status',
  states: { pending: ['queued'], running: ['working'], succeeded: ['done'], failed: ['error'], canceled: [] },
  progressPath: '/data/progress',
  resultUrlPaths: ['/data/url', '/data/extra'],
  errorMessagePath: '/data/error',
};
const httpTarget = (externalId = 'job 1/2') => target({ externalId, credentials: null, http: { spec, headers: { Authorization: 'Bearer t', 'X-Team': 'a' } } });
const parse = (body: unknown, status = 200) => http.parseResponse(response(status, body as object), httpTarget(), NOW);

describe('declarative http provider', () => {
  it('expands {externalId} URL-encoded and sends the job headers', () => {
    const req = http.buildRequest(httpTarget(), '');
    expect(req.url).toBe('https://api.example.com/jobs/job%201%2F2?v=1');
    expect(req.headers).toEqual({ accept: 'application/json', authorization: 'Bearer t', 'x-team': 'a' });
    expect(expandUrlTemplate('https://h/{externalId}/{externalId}', 'a')).toBe('https://h/a/a');
  });

  it.each([
    ['queued', 'pending'],
    ['working', 'running'],
    ['done', 'succeeded'],
    ['error', 'failed'],
    ['paused', null],
  ] as const)('status %s -> %s', (status, state) => {
    const o = observation(parse({ data: { status } }));
    expect(o.state).toBe(state);
    expect(o.upstreamStatus).toBe(status);
  });

  it('reads progress, result URLs (strings and arrays) and the error message', () => {
    const o = observation(parse({ data: { status: 'done', progress: 100, url: 'https://x/1.png', extra: ['https://x/2.png', 3] } }));
    expect(o.progress).toBe(100);
    expect(o.result).toEqual({ urls: ['https://x/1.png', 'https://x/2.png'] });
    const failed = observation(parse({ data: { status: 'error', error: 'out of memory' } }));
    expect(failed.error).toEqual({ code: 'upstream_failed', message: 'out of memory' });
  });

  it('progress is clamped to 0-100 and may be a numeric string', () => {
    expect(observation(parse({ data: { status: 'working', progress: 140 } })).progress).toBe(100);
    expect(observation(parse({ data: { status: 'working', progress: '42.5' } })).progress).toBe(42.5);
    expect(observation(parse({ data: { status: 'working', progress: 'half' } })).progress).toBeNull();
  });

  it('a numeric status is read as a string', () => {
    expect(observation(parse({ data: { status: 3 } })).upstreamStatus).toBe('3');
  });

  it('a missing status is malformed; non-2xx are classified like the others', () => {
    expect(failureOf(parse({ data: {} })).kind).toBe('malformed');
    expect(failureOf(http.parseResponse(response(200, 'not json'), httpTarget(), NOW)).kind).toBe('malformed');
    expect(failureOf(parse({}, 404)).kind).toBe('not_found');
    expect(failureOf(parse({}, 403)).kind).toBe('unauthorized');
    expect(failureOf(parse({}, 503)).kind).toBe('transient');
  });
});
