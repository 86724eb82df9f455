import { parseConfig } from '../config.ts';
import { openSqlite } from '../runtime/node/sqlite.ts';
import { migrate } from '../store/migrate.ts';
import type { SecretBox } from '../security/secretBox.ts';
import { readMasterKey, unlockSecrets } from '../runtime/node/masterKey.ts';
import { createLogger } from '../runtime/node/logger.ts';
import type { Database } from '../store/port.ts';

/**
 * Runs an admin command on POLLHOOK_DB_PATH directly (a running server may share it: SQLite
 * serializes the writes). The master key is loaded only by commands that seal a secret.
 */
export async function withStore<T>(fn: (store: { db: Database; secretBox: () => SecretBox }) => T): Promise<T> {
  const config = parseConfig(process.env);
  const logger = createLogger({ level: config.logLevel, pretty: false, destination: process.stderr as never });
  const db = openSqlite(config.dbPath);
  try {
    migrate(db, Date.now());
    // The key is checked against the database (as serve does) before anything is sealed with it.
    const secretBox = () => unlockSecrets(db, readMasterKey(config), logger, Date.now());
    return fn({ db, secretBox });
  } finally {
    db.close();
  }
}

export const isoOrDash = (ms: number | null): string => (ms == null ? '-' : new Date(ms).toISOString());

/** Fixed-width columns for a human reader; --json is there for scripts. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}
