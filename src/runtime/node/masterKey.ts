import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateMasterKey, parseMasterKey } from '../../security/secretBox.ts';
import type { Logger } from '../../core/logger.ts';

/**
 * POLLHOOK_MASTER_KEY, or a key generated next to the database on first start and reused after.
 * Losing that file makes stored credentials and secrets unreadable, hence the warning.
 */
export function loadMasterKey(configured: string | null, dbPath: string, logger: Logger): Buffer {
  if (configured) return parseMasterKey(configured);
  const dir = dbPath === ':memory:' ? 'data' : dirname(dbPath);
  const file = join(dir, 'master.key');
  if (existsSync(file)) return parseMasterKey(readFileSync(file, 'utf8'));
  mkdirSync(dir, { recursive: true });
  const key = generateMasterKey();
  writeFileSync(file, `${key}\n`, { mode: 0o600, flag: 'wx' });
  logger.warn(
    { file },
    'POLLHOOK_MASTER_KEY is not set: generated a master key into this file. Back it up, or set POLLHOOK_MASTER_KEY in production: without it stored credentials and signing secrets cannot be decrypted.',
  );
  return parseMasterKey(key);
}
