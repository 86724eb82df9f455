import { afterEach, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { tempDb, type TempDb } from '../helpers/db.ts';
import { startWalCheckpointer } from '../../src/runtime/node/walCheckpointer.ts';
import { waitFor } from '../helpers/wait.ts';

describe('WAL checkpointer (worker thread)', () => {
  let t: TempDb;
  afterEach(() => t?.cleanup());

  it('copies committed pages from the WAL into the database file without the writer doing it', async () => {
    t = tempDb();
    t.db.exec('PRAGMA wal_autocheckpoint = 0');
    t.db.exec('CREATE TABLE blob_rows (b TEXT)');
    const insert = t.db.prepare('INSERT INTO blob_rows (b) VALUES (?)');
    t.db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run('x'.repeat(2000));
    });
    const before = statSync(t.path).size;
    const errors: string[] = [];
    const checkpointer = startWalCheckpointer(t.path, { intervalMs: 20, onError: (e) => errors.push(e.message) });
    try {
      await waitFor(() => statSync(t.path).size > before + 500_000, { message: 'the database file to grow' });
    } finally {
      await checkpointer.stop();
    }
    expect(errors).toEqual([]);
    expect(t.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM blob_rows').get()!.n).toBe(500);
  });

  it('empties the WAL file once the writer is idle (TRUNCATE), not only copies it back', async () => {
    t = tempDb();
    t.db.exec('PRAGMA wal_autocheckpoint = 0');
    t.db.exec('CREATE TABLE blob_rows (b TEXT)');
    const insert = t.db.prepare('INSERT INTO blob_rows (b) VALUES (?)');
    t.db.transaction(() => {
      for (let i = 0; i < 500; i++) insert.run('x'.repeat(2000));
    });
    expect(statSync(`${t.path}-wal`).size).toBeGreaterThan(1_000_000);
    const modes: string[] = [];
    const checkpointer = startWalCheckpointer(t.path, { intervalMs: 20, onCheckpoint: (r) => modes.push(r.mode) });
    try {
      await waitFor(() => statSync(`${t.path}-wal`).size === 0, { message: 'the WAL file to be truncated' });
    } finally {
      await checkpointer.stop();
    }
    expect(modes).toContain('TRUNCATE');
    expect(t.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM blob_rows').get()!.n).toBe(500);
  });

  it('truncates a WAL above its bound even while writes continue', async () => {
    t = tempDb();
    t.db.exec('PRAGMA wal_autocheckpoint = 0');
    t.db.exec('CREATE TABLE blob_rows (b TEXT)');
    const insert = t.db.prepare('INSERT INTO blob_rows (b) VALUES (?)');
    const bound = 2 * 1024 * 1024;
    const checkpointer = startWalCheckpointer(t.path, { intervalMs: 10, truncateBytes: bound });
    let peak = 0;
    try {
      // A steady writer: each round grows the WAL by ~200 kB; the checkpointer must keep it near its bound.
      for (let round = 0; round < 60; round++) {
        t.db.transaction(() => {
          for (let i = 0; i < 50; i++) insert.run('y'.repeat(4000));
        });
        peak = Math.max(peak, statSync(`${t.path}-wal`).size);
        await new Promise((r) => setTimeout(r, 15));
      }
    } finally {
      await checkpointer.stop();
    }
    // Without it the WAL would hold all 60 rounds (~12 MB).
    expect(peak).toBeLessThan(4 * bound);
  });
});
