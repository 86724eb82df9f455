import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/core/clock.ts';
import { PROVIDER_NAMES } from '../../src/core/types.ts';
import { createMetrics } from '../../src/runtime/node/metrics.ts';
import { insertJob, insertTenant } from '../scheduler/harness.ts';
import { tempDb, testSecretBox, type TempDb } from '../helpers/db.ts';

let temp: TempDb | null = null;
afterEach(() => {
  temp?.cleanup();
  temp = null;
});

/** Every `pollhook_active_jobs` sample of a scrape, by provider. */
async function activeJobs(render: () => Promise<{ body: string }>): Promise<Record<string, number>> {
  const samples: Record<string, number> = {};
  for (const line of (await render()).body.split('\n')) {
    const m = /^pollhook_active_jobs\{provider="([^"]+)"\} (\S+)$/.exec(line);
    if (m) samples[m[1]!] = Number(m[2]);
  }
  return samples;
}

describe('pollhook_active_jobs', () => {
  it('exports 0 for every known provider when no job is active, then the counts', async () => {
    const clock = new ManualClock();
    temp = tempDb(clock.now());
    const metrics = createMetrics(temp.db, clock, { defaultMetrics: false });
    const zeros = Object.fromEntries(PROVIDER_NAMES.map((p) => [p, 0]));
    expect(await activeJobs(metrics.render)).toEqual(zeros);

    const box = testSecretBox();
    const tenantId = insertTenant(temp.db, clock.now());
    insertJob(temp.db, box, tenantId, { provider: 'topaz', externalId: 'a', apiKey: 'k' }, clock.now());
    insertJob(temp.db, box, tenantId, { provider: 'topaz', externalId: 'b', apiKey: 'k' }, clock.now());
    clock.advance(60_000); // past the gauge's cache
    expect(await activeJobs(metrics.render)).toEqual({ ...zeros, topaz: 2 });
  });
});
