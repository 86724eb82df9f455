/**
 * A Durable Object's `ctx` for tests in Node: `storage.sql` over a real better-sqlite3 database,
 * alarms recorded, and a switch that makes every write fail the way a Durable Object over its
 * storage limit does (the statement throws `database or disk is full: SQLITE_FULL`, no code).
 */
import Database from 'better-sqlite3';
import type { DurableObjectState, SqlStorageCursor, SqlStorageValue } from '../../src/runtime/workers/platform.ts';

export interface TestDurableState extends DurableObjectState {
  alarms: number[];
  full: boolean;
  close(): void;
}

export function durableStateOnSqlite(): TestDurableState {
  const db = new Database(':memory:');
  const toBinding = (v: unknown) => (v instanceof ArrayBuffer ? Buffer.from(v) : v);
  const fromSqlite = (v: unknown): SqlStorageValue => (Buffer.isBuffer(v) ? (v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength) as ArrayBuffer) : (v as SqlStorageValue));
  const state: TestDurableState = {
    alarms: [],
    full: false,
    close: () => db.close(),
    blockConcurrencyWhile: (fn) => fn(),
    waitUntil: () => {},
    storage: {
      sql: {
        exec<T>(query: string, ...bindings: unknown[]): SqlStorageCursor<T> {
          if (state.full && !/^\s*SELECT\b/i.test(query)) throw new Error('database or disk is full: SQLITE_FULL');
          let stmt: Database.Statement;
          try {
            stmt = db.prepare(query);
          } catch (err) {
            if (!/more than one statement/.test(String(err))) throw err;
            db.exec(query);
            return cursor([], [], 0);
          }
          if (!stmt.reader) return cursor([], [], stmt.run(...bindings.map(toBinding)).changes);
          const rows = stmt.raw(true).all(...bindings.map(toBinding)) as unknown[][];
          return cursor(stmt.columns().map((c) => c.name), rows.map((r) => r.map(fromSqlite)), 0);
        },
      },
      transactionSync: (fn) => db.transaction(fn)(),
      getAlarm: async () => state.alarms.at(-1) ?? null,
      setAlarm: async (at) => void state.alarms.push(at),
      deleteAlarm: async () => void state.alarms.push(-1),
    },
  };
  return state;
}

function cursor<T>(columnNames: string[], rows: SqlStorageValue[][], written: number): SqlStorageCursor<T> {
  return {
    columnNames,
    rowsRead: rows.length,
    rowsWritten: written,
    toArray: () => rows.map((r) => Object.fromEntries(columnNames.map((c, i) => [c, r[i]]))) as T[],
    raw: () => ({ toArray: () => rows }),
  };
}
