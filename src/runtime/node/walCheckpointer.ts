import { Worker } from 'node:worker_threads';
import { createRequire } from 'node:module';

/**
 * Copies the WAL back into the database file from a worker thread. A checkpoint run by the
 * connection the engines use blocks the one event loop they share for 80-200 ms at a time (the
 * benchmark's latency tail); in another thread, on its own connection, a PASSIVE checkpoint runs
 * beside the writer without blocking it. The main connection keeps a high autocheckpoint
 * threshold only as a fallback should this thread stop.
 */
export interface WalCheckpointer {
  stop(): Promise<void>;
}

const WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
let running = true;
const tick = () => {
  if (!running) return;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage({ error: String(err && err.message || err) }); }
  setTimeout(tick, workerData.intervalMs);
};
setTimeout(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  running = false;
  try { db.close(); } catch {}
  parentPort.close();
});
`;

export function startWalCheckpointer(
  path: string,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { path, driver, intervalMs: options.intervalMs ?? 500 } });
  worker.unref();
  worker.on('message', (m: { error?: string }) => m.error && options.onError?.(m.error));
  worker.on('error', (err) => options.onError?.(err.message));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
