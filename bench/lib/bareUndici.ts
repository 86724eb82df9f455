/**
 * The baseline: bare undici (`undici.request` through an Agent with the same connection count)
 * doing the same requests at the same concurrency, with nothing else: no database, no signing.
 */
import { Agent, request } from 'undici';

export interface BareRequest {
  url: string;
  method: 'GET' | 'POST';
  body?: string;
  headers?: Record<string, string>;
}

/** Sends `count` requests, `concurrency` at a time; returns elapsed ms. Every answer must be 2xx. */
export async function runBare(count: number, concurrency: number, build: (i: number) => BareRequest): Promise<number> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 30_000, pipelining: 1 });
  let next = 0;
  let failures = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= count) return;
      const r = build(i);
      const res = await request(r.url, { dispatcher: agent, method: r.method, body: r.body, headers: r.headers });
      await res.body.text();
      if (res.statusCode < 200 || res.statusCode >= 300) failures++;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = performance.now() - started;
  await agent.close();
  if (failures > 0) throw new Error(`bare undici: ${failures} non-2xx answers`);
  return elapsed;
}
