import * as m0001 from './0001_init.ts';
import * as m0002 from './0002_metrics_indexes.ts';
import * as m0003 from './0003_open_deliveries_index.ts';
import * as m0004 from './0004_settings.ts';
import * as m0005 from './0005_key_lifecycle.ts';
import * as m0006 from './0006_event_feed.ts';
import * as m0007 from './0007_job_polls.ts';

/** Ordered, append-only. Never edit a migration that has shipped: add the next number. */
export const MIGRATIONS: ReadonlyArray<{ version: number; name: string; sql: string }> = [
  { version: 1, name: 'init', sql: m0001.sql },
  { version: 2, name: 'metrics_indexes', sql: m0002.sql },
  { version: 3, name: 'open_deliveries_index', sql: m0003.sql },
  { version: 4, name: 'settings', sql: m0004.sql },
  { version: 5, name: 'key_lifecycle', sql: m0005.sql },
  { version: 6, name: 'event_feed', sql: m0006.sql },
  { version: 7, name: 'job_polls', sql: m0007.sql },
];
