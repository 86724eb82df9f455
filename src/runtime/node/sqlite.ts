import BetterSqlite3 from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Database, SqlValue, Statement } from '../../store/port.ts';

export interface OpenOptions {
  /** Milliseconds a writer waits for the lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
}

/** The better-sqlite3 driver behind the database port. The only module that imports it. */
export function openSqlite(path: string, options: OpenOptions = {}): Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode never corrupts the database; a power cut may lose the last commits,
  // a process crash (SIGKILL) loses nothing.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // 32 MB of page cache gives the index pages a claim walks and moves (jobs_due and the partial
  // indexes on next_poll_at) more room at a million jobs; RSS stays within 1.5x of a small one.
  db.pragma('cache_size = -32000');
  db.pragma('temp_store = MEMORY');
  // A claim or a batch of outcomes can dirty hundreds of pages. Checkpointing every 1,000 WAL
  // pages (the default) made many batches pay a checkpoint (a copy back and an fsync) on the
  // engines' event loop. The service checkpoints from a worker thread (walCheckpointer.ts);
  // this threshold is the fallback. The WAL file is cut back to 64 MB after a checkpoint.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma('journal_size_limit = 67108864');

  const cache = new Map<string, Statement<any>>();
  const prepare = <Row>(sql: string): Statement<Row> => {
    let stmt = cache.get(sql);
    if (!stmt) {
      const raw = db.prepare(sql);
      const returnsRows = raw.reader;
      // A second handle on the same SQL in array mode: raw() is a per-statement switch.
      let arrays: BetterSqlite3.Statement | null = null;
      stmt = {
        run: (...params: SqlValue[]) => {
          const r = returnsRows ? { changes: raw.all(...params).length } : raw.run(...params);
          return { changes: r.changes };
        },
        get: (...params: SqlValue[]) => raw.get(...params) as Row | undefined,
        all: (...params: SqlValue[]) => raw.all(...params) as Row[],
        values: (...params: SqlValue[]) => {
          arrays ??= db.prepare(sql).raw(true);
          return arrays.all(...params) as unknown[][];
        },
      };
      cache.set(sql, stmt);
    }
    return stmt as Statement<Row>;
  };

  return {
    prepare,
    exec: (sql) => {
      db.exec(sql);
    },
    transaction: <T>(fn: () => T): T => {
      if (db.inTransaction) return fn();
      return db.transaction(fn).immediate();
    },
    close: () => {
      cache.clear();
      db.close();
    },
  };
}
