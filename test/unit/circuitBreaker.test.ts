import { describe, expect, it } from 'vitest';
import { CircuitBreakers, type Admission } from '../../src/core/circuitBreaker.ts';

const OPTIONS = { failureThreshold: 3, openMs: 1_000, maxOpenMs: 3_000, probeWaitMs: 100 };
/** An endpoint key (tenant + URL); the breaker treats keys as opaque. */
const A = 'tnt_a https://a.example/hooks';

type Step =
  | { fail: number }
  | { succeed: true }
  | { admit: number; expect: Admission }
  | { abandon: number }
  | { state: 'closed' | 'open' | 'half-open' };

function run(steps: Step[]): void {
  const c = new CircuitBreakers(OPTIONS);
  for (const [i, s] of steps.entries()) {
    if ('fail' in s) c.recordFailure(A, s.fail);
    else if ('succeed' in s) c.recordSuccess(A);
    else if ('abandon' in s) c.abandonProbe(A, s.abandon);
    else if ('admit' in s) expect(c.admit(A, s.admit), `step ${i}`).toEqual(s.expect);
    else expect(c.state(A), `step ${i}`).toBe(s.state);
  }
}

describe('CircuitBreakers', () => {
  it.each<{ name: string; steps: Step[] }>([
    { name: 'closed admits', steps: [{ admit: 0, expect: { ok: true, probe: false } }] },
    {
      name: 'below the threshold stays closed',
      steps: [{ fail: 0 }, { fail: 1 }, { state: 'closed' }, { admit: 2, expect: { ok: true, probe: false } }],
    },
    {
      name: 'a success resets the count',
      steps: [{ fail: 0 }, { fail: 1 }, { succeed: true }, { fail: 2 }, { fail: 3 }, { state: 'closed' }],
    },
    {
      name: 'threshold opens it; deferred until openUntil',
      steps: [{ fail: 0 }, { fail: 0 }, { fail: 10 }, { state: 'open' }, { admit: 500, expect: { ok: false, retryAt: 1_010 } }],
    },
    {
      name: 'after openUntil one probe goes, others wait',
      steps: [
        { fail: 0 }, { fail: 0 }, { fail: 0 },
        { admit: 1_000, expect: { ok: true, probe: true } },
        { state: 'half-open' },
        { admit: 1_001, expect: { ok: false, retryAt: 1_101 } },
      ],
    },
    {
      name: 'a successful probe closes it',
      steps: [{ fail: 0 }, { fail: 0 }, { fail: 0 }, { admit: 1_000, expect: { ok: true, probe: true } }, { succeed: true }, { state: 'closed' }],
    },
    {
      name: 'a failed probe reopens it for twice as long, capped',
      steps: [
        { fail: 0 }, { fail: 0 }, { fail: 0 },
        { admit: 1_000, expect: { ok: true, probe: true } },
        { fail: 1_000 },
        { admit: 2_999, expect: { ok: false, retryAt: 3_000 } },
        { admit: 3_000, expect: { ok: true, probe: true } },
        { fail: 3_000 },
        { admit: 3_001, expect: { ok: false, retryAt: 6_000 } },
        { admit: 6_000, expect: { ok: true, probe: true } },
        { fail: 6_000 },
        { admit: 6_001, expect: { ok: false, retryAt: 9_000 } },
      ],
    },
    {
      name: 'failures of sends from before it opened do not extend it',
      steps: [{ fail: 0 }, { fail: 0 }, { fail: 0 }, { fail: 900 }, { admit: 1_000, expect: { ok: true, probe: true } }],
    },
    {
      name: 'an abandoned probe lets the next delivery probe',
      steps: [
        { fail: 0 }, { fail: 0 }, { fail: 0 },
        { admit: 1_000, expect: { ok: true, probe: true } },
        { abandon: 1_050 },
        { admit: 1_050, expect: { ok: true, probe: true } },
      ],
    },
  ])('$name', ({ steps }) => run(steps));

  it('keeps endpoints apart', () => {
    const c = new CircuitBreakers(OPTIONS);
    for (let i = 0; i < 3; i++) c.recordFailure(A, 0);
    expect(c.admit('https://b.example', 1)).toEqual({ ok: true, probe: false });
  });
});

describe('CircuitBreakers.failing', () => {
  it('is true from the first failure until a success, whatever the state', () => {
    const c = new CircuitBreakers(OPTIONS);
    expect(c.failing(A)).toBe(false);
    c.recordFailure(A, 0);
    expect(c.failing(A)).toBe(true);
    c.recordFailure(A, 0);
    c.recordFailure(A, 0);
    expect(c.state(A)).toBe('open');
    expect(c.failing(A)).toBe(true);
    expect(c.admit(A, 1_000)).toEqual({ ok: true, probe: true });
    expect(c.failing(A)).toBe(true);
    c.recordSuccess(A);
    expect(c.failing(A)).toBe(false);
  });

  it('keeps endpoints of one host apart', () => {
    const c = new CircuitBreakers(OPTIONS);
    const failing = 'tnt_a https://hooks.example/fail';
    for (let i = 0; i < 3; i++) c.recordFailure(failing, 0);
    for (const other of ['tnt_a https://hooks.example/ok', 'tnt_b https://hooks.example/fail']) {
      expect(c.admit(other, 1)).toEqual({ ok: true, probe: false });
      expect(c.failing(other)).toBe(false);
    }
  });
});
