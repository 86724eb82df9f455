/**
 * Opens sealed credentials through a small time-limited cache. A job is polled many times with
 * the same sealed credentials (and jobs registered under one connection share them), so without
 * it every poll paid an AES-GCM open. Plaintext stays in memory at most `ttlMs`, in the same
 * process that holds the master key anyway. Sealing is passed through untouched.
 */
import type { SecretBox } from '../security/secretBox.ts';
import { LruCache } from './lruCache.ts';

export function cachingSecretBox(box: SecretBox, now: () => number, maxEntries = 10_000, ttlMs = 60_000): SecretBox {
  const opened = new LruCache<unknown>(maxEntries, ttlMs);
  return {
    seal: (plaintext) => box.seal(plaintext),
    sealJson: (value) => box.sealJson(value),
    open: (sealed) => box.open(sealed),
    openJson: <T>(sealed: string): T => opened.getOrLoad(sealed, now(), () => box.openJson<T>(sealed)) as T,
  };
}
