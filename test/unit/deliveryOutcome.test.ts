import { describe, expect, it } from 'vitest';
import { classifyAttempt, nextDeliveryState, type AttemptResult, type Verdict } from '../../src/core/deliveryOutcome.ts';

const response = (status: number, retryAfterMs: number | null = null, location: string | null = null): AttemptResult => ({
  kind: 'response',
  status,
  retryAfterMs,
  location,
});

describe('classifyAttempt', () => {
  it.each<{ name: string; result: AttemptResult; expected: Partial<Verdict> & { kind: Verdict['kind'] } }>([
    { name: '200', result: response(200), expected: { kind: 'delivered' } },
    { name: '204', result: response(204), expected: { kind: 'delivered' } },
    { name: '299', result: response(299), expected: { kind: 'delivered' } },
    { name: '410', result: response(410), expected: { kind: 'gone', error: 'receiver answered 410 Gone' } },
    {
      name: '302 is a failure',
      result: response(302, null, '/elsewhere'),
      expected: { kind: 'retry', error: 'redirect (HTTP 302 to /elsewhere) not followed', endpointFailure: false, retryAfterMs: null },
    },
    { name: '400', result: response(400), expected: { kind: 'retry', error: 'HTTP 400', endpointFailure: false } },
    { name: '404', result: response(404), expected: { kind: 'retry', error: 'HTTP 404', endpointFailure: false } },
    { name: '429 keeps Retry-After', result: response(429, 7_000), expected: { kind: 'retry', retryAfterMs: 7_000, endpointFailure: false } },
    { name: '503 keeps Retry-After', result: response(503, 7_000), expected: { kind: 'retry', retryAfterMs: 7_000, endpointFailure: true } },
    { name: '500 ignores Retry-After', result: response(500, 7_000), expected: { kind: 'retry', retryAfterMs: null, endpointFailure: true } },
    {
      name: 'timeout',
      result: { kind: 'error', code: 'timeout', message: 'timed out' },
      expected: { kind: 'retry', error: 'timed out', endpointFailure: true },
    },
    {
      name: 'reset',
      result: { kind: 'error', code: 'reset', message: 'connection reset' },
      expected: { kind: 'retry', error: 'connection reset', endpointFailure: true },
    },
    {
      name: 'connect',
      result: { kind: 'error', code: 'connect', message: 'ECONNREFUSED: x' },
      expected: { kind: 'retry', error: 'connection failed: ECONNREFUSED: x', endpointFailure: true },
    },
    {
      name: 'SSRF guard',
      result: { kind: 'error', code: 'blocked', message: 'connection to a.test refused: 127.0.0.1 is a loopback address' },
      expected: {
        kind: 'retry',
        error: 'SSRF guard refused the connection: connection to a.test refused: 127.0.0.1 is a loopback address',
      },
    },
  ])('$name', ({ result, expected }) => {
    expect(classifyAttempt(result)).toMatchObject(expected);
  });
});

describe('nextDeliveryState', () => {
  const NOW = 1_000_000;
  const schedule = [5_000, 60_000];
  const retry = (retryAfterMs: number | null = null): Verdict => ({ kind: 'retry', error: 'HTTP 500', retryAfterMs, endpointFailure: true });

  it.each<{ name: string; verdict: Verdict; attemptCount: number; retryBase: number; expected: object }>([
    { name: 'delivered', verdict: { kind: 'delivered' }, attemptCount: 0, retryBase: 0, expected: { status: 'delivered', nextAttemptAt: null, finished: true } },
    { name: 'gone cancels', verdict: { kind: 'gone', error: 'x' }, attemptCount: 0, retryBase: 0, expected: { status: 'canceled', nextAttemptAt: null, finished: true } },
    { name: 'first failure', verdict: retry(), attemptCount: 0, retryBase: 0, expected: { status: 'failed', nextAttemptAt: NOW + 5_000, finished: false } },
    { name: 'second failure', verdict: retry(), attemptCount: 1, retryBase: 0, expected: { status: 'failed', nextAttemptAt: NOW + 60_000 } },
    { name: 'last failure is dead', verdict: retry(), attemptCount: 2, retryBase: 0, expected: { status: 'dead', nextAttemptAt: null, finished: true } },
    { name: 'after a replay the schedule restarts', verdict: retry(), attemptCount: 3, retryBase: 3, expected: { status: 'failed', nextAttemptAt: NOW + 5_000 } },
    { name: 'replayed and failing again dies', verdict: retry(), attemptCount: 5, retryBase: 3, expected: { status: 'dead' } },
    { name: 'Retry-After within bounds', verdict: retry(8_000), attemptCount: 0, retryBase: 0, expected: { nextAttemptAt: NOW + 8_000 } },
    { name: 'Retry-After clamped to twice', verdict: retry(3_600_000), attemptCount: 0, retryBase: 0, expected: { nextAttemptAt: NOW + 10_000 } },
    { name: 'Retry-After never sooner', verdict: retry(1), attemptCount: 0, retryBase: 0, expected: { nextAttemptAt: NOW + 5_000 } },
    { name: 'Retry-After cannot revive an exhausted schedule', verdict: retry(1_000), attemptCount: 2, retryBase: 0, expected: { status: 'dead' } },
  ])('$name', ({ verdict, attemptCount, retryBase, expected }) => {
    expect(nextDeliveryState(verdict, { attemptCount, retryBase }, schedule, () => 0.5, NOW)).toMatchObject(expected);
  });
});
