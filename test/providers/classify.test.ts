import { describe, expect, it } from 'vitest';
import { classifyHttpStatus, mapState, readJson } from '../../src/providers/common.ts';
import { NOW, response } from './helpers.ts';

describe('classifyHttpStatus', () => {
  it.each([
    [200, null],
    [204, null],
    [301, 'transient'],
    [400, 'transient'],
    [401, 'unauthorized'],
    [402, 'payment_required'],
    [403, 'unauthorized'],
    [404, 'not_found'],
    [409, 'transient'],
    [410, 'not_found'],
    [429, 'rate_limited'],
    [500, 'transient'],
    [502, 'transient'],
    [503, 'transient'],
  ] as const)('HTTP %i -> %s', (status, kind) => {
    const out = classifyHttpStatus(response(status, {}), NOW);
    expect(out?.failure.kind ?? null).toBe(kind);
    if (out) expect(out.failure.status).toBe(status);
  });

  it.each([
    ['5', 5000],
    ['0', 0],
    ['1.5', 1500],
    [new Date(NOW + 30_000).toUTCString(), 30_000],
    [new Date(NOW - 30_000).toUTCString(), 0],
  ] as const)('429 Retry-After %j -> %i ms', (value, ms) => {
    expect(classifyHttpStatus(response(429, {}, { 'retry-after': value }), NOW)?.failure.retryAfterMs).toBe(ms);
  });

  it('429 without (or with an unreadable) Retry-After has no delay', () => {
    expect(classifyHttpStatus(response(429, {}), NOW)?.failure).not.toHaveProperty('retryAfterMs');
    expect(classifyHttpStatus(response(429, {}, { 'retry-after': 'soon' }), NOW)?.failure).not.toHaveProperty('retryAfterMs');
  });

  it('503 with Retry-After keeps the hint', () => {
    expect(classifyHttpStatus(response(503, {}, { 'retry-after': '2' }), NOW)?.failure).toMatchObject({ kind: 'transient', retryAfterMs: 2000 });
  });

  it('the message carries the upstream error text', () => {
    expect(classifyHttpStatus(response(404, { error: { code: 'x', message: 'no such job' } }), NOW)?.failure.message).toContain('no such job');
  });
});

describe('readJson', () => {
  it.each([
    ['<html>502</html>', 'malformed'],
    ['', 'malformed'],
    ['{"a": ', 'malformed'],
  ])('%j -> %s', (body, kind) => {
    const r = readJson(response(200, body), NOW);
    expect(r.ok ? null : r.outcome.failure.kind).toBe(kind);
  });

  it('a truncated body is malformed even when it parses', () => {
    const r = readJson({ ...response(200, '{}'), truncated: true }, NOW);
    expect(r.ok ? null : r.outcome.failure.kind).toBe('malformed');
  });
});

describe('mapState', () => {
  const table = { pending: ['draft', 'queued'], succeeded: ['complete'] } as const;
  it.each([
    ['draft', 'pending'],
    ['queued', 'pending'],
    ['complete', 'succeeded'],
    ['Complete', null],
    ['', null],
  ] as const)('%j -> %s', (status, state) => {
    expect(mapState(table, status)).toBe(state);
  });
});
