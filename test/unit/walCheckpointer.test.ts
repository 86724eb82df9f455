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
    const checkpointer = startWalCheckpointer(t.path, { intervalMs: 20, onError: (m) => errors.push(m) });
    try {
      await waitFor(() => statSync(t.path).size > before + 500_000, { message: 'the database file to grow' });
    } finally {
      await checkpointer.stop();
    }
    expect(errors).toEqual([]);
    expect(t.db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM blob_rows').get()!.n).toBe(500);
  });
});
