import { existsSync, readFileSync, writeFileSync, renameSync, unlinkSync, openSync, fsyncSync, closeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createSecretBox, generateMasterKey, parseMasterKey, type SecretBox } from '../../security/secretBox.ts';
import { ConfigError, type Config } from '../../config.ts';
import { verifyMasterKey } from '../../store/queries/masterKeyCheck.ts';
import type { Database } from '../../store/port.ts';
import type { Logger } from '../../core/logger.ts';
import { makeDirectory } from './makeDirectory.ts';

/** Where the master key came from: the environment, master.key, or generated into master.key now. */
export type MasterKeySource = { kind: 'env' } | { kind: 'file'; file: string } | { kind: 'generated'; file: string };

export interface LoadedMasterKey {
  key: Buffer;
  source: MasterKeySource;
}

export const masterKeyFile = (dbPath: string): string => join(dbPath === ':memory:' ? 'data' : dirname(dbPath), 'master.key');

/**
 * POLLHOOK_MASTER_KEY, or master.key beside the database. Reads and validates only: nothing is
 * written, so it can run before anything else starts. A missing file yields a new key to be
 * written by unlockSecrets once the database is known to have no secrets under another key.
 */
export function readMasterKey(config: Pick<Config, 'masterKey' | 'dbPath'>): LoadedMasterKey {
  if (config.masterKey) return { key: parseMasterKey(config.masterKey), source: { kind: 'env' } };
  const file = masterKeyFile(config.dbPath);
  if (!existsSync(file)) return { key: parseMasterKey(generateMasterKey()), source: { kind: 'generated', file } };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`, 'POLLHOOK_MASTER_KEY');
  }
  try {
    return { key: parseMasterKey(text), source: { kind: 'file', file } };
  } catch {
    throw new ConfigError(`${file} does not hold base64 of exactly 32 bytes`, 'POLLHOOK_MASTER_KEY');
  }
}

/** Writes a key file durably (mode 0600): a key lost after the database uses it loses every secret. */
export function writeKeyFile(file: string, base64: string, flag: 'wx' | 'w'): void {
  makeDirectory(dirname(file));
  writeFileSync(file, `${base64}\n`, { mode: 0o600, flag });
  const fd = openSync(file, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The key a rotation wrote to master.key.new, if that file holds a well-formed key. */
function pendingRotationKey(file: string): SecretBox | null {
  try {
    return createSecretBox(parseMasterKey(readFileSync(`${file}.new`, 'utf8')));
  } catch {
    return null;
  }
}

/**
 * The SecretBox for this database, refusing a key that is not the database's. A generated key
 * is written to master.key first and removed again if the database already holds secrets under
 * another key (master.key was lost or moved). A master.key.new that opens the database is what
 * a rotation killed between its commit and its file rename leaves: the rename is finished here.
 */
export function unlockSecrets(db: Database, loaded: LoadedMasterKey, logger: Logger, now: number): SecretBox {
  const { source } = loaded;
  let box = createSecretBox(loaded.key);
  if (source.kind === 'generated') writeKeyFile(source.file, loaded.key.toString('base64'), 'wx');
  let check = verifyMasterKey(db, box, now);
  const pendingBox = check.status === 'mismatch' && source.kind === 'file' ? pendingRotationKey(source.file) : null;
  if (pendingBox && source.kind === 'file') {
    if (verifyMasterKey(db, pendingBox, now).status === 'match') {
      renameSync(source.file, `${source.file}.old`);
      renameSync(`${source.file}.new`, source.file);
      logger.warn({ file: source.file }, 'finished an interrupted master key rotation: master.key now holds the new key, master.key.old the previous one');
      box = pendingBox;
      check = { status: 'match' };
    }
  }
  if (check.status === 'mismatch') {
    if (source.kind === 'generated') {
      unlinkSync(source.file);
      throw new ConfigError(
        `the database holds encrypted secrets but its master key file ${source.file} is missing: restore it or set the key`,
        'POLLHOOK_MASTER_KEY',
      );
    }
    const where = source.kind === 'env' ? 'POLLHOOK_MASTER_KEY' : `POLLHOOK_MASTER_KEY or ${source.file}`;
    throw new ConfigError(`the master key does not match this database: it cannot decrypt ${check.what}`, where);
  }
  if (source.kind === 'generated') {
    logger.warn(
      { file: source.file },
      'POLLHOOK_MASTER_KEY is not set: generated a master key into this file. Back it up, or set POLLHOOK_MASTER_KEY in production: without it stored credentials and signing secrets cannot be decrypted.',
    );
  }
  if (check.status === 'created' && check.sampled > 0) {
    logger.info({ sampled: check.sampled }, 'stored a master key check: the key opens the existing secrets');
  }
  return box;
}
