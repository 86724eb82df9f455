/**
 * What a job's API view says about failed polls, after real polls of the simulator: every failed
 * poll counts in `polls.consecutiveFailures` until an answer that is not a failure, and the
 * error a refused credential ends the job with names the HTTP status once.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { presentJob } from '../../src/http/present.ts';
import { bodies, createHarness, type Harness } from './harness.ts';

let h: Harness;
beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await h.close();
});

const view = (jobId: string) => presentJob(h.job(jobId), h.box);

describe('polls.consecutiveFailures', () => {
  it('counts both refused polls of an unauthorized job, like failures', async () => {
    const { jobId } = h.addSimJob('pictory', 'unauthorized');
    await h.drive(() => h.job(jobId).poll_count === 1);
    expect(view(jobId).polls).toMatchObject({ count: 1, failures: 1, consecutiveFailures: 1 });
    await h.drive();
    expect(view(jobId).polls).toMatchObject({ count: 2, failures: 2, consecutiveFailures: 2 });
    expect(view(jobId).state).toBe('failed');
  });

  it('counts the not-found answers of a job the upstream does not know', async () => {
    const { jobId } = h.addSimJob('fotolabs', 'not_found');
    await h.drive();
    expect(view(jobId).polls).toMatchObject({ count: 3, failures: 3, consecutiveFailures: 3 });
  });

  it('counts transient failures in a row, and an answer starts the count again', async () => {
    const { jobId } = h.addSimJob('pictory', 'flaky');
    await h.drive(() => h.job(jobId).failure_count === 2);
    expect(view(jobId).polls).toMatchObject({ failures: 2, consecutiveFailures: 2 });
    await h.drive();
    expect(view(jobId).polls).toMatchObject({ failures: 3, consecutiveFailures: 0 });
    expect(view(jobId).state).toBe('succeeded');
  });
});

describe('the error of a job whose credentials are refused', () => {
  it('names the HTTP status once', async () => {
    const { jobId } = h.addSimJob('fotolabs', 'unauthorized');
    await h.drive();
    const expected = { code: 'upstream_unauthorized', message: 'credentials rejected (HTTP 401): Invalid or missing API key' };
    expect(view(jobId).error).toEqual(expected);
    expect(bodies(h.events(jobId)).at(-1)!.data.error).toEqual(expected);
    expect(JSON.parse(h.job(jobId).last_failure!)).toMatchObject({ kind: 'unauthorized', status: 401 });
  });
});
