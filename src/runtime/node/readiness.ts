import type { Database } from '../../store/port.ts';
import { currentVersion, latestVersion } from '../../store/migrate.ts';
import { opensKeyCheck, readKeyCheck } from '../../store/queries/masterKeyCheck.ts';
import type { SecretBox } from '../../security/secretBox.ts';
import type { StorageHealth } from '../../store/storageHealth.ts';
import type { StorageWatch } from './storageWatch.ts';
import type { Loop } from './loop.ts';

/**
 * What `/readyz` reports in Node: ok when every check is true (503 otherwise, the checks as detail).
 * `masterKey`: the key this process holds still opens the database's key check. It stops doing so
 * when `pollhook rotate-master-key` ran while this process was up (the documented way is to stop
 * it first): from then on the secrets it seals would be unreadable, so it reports itself unready.
 */
export function readiness(db: Database, loops: Array<Loop | null>, secretBox: SecretBox, health: StorageHealth, storage: StorageWatch | null) {
  const checks: Record<string, unknown> = {};
  try {
    db.prepare('SELECT 1').get();
    checks.database = true;
    checks.migrations = currentVersion(db) === latestVersion();
    checks.masterKey = opensKeyCheck(secretBox, readKeyCheck(db) ?? '');
  } catch {
    checks.database = false;
    checks.migrations = false;
  }
  checks.engines = loops.every((l) => l?.running);
  // Not ready while writes fail for a storage reason: detail says which and why.
  const s = health.status();
  checks.storage = s.writable || { writable: false, kind: s.kind, reason: s.reason, since: s.since && new Date(s.since).toISOString(), failures: s.failures, lastError: s.lastError };
  const ok = Object.values(checks).every((v) => v === true);
  // Free space is detail (a warning when low), not a reason to be unready.
  const disk = storage?.disk();
  if (disk) checks.disk = { freeBytes: disk.freeBytes, lowDiskBytes: disk.lowDiskBytes, low: disk.low, databaseBytes: disk.databaseBytes, walBytes: disk.walBytes };
  return { ok, checks };
}
