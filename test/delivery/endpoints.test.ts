import { describe, expect, it } from 'vitest';
import { EndpointLoads, SLOW_AFTER_MS, endpointOf } from '../../src/delivery/endpoints.ts';

const HOST = 'https://hooks.example';
const A = endpointOf('tnt_a', `${HOST}/a`);
const B = endpointOf('tnt_a', `${HOST}/b`);
const A_OTHER_TENANT = endpointOf('tnt_b', `${HOST}/a`);

describe('endpointOf', () => {
  it('is tenant + exact URL', () => {
    expect(new Set([A, B, A_OTHER_TENANT, endpointOf('tnt_a', `${HOST}/a?x=1`)]).size).toBe(4);
    expect(endpointOf('tnt_a', `${HOST}/a`)).toBe(A);
  });
});

describe('EndpointLoads', () => {
  it('an endpoint is unproven until a send is answered well within SLOW_AFTER_MS', () => {
    const l = new EndpointLoads();
    expect(l.unproven(A)).toBe(true);
    l.started(A, HOST, 0);
    expect(l.sending(A)).toBe(1);
    l.finished(A, 5, 5, false);
    expect(l.unproven(A)).toBe(false);
    // A failure, or a slow good answer, takes it back to one send at a time.
    l.started(A, HOST, 10);
    l.finished(A, 15, 5, true);
    expect(l.unproven(A)).toBe(true);
    l.started(A, HOST, 20);
    l.finished(A, 20 + SLOW_AFTER_MS + 1, SLOW_AFTER_MS + 1, false);
    expect(l.unproven(A)).toBe(true);
    expect(l.slow(A, 5_000)).toBe(true);
  });

  it('is slow when its sends have been out over SLOW_AFTER_MS with none finishing', () => {
    const l = new EndpointLoads();
    l.started(A, HOST, 0);
    l.started(A, HOST, 500);
    expect(l.slow(A, SLOW_AFTER_MS)).toBe(false);
    expect(l.slow(A, SLOW_AFTER_MS + 1)).toBe(true);
    // One finishing quickly resets the clock for the one still out.
    l.finished(A, SLOW_AFTER_MS + 2, 10, false);
    expect(l.slow(A, SLOW_AFTER_MS + 3)).toBe(false);
    expect(l.slow(A, 2 * SLOW_AFTER_MS + 3)).toBe(true);
  });

  it('counts the sends out at one host to the endpoints selected', () => {
    const l = new EndpointLoads();
    l.started(A, HOST, 0);
    l.started(A, HOST, 0);
    l.started(B, HOST, 0);
    l.started(endpointOf('tnt_a', 'https://other.example/a'), 'https://other.example', 0);
    expect(l.sendingAt(HOST, () => true)).toBe(3);
    expect(l.sendingAt(HOST, (e) => e === A)).toBe(2);
    l.finished(A, 1, 1, false);
    l.finished(A, 1, 1, false);
    expect(l.sendingAt(HOST, () => true)).toBe(1);
  });
});
