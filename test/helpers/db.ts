import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { migrate } from '../../src/store/migrate.ts';
import { MIGRATIONS } from '../../src/store/migrations/index.ts';
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
  return tempDbWith((db) => migrate(db, now));
}

/** The same, migrated only up to `version`: a database as an older release left it. */
export function tempDbAt(version: number, now = Date.now()): TempDb {
  return tempDbWith((db) => {
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
    for (const m of MIGRATIONS.filter((x) => x.version <= version)) {
      db.transaction(() => {
        db.exec(m.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(m.version, m.name, now);
      });
    }
  });
}

function tempDbWith(setUp: (db: Database) => void): TempDb {
  const dir = mkdtempSync(join(tmpdir(), 'pollhook-test-'));
  const path = join(dir, 'pollhook.db');
  const db = openSqlite(path);
  setUp(db);
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
