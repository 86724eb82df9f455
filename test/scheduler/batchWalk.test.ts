import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bodies, createHarness, insertJob, insertTenant, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const statusesOf = (jobId: string) => bodies(h.events(jobId)).map((b) => b.data.upstreamStatus);
const topazRequests = () => h.sim.requests.filter((r) => r.provider === 'topaz');
const listRequests = () => topazRequests().filter((r) => r.path.endsWith('/status'));

describe('topaz: one walk per key updates every job of the key it sees', () => {
  it('40 jobs on one key finish with every status seen, for fewer requests than jobs', async () => {
    // Phases of 20 s: longer than the key's walk interval, so no status can slip between walks.
    const jobs = Array.from({ length: 40 }, () => h.addSimJob('topaz', 'success', { stepMs: 20_000 }));
    await h.drive();
    for (const j of jobs) {
      expect(statusesOf(j.jobId)).toEqual(j.expected.upstreamStatuses);
      expect(h.job(j.jobId).finished_at).not.toBeNull();
    }
    // One request per job and status would be >= 40 x 3.
    expect(topazRequests().length).toBeLessThan(jobs.length);
    expect(listRequests().length).toBeGreaterThan(0);
  });

  it('later walks start at the page of the oldest running job, skipping finished history', async () => {
    const apiKey = 'tz_history_key';
    // 250 statuses that finished before any job was registered: the list keeps them, oldest first.
    for (let i = 0; i < 250; i++) h.sim.createJob({ provider: 'topaz', scenario: 'success', apiKey, stepMs: 1 });
    h.clock.advance(60_000);
    const jobs = Array.from({ length: 5 }, () => h.addSimJob('topaz', 'success', { stepMs: 20_000, simApiKey: apiKey }));
    await h.drive();
    for (const j of jobs) expect(statusesOf(j.jobId)).toEqual(j.expected.upstreamStatuses);
    const walked = listRequests().filter((r) => r.headers['x-api-key'] === apiKey).map((r) => r.query.cursor ?? null);
    // The first walk reads the whole list (3 pages); every later one starts at the last page,
    // where the running jobs are, with the cursor the upstream gave for it.
    expect(walked.slice(0, 3).filter((c) => c == null)).toHaveLength(1);
    const later = walked.slice(3);
    expect(later.length).toBeGreaterThan(0);
    expect(later.every((c) => c != null && c === walked[2])).toBe(true);
  });

  it("a walk updates its tenant's jobs on the key that are not due, never another tenant's", async () => {
    const far = h.clock.now() + 3_600_000;
    const mine = Array.from({ length: 3 }, () => h.addSimJob('topaz', 'success', { stepMs: 20_000 }));
    const notDue = h.addSimJob('topaz', 'success', { stepMs: 20_000 });
    const other = h.sim.createJob({ provider: 'topaz', scenario: 'success', stepMs: 20_000 });
    const otherJob = insertJob(h.db, h.box, insertTenant(h.db, h.clock.now()), { provider: 'topaz', externalId: other.id, apiKey: other.apiKey }, h.clock.now());
    h.db.prepare('UPDATE jobs SET next_poll_at = ? WHERE id IN (?, ?)').run(far, notDue.jobId, otherJob);
    await h.drive(() => mine.every((j) => h.job(j.jobId).finished_at != null));
    for (const j of mine) expect(statusesOf(j.jobId)).toEqual(j.expected.upstreamStatuses);
    expect(statusesOf(notDue.jobId)).toEqual(notDue.expected.upstreamStatuses);
    expect(h.job(otherJob).poll_count).toBe(0);
    expect(h.sim.requests.filter((r) => r.id != null)).toHaveLength(0);
  });
});
