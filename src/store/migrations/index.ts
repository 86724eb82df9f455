import * as m0001 from './0001_init.ts';

/** Ordered, append-only. Never edit a migration that has shipped: add the next number. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: m0001.sql },
];
