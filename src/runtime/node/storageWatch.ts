/**
 * Everything that keeps the database's storage healthy in Node, wired in one place: the WAL
 * checkpointer, the disk monitor, and a write probe that notices by itself when a failing
 * database becomes writable again (with nothing else writing, readiness would otherwise stay
 * down until a client's write succeeded). Failures are classified and logged by StorageHealth.
 */
import type { Logger } from '../../core/logger.ts';
import type { Database } from '../../store/port.ts';
import type { StorageHealth } from '../../store/storageHealth.ts';
import { classifyStorageError } from '../../store/storageErrors.ts';
import { startDiskMonitor, type DiskSample } from './diskMonitor.ts';
import { startWalCheckpointer, type CheckpointReport } from './walCheckpointer.ts';

export interface StorageWatch {
  /** Storage is writable again: the WAL checkpointer runs at once. */
  recovered(): void;
  /** /readyz detail: free space and file sizes, null before the first sample. */
  disk(): (DiskSample & { lowDiskBytes: number }) | null;
  stop(): Promise<void>;
}

const PROBE_EVERY_MS = 1_000;

export function startStorageWatch(options: {
  db: Database;
  dbPath: string;
  health: StorageHealth;
  lowDiskBytes: number;
  logger: Logger;
  onDiskSample?: (sample: DiskSample) => void;
  onCheckpoint?: (report: CheckpointReport) => void;
}): StorageWatch {
  const { db, dbPath, health, logger } = options;
  if (dbPath === ':memory:') return { recovered: () => {}, disk: () => null, stop: async () => {} };

  const checkpointer = startWalCheckpointer(dbPath, {
    onCheckpoint: options.onCheckpoint,
    onError: (err) => {
      if (!health.failed(err, 'checkpoint')) logger.warn({ err: err.message }, 'WAL checkpoint failed');
    },
  });
  const monitor = startDiskMonitor({ dbPath, lowDiskBytes: options.lowDiskBytes, logger, onSample: options.onDiskSample });

  // The probe, the one writer while the disk is full: it first empties the WAL into the database
  // file (space the operator freed goes there, not to new WAL frames), then makes a write that
  // changes nothing anyone reads (the newest migration's row keeps its value) but still appends
  // a page to the WAL, so it fails exactly when real writes would.
  const probe = setInterval(() => {
    if (!health.probeDue()) return;
    try {
      health.probe(() => {
        const r = db.prepare<{ busy: number }>('PRAGMA wal_checkpoint(TRUNCATE)').get();
        if (r && r.busy !== 0) return;
        db.transaction(() => {
          db.prepare('UPDATE schema_migrations SET applied_at = applied_at WHERE version = (SELECT MAX(version) FROM schema_migrations)').run();
        });
      });
    } catch (err) {
      // Reported to the health by the driver.
      if (!classifyStorageError(err)) logger.warn({ err }, 'storage write probe failed');
    }
  }, PROBE_EVERY_MS);
  probe.unref();

  return {
    recovered: () => checkpointer.kick(),
    disk: () => {
      const s = monitor.now();
      return s ? { ...s, lowDiskBytes: options.lowDiskBytes } : null;
    },
    async stop() {
      clearInterval(probe);
      monitor.stop();
      await checkpointer.stop();
    },
  };
}
