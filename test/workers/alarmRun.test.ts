/**
 * One alarm's run of the engines (src/runtime/workers/alarmRun.ts), with two small engines: one
 * whose send is held until the test lets it go, one with work falling due. The held send does
 * not stop the other engine's steps, and the run ends only once both are idle.
 */
import { describe, expect, it } from 'vitest';
import { AlarmRun, type AlarmEngine } from '../../src/runtime/workers/alarmRun.ts';
import type { StepResult } from '../../src/core/step.ts';

/** An engine with one send out until `release()`; its first step starts the send. */
function heldSend(): AlarmEngine & { release(): void; steps: number } {
  let release = () => {};
  const out = new Promise<void>((r) => (release = r));
  const engine = {
    steps: 0,
    release: () => release(),
    async runOnce(): Promise<StepResult> {
      engine.steps++;
      return { nextDueAt: null, more: false };
    },
    idle: () => out,
  };
  return engine;
}

/** An engine with nothing out whose next work is always due 10 ms later; `onStep(n)` after each step. */
function dueSoon(onStep: (n: number) => void): AlarmEngine & { steps: number } {
  const engine = {
    steps: 0,
    async runOnce(): Promise<StepResult> {
      onStep(++engine.steps);
      return { nextDueAt: Date.now() + 10, more: false };
    },
    idle: () => Promise.resolve(),
  };
  return engine;
}

describe('an alarm run', () => {
  it('keeps stepping while a send is out, and ends once everything is idle with nothing due', async () => {
    const held = heldSend();
    let third = () => {};
    const thirdStep = new Promise<void>((r) => (third = r));
    const other = dueSoon((n) => n === 3 && third());
    let finished = false;
    const run = new AlarmRun().run([other, held], { stopAt: Date.now() + 60_000, nextDue: () => null }).then(() => void (finished = true));

    // The held send has not answered, and the other engine has stepped three times meanwhile.
    await thirdStep;
    expect(finished).toBe(false);
    held.release();
    await run;
    expect(held.steps).toBeGreaterThanOrEqual(3);
  });

  it('after its budget, waits for the send that is out and ends', async () => {
    const held = heldSend();
    let finished = false;
    const run = new AlarmRun().run([held], { stopAt: Date.now() - 1, nextDue: () => Date.now() }).then(() => void (finished = true));
    await new Promise((r) => setImmediate(r));
    expect([finished, held.steps]).toEqual([false, 1]);
    held.release();
    await run;
    expect(held.steps).toBe(1);
  });
});
