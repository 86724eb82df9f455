/**
 * The database port. Every query module talks to SQLite only through this, so the same queries
 * run on better-sqlite3 in Node and on Durable Object SQLite storage on Workers. Both are
 * synchronous, so the port is too. Parameters are positional (`?`) because that is what both
 * backends support.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;

export interface RunResult {
  changes: number;
}

export interface Statement<Row = Record<string, unknown>> {
  run(...params: SqlValue[]): RunResult;
  get(...params: SqlValue[]): Row | undefined;
  all(...params: SqlValue[]): Row[];
  /**
   * Optional: the rows as arrays of column values, in the statement's column order. Building a
   * keyed object per row costs the driver far more than an array (better-sqlite3: about 8 us
   * more for a 45-column row), so hot queries that name their columns use this when present.
   */
  values?(...params: SqlValue[]): unknown[][];
}

export interface Database {
  /** Prepared statements are cached by SQL text, so callers can prepare on every call. */
  prepare<Row = Record<string, unknown>>(sql: string): Statement<Row>;
  /** Runs several statements with no parameters (migrations). */
  exec(sql: string): void;
  /** Runs fn in one transaction (BEGIN IMMEDIATE on Node). Nested calls join the outer one. */
  transaction<T>(fn: () => T): T;
  close(): void;
}
