/**
 * The few Workers platform shapes this runtime uses, declared here so the project type-checks
 * with its Node and DOM libraries (@cloudflare/workers-types redeclares both).
 */
export type SqlStorageValue = ArrayBuffer | string | number | null;

export interface SqlStorageCursor<T = Record<string, SqlStorageValue>> {
  toArray(): T[];
  raw(): { toArray(): SqlStorageValue[][] };
  readonly columnNames: string[];
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

export interface SqlStorage {
  exec<T = Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): SqlStorageCursor<T>;
}

export interface DurableObjectStorage {
  readonly sql: SqlStorage;
  transactionSync<T>(fn: () => T): T;
  getAlarm(): Promise<number | null>;
  setAlarm(at: number): Promise<void>;
  deleteAlarm(): Promise<void>;
}

export interface DurableObjectState {
  readonly storage: DurableObjectStorage;
  blockConcurrencyWhile<T>(fn: () => Promise<T>): Promise<T>;
  waitUntil(p: Promise<unknown>): void;
}

export interface DurableObjectId {
  toString(): string;
}

export interface DurableObjectStub {
  fetch(input: Request | string, init?: RequestInit): Promise<Response>;
}

export interface DurableObjectNamespace {
  idFromName(name: string): DurableObjectId;
  get(id: DurableObjectId): DurableObjectStub;
}

export interface AlarmInvocationInfo {
  retryCount: number;
  isRetry: boolean;
}
