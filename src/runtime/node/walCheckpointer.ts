import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * Copies the WAL back into the database file from a worker thread, and keeps the WAL file
 * bounded. A checkpoint run by the connection the engines use blocks the one event loop they
 * share for 80-200 ms at a time (the benchmark's latency tail); in another thread, on its own
 * connection, a PASSIVE checkpoint runs beside the writer without blocking it.
 *
 * PASSIVE alone never shrinks the file, so the worker also runs a TRUNCATE checkpoint (the WAL
 * file goes back to zero bytes) when
 *  - the engines are idle: nothing was written since the last tick and everything is already
 *    copied back, so it only waits (briefly) for readers; or
 *  - the WAL file is larger than `truncateBytes`. Under continuous writes this is what bounds
 *    the WAL at all: a PASSIVE checkpoint never catches up with a writer that appends while it
 *    copies, and SQLite only starts the WAL over once everything in it is copied back, so the
 *    file would grow without end (39 MB at 38 events/s). The PASSIVE pass just before leaves
 *    little to copy, so the TRUNCATE holds writers up only briefly. On a small disk the
 *    threshold shrinks to a quarter of the free space (at least 1 MB): the WAL must never take
 *    the space the database file needs to absorb it, or nothing could be checkpointed again.
 * Under a full disk a TRUNCATE that succeeds gives the WAL's space back. A failing checkpoint is
 * retried after an exponential backoff with jitter (capped at 2 s: after an outage the WAL must
 * be emptied before writers fill the space again), and reported to the main thread with its
 * SQLite code, so it is classified and logged there like any storage failure. kick() (storage
 * writable again) ends the backoff and checkpoints at once.
 * The main connection keeps a high autocheckpoint threshold only as a fallback should this
 * thread stop.
 */
export interface WalCheckpointer {
  /** Checkpoint now and forget the backoff (storage came back). */
  kick(): void;
  stop(): Promise<void>;
}

/** Above this the WAL is truncated even under load. */
export const WAL_TRUNCATE_BYTES = 8 * 1024 * 1024;

export interface CheckpointReport {
  mode: 'PASSIVE' | 'TRUNCATE';
  /** WAL file size before the checkpoint. */
  walBytes: number;
}

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
const walPath = workerData.path + '-wal';
const dir = require('node:path').dirname(workerData.path);
let timer = null;
let running = true;
let lastFrames = -1;
let failures = 0;
const walBytes = () => { try { return fs.statSync(walPath).size; } catch { return 0; } };
const checkpoint = (mode, busyMs) => {
  db.pragma('busy_timeout = ' + busyMs);
  return db.pragma('wal_checkpoint(' + mode + ')')[0];
};
const tick = () => {
  if (!running) return;
  let delay = workerData.intervalMs;
  try {
    const size = walBytes();
    let limit = workerData.truncateBytes;
    try { const s = fs.statfsSync(dir); limit = Math.min(limit, Math.max(1048576, s.bavail * s.bsize / 4)); } catch {}
    let mode = 'PASSIVE';
    let r;
    if (size > limit) {
      mode = 'TRUNCATE';
      r = checkpoint('TRUNCATE', 1000);
    } else {
      r = checkpoint('PASSIVE', 1000);
      // Nothing written since the last tick and all of it copied back: the engines are idle.
      if (r.log > 0 && r.log === lastFrames && r.checkpointed === r.log && r.busy === 0) {
        mode = 'TRUNCATE';
        r = checkpoint('TRUNCATE', 100);
      }
    }
    lastFrames = r.log;
    failures = 0;
    parentPort.postMessage({ report: { mode, walBytes: size } });
  } catch (err) {
    failures++;
    const ceiling = Math.min(2000, workerData.intervalMs * 2 ** Math.min(failures, 10));
    delay = ceiling / 2 + Math.random() * ceiling / 2;
    parentPort.postMessage({ error: String(err && err.message || err), code: err && err.code || null });
  }
  timer = setTimeout(tick, delay);
};
timer = setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m === 'kick') {
    failures = 0;
    clearTimeout(timer);
    timer = setTimeout(tick, 0);
    return;
  }
  if (m !== 'stop') return;
  running = false;
  clearTimeout(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;

export function startWalCheckpointer(
  path: string,
  options: {
    intervalMs?: number;
    truncateBytes?: number;
    /** A failed checkpoint: the message and SQLite code (SQLITE_FULL, ...), as an Error. */
    onError?: (err: Error & { code?: string }) => void;
    onCheckpoint?: (report: CheckpointReport) => void;
  } = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, driver, intervalMs: options.intervalMs ?? 500, truncateBytes: options.truncateBytes ?? WAL_TRUNCATE_BYTES },
  });
  worker.unref();
  worker.on('message', (m: { error?: string; code?: string | null; report?: CheckpointReport }) => {
    if (m.report) options.onCheckpoint?.(m.report);
    if (m.error) options.onError?.(Object.assign(new Error(m.error), m.code ? { code: m.code } : {}));
  });
  worker.on('error', (err) => options.onError?.(err));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    kick() {
      worker.postMessage('kick');
    },
    async stop() {
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
