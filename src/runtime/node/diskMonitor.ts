/**
 * Watches the filesystem the database lives on: free space (statfs), and the sizes of the
 * database file and its WAL. Below `lowDiskBytes` free it warns (when it happens, then every 10
 * minutes while it lasts) so an operator hears of it before writes start failing; the samples
 * feed metrics and /readyz.
 */
import { promises as fs, statfsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from '../../core/logger.ts';

export interface DiskSample {
  /** Bytes an unprivileged writer may still use on the database's filesystem. */
  freeBytes: number;
  totalBytes: number;
  databaseBytes: number;
  walBytes: number;
  /** Free space is below the threshold. */
  low: boolean;
}

export interface DiskMonitor {
  /** The latest sample, null before the first. */
  last(): DiskSample | null;
  /** A fresh sample, taken synchronously (readiness), without logging. */
  now(): DiskSample | null;
  stop(): void;
}

const REWARN_MS = 10 * 60_000;

export function startDiskMonitor(options: {
  dbPath: string;
  /** POLLHOOK_LOW_DISK_BYTES; 0 disables the warning (the samples are still taken). */
  lowDiskBytes: number;
  logger: Logger;
  intervalMs?: number;
  onSample?: (sample: DiskSample) => void;
}): DiskMonitor {
  const { dbPath, lowDiskBytes, logger } = options;
  let latest: DiskSample | null = null;
  let warnedAt = -Infinity;
  let stopped = false;

  const size = async (path: string) => {
    try {
      return (await fs.stat(path)).size;
    } catch {
      return 0;
    }
  };

  const sample = async () => {
    try {
      const s = await fs.statfs(dirname(dbPath));
      const freeBytes = s.bavail * s.bsize;
      const low = lowDiskBytes > 0 && freeBytes < lowDiskBytes;
      const next: DiskSample = {
        freeBytes,
        totalBytes: s.blocks * s.bsize,
        databaseBytes: await size(dbPath),
        walBytes: await size(`${dbPath}-wal`),
        low,
      };
      const now = Date.now();
      if (low && (!latest?.low || now - warnedAt >= REWARN_MS)) {
        warnedAt = now;
        logger.warn({ freeBytes, lowDiskBytes, databaseBytes: next.databaseBytes, walBytes: next.walBytes }, 'low disk space on the database filesystem');
      } else if (!low && latest?.low) {
        logger.info({ freeBytes, lowDiskBytes }, 'disk space on the database filesystem is above the low-disk threshold again');
      }
      latest = next;
      options.onSample?.(next);
    } catch (err) {
      logger.debug({ err }, 'disk monitor: statfs failed');
    }
  };

  let timer: NodeJS.Timeout | null = null;
  const loop = () => {
    if (stopped) return;
    void sample().finally(() => {
      if (stopped) return;
      timer = setTimeout(loop, options.intervalMs ?? 5_000);
      timer.unref();
    });
  };
  loop();

  const sizeSync = (path: string) => {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  };

  return {
    last: () => latest,
    now: () => {
      try {
        const s = statfsSync(dirname(dbPath));
        const freeBytes = s.bavail * s.bsize;
        const low = lowDiskBytes > 0 && freeBytes < lowDiskBytes;
        return { freeBytes, totalBytes: s.blocks * s.bsize, databaseBytes: sizeSync(dbPath), walBytes: sizeSync(`${dbPath}-wal`), low };
      } catch {
        return latest;
      }
    },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
