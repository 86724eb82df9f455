import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

describe('pollhook demo', () => {
  it('runs the whole flow, prints a timeline and a summary, and exits 0 with every webhook verified', async () => {
    const r = await runCli(['demo'], {}, 60_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const kind of ['register', 'poll', 'event', 'attempt', 'verified']) expect(r.stdout).toMatch(new RegExp(`s  ${kind} `));
    expect(r.stdout).toMatch(/receiver answers 500 \(simulated outage\)/);
    expect(r.stdout).toMatch(/pictory\s+failure\s+failed/);
    expect(r.stdout).toMatch(/0 rejected/);
    expect(r.stdout).toMatch(/Every status change reached the receiver, signed and in order\./);
  }, 70_000);
});
