/**
 * The Durable Object driver on a full disk, at the statement: a transaction larger than the page
 * cache makes SQLite write during its statements, so a full filesystem (a 16 MB tmpfs filled by
 * a file) fails the statement itself, as a Durable Object's storage limit does. The driver must
 * classify it ('full') and tell its StorageHealth, which logs it once. workerd then breaks the
 * object (its answer is lost): the caller gets the storage error, which the Worker's entry
 * classifies too. When space returns, the next write succeeds with no restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildWorker, startLocalWorker, type LocalWorker } from '../../src/runtime/workers/local/miniflare.ts';
import { classifyStorageError } from '../../src/store/storageErrors.ts';

let base = '';
let mountPoint = '';
let mounted = false;
let worker: LocalWorker | null = null;
let output = '';

beforeAll(async () => {
  base = mkdtempSync(join(tmpdir(), 'pollhook-dodriver-'));
  mountPoint = join(base, 'mnt');
  mkdirSync(mountPoint);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', mountPoint]);
  mounted = true;
  const script = await buildWorker(join(import.meta.dirname, 'fixtures/wrangler.store.toml'));
  worker = await startLocalWorker({
    scriptPath: script,
    vars: {},
    durableObjects: { CASES: 'StoreCaseObject' },
    persistDir: mountPoint,
    onOutput: (chunk) => (output += chunk),
  });
}, 60_000);

afterAll(async () => {
  await worker?.close();
  if (mounted) execFileSync('umount', ['-l', mountPoint]);
  if (base) rmSync(base, { recursive: true, force: true });
}, 60_000);

/** Writes until the filesystem has no byte left. */
function fill(path: string): void {
  const fd = openSync(path, 'w');
  try {
    for (const chunk of [Buffer.alloc(1 << 20, 1), Buffer.alloc(4096, 1), Buffer.alloc(512, 1)]) {
      for (;;) {
        try {
          writeSync(fd, chunk);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ENOSPC') break;
          throw err;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
}

const step = (name: string) => worker!.dispatch(`/?case=storage&run=1&step=${name}`);

describe('the Durable Object driver on a full disk', () => {
  it('classifies the failure at the statement, tells the health, and writes again once space returns', async () => {
    expect(((await (await step('init')).json()) as { error: unknown }).error).toBeNull();
    const filler = join(mountPoint, 'filler');
    fill(filler);
    const answer = await (await step('big')).text();
    // The health's one log line: classified by the driver at the statement, not at the commit.
    const logged = output
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => /^storage write failed/.test(String(l.msg)));
    console.log(`storageDriver: the caller got: ${answer.slice(0, 200)}; the health logged: ${JSON.stringify(logged)}`);
    expect(logged).toEqual([expect.objectContaining({ level: 'error', kind: 'full', operation: 'write' })]);
    // What reaches the caller is classified as a full disk too (the Worker's entry answers 503).
    expect(classifyStorageError(new Error(answer))).toBe('full');

    unlinkSync(filler);
    const after = (await (await step('small')).json()) as { error: unknown; status: { writable: boolean } };
    expect(after.error).toBeNull();
    expect(after.status.writable).toBe(true);
  }, 60_000);
});
