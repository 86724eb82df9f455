import BetterSqlite3 from 'better-sqlite3';
import { dirname } from 'node:path';
import type { Database, SqlValue, Statement } from '../../store/port.ts';
import { StorageUnavailableError, asStorageUnavailable } from '../../store/storageErrors.ts';
import type { StorageObserver } from '../../store/storageHealth.ts';
import { makeDirectory } from './makeDirectory.ts';

export interface OpenOptions {
  /** Milliseconds a writer waits for the lock before SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Told of every storage failure and every committed write (storageHealth.ts). */
  observer?: StorageObserver;
}

/**
 * The WAL file is cut back to this after a checkpoint that resets it; the checkpointer
 * truncates it to zero when it passes WAL_TRUNCATE_BYTES (walCheckpointer.ts).
 */
export const JOURNAL_SIZE_LIMIT_BYTES = 4 * 1024 * 1024;

/** The better-sqlite3 driver behind the database port. The only module that imports it. */
export function openSqlite(path: string, options: OpenOptions = {}): Database {
  if (path !== ':memory:') makeDirectory(dirname(path));
  const db = new BetterSqlite3(path);
  db.pragma('journal_mode = WAL');
  // NORMAL in WAL mode never corrupts the database; a power cut may lose the last commits,
  // a process crash (SIGKILL) loses nothing.
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // 16 MB of page cache holds the whole database of a service with ~20,000 active jobs. More
  // bought no throughput in paired runs (8 and 32 MB polled and delivered alike), and a fresh
  // process pays a page fault for every new cache page: at a million jobs, where each claimed
  // job's row is on a page of its own, a 32 MB cache still growing made claims ~10% slower
  // than a 16 MB one that reuses its pages (docs/benchmarks.md, "Eighth pass").
  db.pragma('cache_size = -16000');
  db.pragma('temp_store = MEMORY');
  // A claim or a batch of outcomes can dirty hundreds of pages. Checkpointing every 1,000 WAL
  // pages (the default) made many batches pay a checkpoint (a copy back and an fsync) on the
  // engines' event loop. The service checkpoints from a worker thread (walCheckpointer.ts);
  // this threshold is the fallback. The WAL file is cut back after a checkpoint resets it, so a
  // burst does not keep its high-water mark on disk.
  db.pragma('wal_autocheckpoint = 10000');
  db.pragma(`journal_size_limit = ${JOURNAL_SIZE_LIMIT_BYTES}`);

  // Storage failures leave as StorageUnavailableError (classified once), reported to the
  // observer at the outermost call: the transaction, or a statement run outside one.
  const observer = options.observer;
  let changes = 0;
  // Inside our transaction() (SQLite may already have rolled back after SQLITE_FULL, so its own
  // flag cannot tell).
  let inOurTransaction = false;
  const fail = (err: unknown, operation: string): never => {
    const mapped = asStorageUnavailable(err);
    if (!mapped) throw err;
    if (!inOurTransaction) observer?.failed(mapped, operation);
    throw mapped;
  };
  // While the disk is full only the recovery probe may write (storageHealth.ts).
  const admit = () => {
    if (observer?.admitsWrites && !observer.admitsWrites()) {
      throw new StorageUnavailableError('full', 'database or disk is full: writes are paused until space returns');
    }
  };
  const wrote = (n: number) => {
    changes += n;
    if (n > 0 && !inOurTransaction && !db.inTransaction) observer?.wrote();
  };

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
          let n: number;
          if (!db.inTransaction) admit();
          try {
            n = returnsRows ? raw.all(...params).length : raw.run(...params).changes;
          } catch (err) {
            return fail(err, 'write');
          }
          wrote(n);
          return { changes: n };
        },
        get: (...params: SqlValue[]) => {
          if (!raw.readonly && !db.inTransaction) admit();
          try {
            return raw.get(...params) as Row | undefined;
          } catch (err) {
            return fail(err, raw.readonly ? 'read' : 'write');
          }
        },
        all: (...params: SqlValue[]) => {
          if (!raw.readonly && !db.inTransaction) admit();
          try {
            return raw.all(...params) as Row[];
          } catch (err) {
            return fail(err, raw.readonly ? 'read' : 'write');
          }
        },
        values: (...params: SqlValue[]) => {
          if (!raw.readonly && !db.inTransaction) admit();
          try {
            arrays ??= db.prepare(sql).raw(true);
            return arrays.all(...params) as unknown[][];
          } catch (err) {
            return fail(err, raw.readonly ? 'read' : 'write');
          }
        },
      };
      cache.set(sql, stmt);
    }
    return stmt as Statement<Row>;
  };

  return {
    prepare,
    exec: (sql) => {
      try {
        db.exec(sql);
      } catch (err) {
        fail(err, 'write');
      }
    },
    transaction: <T>(fn: () => T): T => {
      if (db.inTransaction) return fn();
      admit();
      const before = changes;
      let result: T;
      inOurTransaction = true;
      try {
        result = db.transaction(fn).immediate();
      } catch (err) {
        inOurTransaction = false;
        return fail(err, 'write');
      } finally {
        inOurTransaction = false;
      }
      if (changes > before) observer?.wrote();
      return result;
    },
    close: () => {
      cache.clear();
      db.close();
    },
  };
}
