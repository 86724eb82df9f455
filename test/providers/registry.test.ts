import { describe, expect, it } from 'vitest';
import { createProviderRegistry } from '../../src/providers/registry.ts';
import { PROVIDER_NAMES } from '../../src/core/types.ts';

describe('provider registry', () => {
  it('knows every provider name, and nothing else', () => {
    const registry = createProviderRegistry({});
    expect(registry.list().map((p) => p.name).sort()).toEqual([...PROVIDER_NAMES].sort());
    expect(registry.get('fotolabs')?.name).toBe('fotolabs');
    expect(registry.get('nope')).toBeUndefined();
    expect(registry.get('toString')).toBeUndefined();
  });

  it.each([
    ['fotolabs', 'https://api.fotolabs.co'],
    ['pictory', 'https://api.pictory.ai'],
    ['topaz', 'https://api.topazlabs.com/image/v1'],
    ['magichour', 'https://api.magichour.ai'],
    ['aigenstudio', 'https://aigenstudio.app/api/v1'],
    ['http', null],
  ] as const)('%s defaults to %s', (name, url) => {
    expect(createProviderRegistry({}).baseUrl(name)).toBe(url);
  });

  it('an override replaces exactly that prefix', () => {
    const registry = createProviderRegistry({ fotolabs: 'https://api-staging.fotolabs.co/', topaz: 'http://127.0.0.1:4010/topaz' });
    expect(registry.baseUrl('fotolabs')).toBe('https://api-staging.fotolabs.co');
    expect(registry.get('fotolabs')!.buildRequest(
      { externalId: 'i', credentials: { apiKey: 'k' }, http: null, validators: {}, previousState: null, requestId: 'r' },
      registry.baseUrl('fotolabs')!,
    ).url).toBe('https://api-staging.fotolabs.co/v1/images/i');
    expect(registry.baseUrl('topaz')).toBe('http://127.0.0.1:4010/topaz');
    expect(registry.baseUrl('pictory')).toBe('https://api.pictory.ai');
  });

  it('state tables match the contract', () => {
    const states = Object.fromEntries(createProviderRegistry({}).list().filter((p) => p.name !== 'http').map((p) => [p.name, p.states]));
    expect(states).toEqual({
      fotolabs: { pending: ['pending'], running: ['processing'], succeeded: ['completed'], failed: ['failed'] },
      pictory: { running: ['in-progress'], succeeded: ['completed'], failed: ['failed'] },
      topaz: { pending: ['Pending'], running: ['Processing'], succeeded: ['Completed'], failed: ['Failed'], canceled: ['Cancelled'] },
      magichour: { pending: ['draft', 'queued'], running: ['rendering'], succeeded: ['complete'], failed: ['error'], canceled: ['canceled'] },
      aigenstudio: { pending: ['queued'], running: ['processing'], succeeded: ['completed', 'partially_completed'], failed: ['failed'], canceled: ['cancelled'] },
    });
  });

  it('documented polling defaults: pictory 10-30 s, fotolabs 60-120 s typical', () => {
    const registry = createProviderRegistry({});
    expect(registry.get('pictory')!.defaults).toMatchObject({ pollIntervalMs: 10_000, maxPollIntervalMs: 30_000 });
    expect(registry.get('fotolabs')!.defaults.typicalDurationMs).toEqual({ min: 60_000, max: 120_000 });
    for (const p of registry.list()) expect(p.defaults.pollIntervalMs).toBeLessThanOrEqual(p.defaults.maxPollIntervalMs);
  });
});
