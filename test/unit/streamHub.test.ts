import { expect, it } from 'vitest';
import { StreamHub } from '../../src/http/streamHub.ts';

const tick = () => new Promise<void>((r) => queueMicrotask(r));

function connection(followsOutcomes?: boolean) {
  const c = { wakes: 0, followsOutcomes, wake: () => void c.wakes++, close: () => {} };
  return c;
}

it('events wake every connection once per tick; delivery outcomes wake only those that follow them', async () => {
  const hub = new StreamHub();
  const feed = connection();
  const dashboard = connection(true);
  hub.join('ten_a', feed);
  hub.join('ui:ten_a', dashboard, 20);

  hub.notifyOutcomes();
  hub.notifyOutcomes();
  await tick();
  expect([feed.wakes, dashboard.wakes]).toEqual([0, 1]);

  // Outcomes then events in the same tick: everyone, once.
  hub.notifyOutcomes();
  hub.notify();
  hub.notify();
  await tick();
  expect([feed.wakes, dashboard.wakes]).toEqual([1, 2]);
  hub.close();
});

it('a key joined with its own limit does not count against the tenant\'s streams', () => {
  const hub = new StreamHub({ maxPerTenant: 1 });
  expect(hub.join('ten_a', connection()).ok).toBe(true);
  expect(hub.join('ten_a', connection()).ok).toBe(false);
  expect(hub.join('ui:ten_a', connection(true), 2).ok).toBe(true);
  expect(hub.join('ui:ten_a', connection(true), 2).ok).toBe(true);
  expect(hub.join('ui:ten_a', connection(true), 2)).toEqual({ ok: false, reason: 'full' });
  hub.close();
});
