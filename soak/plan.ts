/** Which simulated jobs the soak registers: every scenario each provider can play that ends on its own. */
import { BUILTIN_PROVIDERS, type BuiltinProvider } from '../src/core/types.ts';
import { buildScript, type Scenario } from '../src/simulate/scenarios.ts';

/** Scenarios whose script ends in a terminal upstream status (the forever-failing ones take minutes by design). */
export const SOAK_SCENARIOS: readonly Scenario[] = [
  'success',
  'failure',
  'cancel',
  'partial',
  'aba',
  'flaky',
  'rate_limited',
  'malformed',
  'eta',
  'progress',
];

export function soakCombos(scenarios: readonly Scenario[] = SOAK_SCENARIOS): Array<{ provider: BuiltinProvider; scenario: Scenario }> {
  const combos: Array<{ provider: BuiltinProvider; scenario: Scenario }> = [];
  for (const scenario of scenarios) {
    for (const provider of BUILTIN_PROVIDERS) {
      try {
        buildScript(provider, scenario);
        combos.push({ provider, scenario });
      } catch {
        // this provider cannot play it (no canceled status, no progress...)
      }
    }
  }
  return combos;
}

/** Kill moments: `count` random times in [minMs, windowMs], at least `gapMs` apart, ascending. */
export function killTimes(count: number, minMs: number, windowMs: number, gapMs: number, random: () => number): number[] {
  const span = Math.max(0, windowMs - minMs - gapMs * Math.max(0, count - 1));
  const picks = Array.from({ length: count }, () => random() * span).sort((a, b) => a - b);
  return picks.map((p, i) => Math.round(minMs + p + i * gapMs));
}
