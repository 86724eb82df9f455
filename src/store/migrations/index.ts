import * as m0001 from './0001_init.ts';
import * as m0002 from './0002_metrics_indexes.ts';

/** Ordered, append-only. Never edit a migration that has shipped: add the next number. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: m0001.sql },
  { version: 2, name: 'metrics_indexes', sql: m0002.sql },
];
