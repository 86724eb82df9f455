/** The store's query tests on both drivers: better-sqlite3 here, Durable Object SQLite in workerd. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDb, testSecretBox } from '../helpers/db.ts';
import { NOW, STORE_CASES } from './storeSuite.ts';
import { buildWorker, startLocalWorker, type LocalWorker } from '../../src/runtime/workers/local/miniflare.ts';

let worker: LocalWorker;
beforeAll(async () => {
  const script = await buildWorker(join(import.meta.dirname, 'fixtures/wrangler.store.toml'));
  worker = await startLocalWorker({ scriptPath: script, vars: {}, durableObjects: { CASES: 'StoreCaseObject' } });
}, 60_000);
afterAll(() => worker?.close());

describe.each(STORE_CASES.map((c) => [c.name, c] as const))('%s', (name, c) => {
  it('on better-sqlite3 (Node)', () => {
    const t = tempDb(NOW);
    try {
      c.run(t.db, testSecretBox());
    } finally {
      t.cleanup();
    }
  });

  it('on Durable Object SQLite (workerd)', async () => {
    const res = await worker.dispatch(`/?case=${encodeURIComponent(name)}&run=${Math.random()}`);
    expect(await res.json()).toEqual({ ok: true });
  });
});
