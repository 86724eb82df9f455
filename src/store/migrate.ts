import type { Database } from './port.ts';
import { MIGRATIONS } from './migrations/index.ts';

export interface MigrationReport {
  applied: number[];
  current: number;
}

/** Applies pending migrations, each in its own transaction. Safe to run on every start. */
export function migrate(db: Database, now: number): MigrationReport {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    db.transaction(() => {
      const done = db.prepare('SELECT 1 FROM schema_migrations WHERE version = ?').get(m.version);
      if (done) return;
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        m.version,
        m.name,
        now,
      );
      applied.push(m.version);
    });
  }
  return { applied, current: currentVersion(db) };
}

export function currentVersion(db: Database): number {
  const row = db.prepare<{ v: number | null }>('SELECT MAX(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}

export const latestVersion = (): number => MIGRATIONS[MIGRATIONS.length - 1]!.version;
