import type { Database } from '../port.ts';
import type { SecretBox } from '../../security/secretBox.ts';

/**
 * Which master key a database belongs to. `master_key_check` in `settings` holds a known
 * plaintext sealed with the key; opening it with another key fails (AES-GCM authenticates).
 */
export const KEY_CHECK_SETTING = 'master_key_check';
const KEY_CHECK_PLAINTEXT = 'pollhook master key check v1';

/**
 * Every column holding SecretBox ciphertext, by table, with the table's key column. Rotation
 * re-encrypts exactly these; a test compares the list with the schema's `_enc` columns.
 */
export const ENCRYPTED_COLUMNS: ReadonlyArray<{ table: string; id: string; column: string }> = [
  { table: 'signing_secrets', id: 'id', column: 'secret_enc' },
  { table: 'connections', id: 'id', column: 'credentials_enc' },
  { table: 'jobs', id: 'id', column: 'credentials_enc' },
  { table: 'jobs', id: 'id', column: 'http_headers_enc' },
];

export type KeyCheck =
  /** The stored check opens with this key. */
  | { status: 'match' }
  /** No check was stored (a new database, or one from before checks): one was written now. */
  | { status: 'created'; sampled: number }
  /** The stored check, or an existing secret of a database without one, does not open with this key. */
  | { status: 'mismatch'; what: string };

/** Values per column tried when an older database gets its first check. Every secret shares one key. */
const SAMPLE_PER_COLUMN = 20;

export function readKeyCheck(db: Database): string | null {
  return db.prepare<{ value: string }>('SELECT value FROM settings WHERE name = ?').get(KEY_CHECK_SETTING)?.value ?? null;
}

export function writeKeyCheck(db: Database, box: SecretBox, now: number): void {
  db.prepare(
    `INSERT INTO settings (name, value, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(KEY_CHECK_SETTING, box.seal(KEY_CHECK_PLAINTEXT), now);
}

export function opensKeyCheck(box: SecretBox, sealed: string): boolean {
  try {
    return box.open(sealed) === KEY_CHECK_PLAINTEXT;
  } catch {
    return false;
  }
}

/**
 * Compares `box`'s key with the database's. A database without a check (new, or created before
 * checks existed) gets one, but only when the key opens the secrets already stored: otherwise the
 * check would bless the wrong key.
 */
export function verifyMasterKey(db: Database, box: SecretBox, now: number): KeyCheck {
  return db.transaction((): KeyCheck => {
    const stored = readKeyCheck(db);
    if (stored != null) return opensKeyCheck(box, stored) ? { status: 'match' } : { status: 'mismatch', what: 'the stored key check' };
    let sampled = 0;
    for (const { table, id, column } of ENCRYPTED_COLUMNS) {
      const rows = db
        .prepare<{ v: string }>(`SELECT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL ORDER BY ${id} LIMIT ?`)
        .all(SAMPLE_PER_COLUMN);
      for (const r of rows) {
        try {
          box.open(r.v);
        } catch {
          return { status: 'mismatch', what: `the stored ${table}.${column}` };
        }
        sampled++;
      }
    }
    writeKeyCheck(db, box, now);
    return { status: 'created', sampled };
  });
}

/** How many values of each encrypted column were re-encrypted. */
export type RotationReport = Record<string, number>;

const PAGE = 500;

/**
 * Re-encrypts every secret and the key check from `from` to `to` in one transaction: a rotation
 * killed midway leaves the database as it was, all under the old key.
 */
export function reencryptSecrets(db: Database, from: SecretBox, to: SecretBox, now: number): RotationReport {
  return db.transaction(() => {
    const stored = readKeyCheck(db);
    if (stored != null && !opensKeyCheck(from, stored)) throw new Error('the current master key does not open this database');
    const report: RotationReport = {};
    for (const { table, id, column } of ENCRYPTED_COLUMNS) {
      const select = db.prepare<{ k: string; v: string }>(
        `SELECT ${id} AS k, ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL AND ${id} > ? ORDER BY ${id} LIMIT ?`,
      );
      const update = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${id} = ?`);
      let after = '';
      let count = 0;
      for (;;) {
        const rows = select.all(after, PAGE);
        for (const r of rows) update.run(to.seal(from.open(r.v)), r.k);
        count += rows.length;
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]!.k;
      }
      report[`${table}.${column}`] = count;
    }
    writeKeyCheck(db, to, now);
    return report;
  });
}
