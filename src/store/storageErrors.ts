/**
 * Storage failures, classified once for every backend: better-sqlite3's SqliteError codes in
 * Node, and the messages Durable Object SQLite storage throws on Workers (which carry no code).
 * Runtime-neutral: no Node or Workers imports. The HTTP layer answers a classified failure with
 * a 503 (see http/storageProblem.ts); the engines back off on it (core/backoff.ts).
 */

/**
 * - `full`: the disk (or a Durable Object's storage limit) is full; writes fail until space returns.
 * - `busy`: the database is locked by another writer for longer than the busy timeout.
 * - `io`: the operating system failed a read or a write.
 * - `readonly`: the database or its directory cannot be written.
 * - `corrupt`: the file is damaged or not a database; an operator has to act.
 */
export type StorageFailureKind = 'full' | 'busy' | 'io' | 'readonly' | 'corrupt';

export const STORAGE_FAILURE_KINDS: readonly StorageFailureKind[] = ['full', 'busy', 'io', 'readonly', 'corrupt'];

/**
 * Thrown by a store driver in place of the backend's error, so callers need not know the
 * backend. `code` keeps the backend's code (SQLITE_BUSY, ...) for callers that look at it.
 */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
  readonly code: string | undefined;
  constructor(
    readonly kind: StorageFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    this.code = typeof code === 'string' ? code : undefined;
  }
}

const CODE_PREFIXES: Array<[string, StorageFailureKind]> = [
  ['SQLITE_FULL', 'full'],
  ['SQLITE_BUSY', 'busy'],
  ['SQLITE_LOCKED', 'busy'],
  ['SQLITE_IOERR', 'io'],
  ['SQLITE_READONLY', 'readonly'],
  ['SQLITE_CANTOPEN', 'io'],
  ['SQLITE_CORRUPT', 'corrupt'],
  ['SQLITE_NOTADB', 'corrupt'],
];

// Durable Object storage errors have no code, only words (and sometimes the SQLite code in them).
const MESSAGE_PATTERNS: Array<[RegExp, StorageFailureKind]> = [
  [/SQLITE_FULL|database or disk is full|exceeded (the )?maximum (DB|database) size|storage (limit|quota)|disk full|no space left/i, 'full'],
  [/SQLITE_(BUSY|LOCKED)|database is locked|database table is locked/i, 'busy'],
  [/SQLITE_READONLY|attempt to write a readonly database|read-only (file system|database)/i, 'readonly'],
  [/SQLITE_(CORRUPT|NOTADB)|database disk image is malformed|file is not a database/i, 'corrupt'],
  [/SQLITE_IOERR|disk I\/O error|SQLITE_CANTOPEN|unable to open database file/i, 'io'],
  // Workers: the storage layer gave up on the operation; it is worth retrying later.
  [/Durable Object storage operation exceeded timeout|Durable Object reset because its code was updated|storage operation failed/i, 'io'],
];

/** The kind of storage failure `err` is, or null when it is not one (a bug, a constraint, bad input). */
export function classifyStorageError(err: unknown): StorageFailureKind | null {
  if (err == null || typeof err !== 'object') return null;
  if (err instanceof StorageUnavailableError) return err.kind;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    for (const [prefix, kind] of CODE_PREFIXES) if (code === prefix || code.startsWith(`${prefix}_`)) return kind;
    // A SQLite error with another code (SQLITE_CONSTRAINT, ...) is not a storage failure.
    if (code.startsWith('SQLITE_')) return null;
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message !== 'string') return null;
  for (const [pattern, kind] of MESSAGE_PATTERNS) if (pattern.test(message)) return kind;
  return null;
}

/** `err` as a StorageUnavailableError when it is a storage failure, else null. */
export function asStorageUnavailable(err: unknown): StorageUnavailableError | null {
  if (err instanceof StorageUnavailableError) return err;
  const kind = classifyStorageError(err);
  if (!kind) return null;
  const message = (err as { message?: unknown }).message;
  return new StorageUnavailableError(kind, typeof message === 'string' ? message : String(err), { cause: err });
}

/** What an API client or an operator is told, in words. */
export function describeStorageFailure(kind: StorageFailureKind): string {
  switch (kind) {
    case 'full':
      return 'The database storage is full, so nothing can be written right now; nothing of this request was stored. Retry later.';
    case 'busy':
      return 'The database is busy; nothing of this request was stored. Retry shortly.';
    case 'io':
      return 'The database storage failed to read or write; nothing of this request was stored. Retry later.';
    case 'readonly':
      return 'The database cannot be written (read-only storage); nothing of this request was stored. Retry later.';
    case 'corrupt':
      return 'The database is damaged and cannot be written; nothing of this request was stored. The operator has been alerted.';
  }
}

/** Seconds a client should wait before retrying (the Retry-After header). */
export function retryAfterSeconds(kind: StorageFailureKind): number {
  switch (kind) {
    case 'busy':
      return 1;
    case 'full':
    case 'io':
      return 5;
    case 'readonly':
    case 'corrupt':
      return 30;
  }
}
