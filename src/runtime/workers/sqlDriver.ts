import type { Database, SqlValue, Statement } from '../../store/port.ts';
import { asStorageUnavailable } from '../../store/storageErrors.ts';
import type { StorageObserver } from '../../store/storageHealth.ts';
import type { DurableObjectStorage, SqlStorageCursor, SqlStorageValue } from './platform.ts';

/**
 * The Durable Object SQLite driver behind the database port (`ctx.storage.sql`). It hides what
 * differs from better-sqlite3:
 * - every cursor is read to the end (an unread `RETURNING` cursor makes the commit fail);
 * - `get` on zero rows is undefined (the cursor's `one()` would throw);
 * - `changes` comes from `SELECT changes()` (`rowsWritten` also counts index writes);
 * - BLOBs come back as ArrayBuffer: turned into Uint8Array; bigints are bound as numbers when
 *   safe, Uint8Arrays as ArrayBuffers;
 * - `transactionSync` nests as savepoints, but the port joins nested calls (as on Node): an
 *   inner throw caught by the outer code keeps the inner writes in both drivers;
 * - a multi-statement `exec` is not atomic on its own: callers run migrations inside
 *   `transaction`, which this driver maps to `transactionSync`.
 * Numbers still bind as REAL (there is no integer binding): queries compare against INTEGER
 * columns, whose affinity stores integers, or cast where the type matters.
 * Storage failures (the object's storage limit, a full disk under workerd, a failed write) leave
 * as StorageUnavailableError, classified once, and are told to the observer at the outermost
 * call, as the Node driver does; so is every committed write that changed rows.
 */
export interface SqlUsage {
  /** Rows read and written as Cloudflare bills them (index entries included), since the object started. */
  rowsRead: number;
  rowsWritten: number;
}

export function openDurableSqlite(storage: DurableObjectStorage, usage: SqlUsage = { rowsRead: 0, rowsWritten: 0 }, observer?: StorageObserver): Database {
  const sql = storage.sql;
  let depth = 0;
  const fail = (err: unknown, operation: string): never => {
    const mapped = asStorageUnavailable(err);
    if (!mapped) throw err;
    if (depth === 0) observer?.failed(mapped, operation);
    throw mapped;
  };
  const wroteOutside = (before: number) => {
    if (depth === 0 && usage.rowsWritten > before) observer?.wrote();
  };
  const operationOf = (query: string) => (/^\s*(SELECT|WITH)\b/i.test(query) && !/\b(INSERT|UPDATE|DELETE)\b/i.test(query) ? 'read' : 'write');
  /** Runs the statement and reads it to the end: a failure can surface at either step. */
  const run = <T>(query: string, params: SqlValue[], read: (cursor: SqlStorageCursor) => T[]): { cursor: SqlStorageCursor; rows: T[] } => {
    const before = usage.rowsWritten;
    try {
      const cursor = sql.exec(query, ...params.map(bindable));
      const rows = drain(cursor, read(cursor));
      wroteOutside(before);
      return { cursor, rows };
    } catch (err) {
      return fail(err, operationOf(query));
    }
  };
  /** Reads the cursor to the end and counts its billed rows. */
  const drain = <T>(cursor: Pick<SqlStorageCursor, 'rowsRead' | 'rowsWritten'>, rows: T[]): T[] => {
    usage.rowsRead += cursor.rowsRead;
    usage.rowsWritten += cursor.rowsWritten;
    return rows;
  };
  const changes = () => Number(sql.exec<{ n: number }>('SELECT changes() AS n').toArray()[0]?.n ?? 0);
  const cache = new Map<string, Statement<any>>();

  const prepare = <Row>(query: string): Statement<Row> => {
    let stmt = cache.get(query);
    if (!stmt) {
      stmt = {
        run: (...params: SqlValue[]) => {
          const { cursor, rows } = run(query, params, (c) => c.toArray());
          return { changes: cursor.columnNames.length > 0 ? rows.length : changes() };
        },
        get: (...params: SqlValue[]) => {
          const { rows } = run(query, params, (c) => c.toArray());
          return rows.length ? (fromStorage(rows[0]!) as Row) : undefined;
        },
        all: (...params: SqlValue[]) => run(query, params, (c) => c.toArray()).rows.map(fromStorage) as Row[],
        values: (...params: SqlValue[]) => run(query, params, (c) => c.raw().toArray()).rows.map(valuesFromStorage),
      };
      cache.set(query, stmt);
    }
    return stmt as Statement<Row>;
  };

  return {
    prepare,
    exec: (query) => {
      if (!query.trim()) return;
      try {
        sql.exec(query).toArray();
      } catch (err) {
        fail(err, 'write');
      }
    },
    transaction: <T>(fn: () => T): T => {
      if (depth > 0) return fn();
      const before = usage.rowsWritten;
      let result: T;
      try {
        result = storage.transactionSync(() => {
          depth++;
          try {
            return fn();
          } finally {
            depth--;
          }
        });
      } catch (err) {
        return fail(err, 'write');
      }
      wroteOutside(before);
      return result;
    },
    close: () => cache.clear(),
  };
}

function bindable(v: SqlValue): SqlStorageValue {
  if (typeof v === 'bigint') {
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new RangeError('Durable Object SQLite cannot bind an integer beyond 2^53');
    }
    return Number(v);
  }
  if (v instanceof Uint8Array) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer;
  return v;
}

function fromStorage(row: Record<string, SqlStorageValue>): Record<string, unknown> {
  for (const k in row) {
    const v = row[k];
    if (v instanceof ArrayBuffer) (row as Record<string, unknown>)[k] = new Uint8Array(v);
  }
  return row;
}

function valuesFromStorage(row: SqlStorageValue[]): unknown[] {
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v instanceof ArrayBuffer) (row as unknown[])[i] = new Uint8Array(v);
  }
  return row;
}
