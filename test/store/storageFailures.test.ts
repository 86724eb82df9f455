/**
 * Storage failures: classified once (better-sqlite3 codes and Durable Object messages), turned
 * into StorageUnavailableError by the Node driver, tracked by StorageHealth (writes paused while
 * full, a probe reopens them), and answered by the API as 503 `unavailable` with Retry-After.
 * The full database is real: SQLite's max_page_count caps the file, no mount needed.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { classifyStorageError, StorageUnavailableError, describeStorageFailure } from '../../src/store/storageErrors.ts';
import { StorageHealth } from '../../src/store/storageHealth.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { ManualClock } from '../../src/core/clock.ts';
import { seededRandom } from '../../src/core/random.ts';
import { nullLogger, type Logger } from '../../src/core/logger.ts';
import { ProblemError } from '../../src/http/problem.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { waitFor } from '../helpers/wait.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pollhook-storage-'));
  dirs.push(d);
  return d;
};
let stack: Stack | null = null;
afterEach(async () => {
  await stack?.close();
  stack = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** The error better-sqlite3 really throws for `fn`. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}

describe('classifyStorageError', () => {
  it('recognises the errors better-sqlite3 really throws', () => {
    const dir = tempDir();
    const path = join(dir, 'a.db');
    const db = new BetterSqlite3(path);
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (x TEXT UNIQUE)');
    db.pragma('max_page_count = 3');
    const full = thrown(() => {
      for (let i = 0; i < 100; i++) db.prepare('INSERT INTO t VALUES (?)').run('x'.repeat(1000) + i);
    });
    expect((full as { code: string }).code).toBe('SQLITE_FULL');
    expect(classifyStorageError(full)).toBe('full');
    db.pragma('max_page_count = 1000');
    db.prepare('INSERT INTO t VALUES (?)').run('dup');
    expect(classifyStorageError(thrown(() => db.prepare('INSERT INTO t VALUES (?)').run('dup')))).toBeNull();

    const other = new BetterSqlite3(path);
    other.pragma('busy_timeout = 0');
    db.exec('BEGIN IMMEDIATE');
    expect(classifyStorageError(thrown(() => other.exec('BEGIN IMMEDIATE')))).toBe('busy');
    db.exec('ROLLBACK');

    const ro = new BetterSqlite3(path, { readonly: true });
    expect(classifyStorageError(thrown(() => ro.prepare("INSERT INTO t VALUES ('r')").run()))).toBe('readonly');
    for (const c of [db, other, ro]) c.close();

    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, Buffer.alloc(8192, 0x41));
    expect(classifyStorageError(thrown(() => new BetterSqlite3(garbage).prepare('SELECT * FROM sqlite_master').all()))).toBe('corrupt');
  });

  it('recognises extended codes and the words Durable Object storage uses', () => {
    const coded = (code: string) => Object.assign(new Error('x'), { code });
    expect(classifyStorageError(coded('SQLITE_IOERR_WRITE'))).toBe('io');
    expect(classifyStorageError(coded('SQLITE_IOERR'))).toBe('io');
    expect(classifyStorageError(coded('SQLITE_READONLY_DBMOVED'))).toBe('readonly');
    expect(classifyStorageError(coded('SQLITE_CORRUPT_INDEX'))).toBe('corrupt');
    expect(classifyStorageError(coded('SQLITE_BUSY_SNAPSHOT'))).toBe('busy');
    expect(classifyStorageError(coded('SQLITE_CONSTRAINT_UNIQUE'))).toBeNull();
    expect(classifyStorageError(new Error('database or disk is full'))).toBe('full');
    expect(classifyStorageError(new Error('SQLITE_FULL: database or disk is full'))).toBe('full');
    expect(classifyStorageError(new Error('Exceeded maximum DB size'))).toBe('full');
    expect(classifyStorageError(new Error('Durable Object storage operation exceeded timeout'))).toBe('io');
    expect(classifyStorageError(new Error('database disk image is malformed'))).toBe('corrupt');
    expect(classifyStorageError(new StorageUnavailableError('readonly', 'x'))).toBe('readonly');
    expect(classifyStorageError(new Error('boom'))).toBeNull();
    expect(classifyStorageError(new ProblemError('validation', 'bad'))).toBeNull();
    expect(classifyStorageError('database or disk is full')).toBeNull();
    expect(classifyStorageError(null)).toBeNull();
  });
});

describe('the Node driver and StorageHealth', () => {
  it('throws StorageUnavailableError, pauses writes while full, and a probe reopens them', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const logger: Logger = { ...nullLogger, error: (_o, m) => lines.push(m ?? ''), info: (_o, m) => lines.push(m ?? ''), child: () => logger };
    const failures: string[] = [];
    const health = new StorageHealth({ logger, clock, random: seededRandom(1), onFailure: (k, op) => failures.push(`${k}/${op}`) });
    const db = openSqlite(join(tempDir(), 'b.db'), { observer: health });
    db.exec('CREATE TABLE t (x TEXT)');
    const pages = db.prepare<{ page_count: number }>('PRAGMA page_count').get()!.page_count;
    db.exec(`PRAGMA max_page_count = ${pages + 1}`);
    const insert = () => db.transaction(() => db.prepare('INSERT INTO t VALUES (?)').run('y'.repeat(3000)));
    insert();
    const err = thrown(insert);
    expect(err).toBeInstanceOf(StorageUnavailableError);
    expect((err as StorageUnavailableError).kind).toBe('full');
    expect(health.status()).toMatchObject({ writable: false, kind: 'full', reason: describeStorageFailure('full'), failures: 1 });
    expect(failures).toEqual(['full/write']);

    // Paused: refused without touching the database (not even counted as another failure).
    db.exec('PRAGMA max_page_count = 100000');
    expect(thrown(insert)).toBeInstanceOf(StorageUnavailableError);
    expect(health.status().failures).toBe(1);
    expect(health.retryDelayMs()).toBeGreaterThan(0);
    expect(health.probeDue()).toBe(false);
    clock.advance(10_000);
    expect(health.probeDue()).toBe(true);
    // Engines still wait while writes are refused: refusals do not advance the backoff.
    expect(health.retryDelayMs()).toBeGreaterThan(0);
    health.probe(insert);
    expect(health.status().writable).toBe(true);
    insert();
    expect(db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM t').get()!.n).toBe(3);
    expect(lines).toContain('storage is writable again; the engines resume');
    db.close();
  });
});

describe('the API on a full database', () => {
  it('answers writes 503 unavailable with Retry-After, keeps /healthz, reports /readyz, and recovers by itself', async () => {
    stack = await startStack();
    const { service } = stack;
    const body = { provider: 'fotolabs', externalId: 'sim-slow-1', credentials: { apiKey: 'fl_sim_key' }, callbackUrl: 'http://127.0.0.1:9/hook' };
    const pages = service.db.prepare<{ page_count: number }>('PRAGMA page_count').get()!.page_count;
    service.db.exec(`PRAGMA max_page_count = ${pages}`);

    let res: Response | null = null;
    for (let i = 0; i < 50; i++) {
      res = await fetch(`${service.url}/v1/jobs`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, externalId: `sim-slow-${i}`, metadata: { pad: 'z'.repeat(3000) } }),
      });
      if (res.status !== 201) break;
    }
    expect(res!.status).toBe(503);
    expect(res!.headers.get('content-type')).toBe('application/problem+json');
    expect(Number(res!.headers.get('retry-after'))).toBeGreaterThan(0);
    const problem = (await res!.json()) as { type: string; detail: string };
    expect(problem.type).toBe('https://pollhook.dev/problems/unavailable');
    expect(problem.detail).toMatch(/full/);

    const ready = await fetch(`${service.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(((await ready.json()) as any).checks.storage).toMatchObject({ writable: false, kind: 'full' });
    expect((await fetch(`${service.url}/healthz`)).status).toBe(200);
    // Reads still work.
    expect((await fetch(`${service.url}/v1/jobs`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).status).toBe(200);

    service.db.exec('PRAGMA max_page_count = 1073741823');
    await waitFor(async () => (await fetch(`${service.url}/readyz`)).status === 200, { timeoutMs: 15_000, message: 'readiness after space returned' });
    const again = await stack.createJob({ ...body, externalId: 'sim-slow-after' });
    expect(again.status).toBe(201);
  });
});

describe('POLLHOOK_LOW_DISK_BYTES', () => {
  it('reads bytes or k/m/g sizes, defaults to 512 MiB, and refuses anything else', async () => {
    const { parseConfig, ConfigError } = await import('../../src/config.ts');
    expect(parseConfig({}).lowDiskBytes).toBe(512 * 1024 * 1024);
    expect(parseConfig({ POLLHOOK_LOW_DISK_BYTES: '8MiB' }).lowDiskBytes).toBe(8 * 1024 * 1024);
    expect(parseConfig({ POLLHOOK_LOW_DISK_BYTES: '1g' }).lowDiskBytes).toBe(1024 ** 3);
    expect(parseConfig({ POLLHOOK_LOW_DISK_BYTES: '123456' }).lowDiskBytes).toBe(123456);
    expect(parseConfig({ POLLHOOK_LOW_DISK_BYTES: '0' }).lowDiskBytes).toBe(0);
    expect(() => parseConfig({ POLLHOOK_LOW_DISK_BYTES: 'lots' })).toThrow(ConfigError);
    expect(() => parseConfig({ POLLHOOK_LOW_DISK_BYTES: '5 parsecs' })).toThrow(/POLLHOOK_LOW_DISK_BYTES/);
  });
});
