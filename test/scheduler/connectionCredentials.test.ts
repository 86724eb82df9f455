import { afterEach, beforeEach, expect, it } from 'vitest';
import { createHarness, type Harness } from './harness.ts';
import { startApi } from '../http/harness.ts';
import { createApiKey } from '../../src/store/queries/apiKeys.ts';

let h: Harness;
let api: Awaited<ReturnType<typeof startApi>>;

beforeEach(async () => {
  h = await createHarness();
  api = await startApi({ db: h.db, box: h.box, clock: h.clock });
});
afterEach(async () => {
  await api.stop();
  await h.close();
});

it('credentials replaced with PATCH /v1/connections/{id} are the ones the next poll sends', async () => {
  const key = createApiKey(h.db, h.tenantId, 'test', h.clock.now()).key;
  const create = await api.fetch('/v1/connections', {
    method: 'POST',
    key,
    json: { provider: 'pictory', credentials: { apiKey: 'pictai_revoked_key' } },
  });
  const conn = (await create.json()) as { id: string };
  const { jobId, simId, expected } = h.addSimJob('pictory', 'success', { apiKey: null, connectionId: conn.id, simApiKey: 'pictai_new_key' });

  await h.scheduler.runOnce();
  expect(h.job(jobId).unauthorized_count).toBe(1);
  const sent = () => h.sim.requests.filter((r) => r.id === simId).map((r) => JSON.stringify(r.headers));
  expect(sent().at(-1)).toContain('pictai_revoked_key');

  const patch = await api.fetch(`/v1/connections/${conn.id}`, { method: 'PATCH', key, json: { credentials: { apiKey: 'pictai_new_key' } } });
  expect(patch.status).toBe(200);
  const polledBefore = sent().length;
  await h.drive();

  const after = sent().slice(polledBefore);
  expect(after.length).toBeGreaterThan(0);
  expect(after.every((headers) => headers.includes('pictai_new_key') && !headers.includes('pictai_revoked_key'))).toBe(true);
  expect(h.job(jobId).state).toBe(expected.finalState);
  expect(h.events(jobId).map((e) => JSON.parse(e.body).data.upstreamStatus)).toEqual(expected.upstreamStatuses);
});
