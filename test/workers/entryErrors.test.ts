/**
 * The Worker entry answers a shard that broke mid-request (workerd gives the caller a bare
 * "internal error" when a Durable Object's storage commit fails under a full disk) as a storage
 * failure: 503 problem+json with Retry-After, never workerd's text 500. Other errors still
 * propagate (they are bugs to see, not to disguise).
 */
import { expect, it } from 'vitest';
import worker from '../../src/runtime/workers/index.ts';
import type { WorkersEnv } from '../../src/runtime/workers/env.ts';

const envWhoseShardThrows = (err: Error) =>
  ({
    POLLHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
    SHARDS: { idFromName: (name: string) => name, get: () => ({ fetch: () => Promise.reject(err) }) },
    DIRECTORY: { idFromName: (name: string) => name, get: () => ({ fetch: () => Promise.reject(err) }) },
  }) as unknown as WorkersEnv;

it.each(['internal error; reference = 9a8b7c6d', 'Durable Object reset because its code was updated.'])('a shard that broke with "%s": 503 problem+json with Retry-After', async (message) => {
  const res = await worker.fetch(new Request('http://pollhook.test/v1/jobs'), envWhoseShardThrows(new Error(message)));
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  expect((await res.json()).title).toBeTruthy();
});

it('any other error is not disguised', async () => {
  await expect(worker.fetch(new Request('http://pollhook.test/v1/jobs'), envWhoseShardThrows(new TypeError('x is not a function')))).rejects.toThrow('x is not a function');
});
