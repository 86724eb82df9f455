import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { migrate } from '../../src/store/migrate.ts';
import { createSecretBox } from '../../src/security/secretBox.ts';
import type { Database } from '../../src/store/port.ts';

export interface TempDb {
  db: Database;
  dir: string;
  path: string;
  /** Closes the database and removes its directory. */
  cleanup(): void;
}

/** A real SQLite file in a fresh temp directory, migrated. */
export function tempDb(now = Date.now()): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-test-'));
  const path = join(dir, 'pollhook.db');
  const db = openSqlite(path);
  migrate(db, now);
  return {
    db,
    dir,
    path,
    cleanup() {
      try {
        db.close();
      } catch {
        // already closed by the test
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const testSecretBox = () => createSecretBox(randomBytes(32));
