import { readFileSync } from 'node:fs';
import type { Observation, PollOutcome } from '../../src/core/types.ts';
import type { PollTarget, UpstreamResponse } from '../../src/providers/types.ts';

const FIXTURES = new URL('../fixtures/upstream/', import.meta.url);

/** A documented example body, as text (what the upstream sends). */
export const fixtureText = (provider: string, name: string): string =>
  readFileSync(new URL(`${provider}/${name}.json`, FIXTURES), 'utf8');

export const fixture = (provider: string, name: string): unknown => JSON.parse(fixtureText(provider, name));

export const response = (status: number, body: string | object, headers: Record<string, string> = {}): UpstreamResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
  truncated: false,
});

export const target = (overrides: Partial<PollTarget> = {}): PollTarget => ({
  externalId: 'f3e088d1-33a5-4227-a2f6-c4f75617f847',
  credentials: { apiKey: 'key_123' },
  http: null,
  validators: {},
  previousState: null,
  requestId: 'req_test_1',
  ...overrides,
});

export const NOW = Date.UTC(2026, 10, 22, 17, 0, 0);

export function observation(outcome: PollOutcome): Observation {
  if (outcome.kind !== 'observed') throw new Error(`expected an observation, got ${JSON.stringify(outcome)}`);
  return outcome.observation;
}

export function failureOf(outcome: PollOutcome) {
  if (outcome.kind !== 'failure') throw new Error(`expected a failure, got ${JSON.stringify(outcome)}`);
  return outcome.failure;
}
