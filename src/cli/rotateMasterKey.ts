import { existsSync, renameSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config.ts';
import { openSqlite } from '../runtime/node/sqlite.ts';
import { migrate } from '../store/migrate.ts';
import { createSecretBox, generateMasterKey, parseMasterKey } from '../security/secretBox.ts';
import { readMasterKey, unlockSecrets, writeKeyFile } from '../runtime/node/masterKey.ts';
import { createLogger } from '../runtime/node/logger.ts';
import { reencryptSecrets } from '../store/queries/masterKeyCheck.ts';
import { HELP_OPTION, printedHelp, UsageError } from './args.ts';

const HELP = `Usage: pollhook rotate-master-key [--new-key <base64>]

Re-encrypts every stored secret (upstream credentials, connection credentials, http headers,
signing secrets) and the database's key check from the current master key to a new one, in
one transaction: if it is interrupted, nothing changed and the current key still works.
Stop pollhook first: a running service still holds the old key.

The current key is POLLHOOK_MASTER_KEY, or master.key beside the database.
The new key (base64 of 32 bytes) is --new-key, or POLLHOOK_NEW_MASTER_KEY (which keeps it out
of shell history and the process list). When the current
key came from master.key and no new key is given, one is generated; master.key then holds
the new key and master.key.old the previous one. When the current key came from
POLLHOOK_MASTER_KEY, set POLLHOOK_MASTER_KEY to the new key before the next start.`;

export async function rotateMasterKeyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { ...HELP_OPTION, 'new-key': { type: 'string' } }, strict: true });
  if (printedHelp(values, HELP)) return 0;
  if (positionals.length) throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);

  const config = parseConfig(process.env);
  const given = values['new-key'] ?? (process.env.POLLHOOK_NEW_MASTER_KEY || undefined);
  if (given != null) {
    try {
      parseMasterKey(given);
    } catch {
      throw new ConfigError('the new master key must be base64 of exactly 32 bytes', values['new-key'] != null ? '--new-key' : 'POLLHOOK_NEW_MASTER_KEY');
    }
  }
  if (config.dbPath === ':memory:' || !existsSync(config.dbPath)) throw new ConfigError(`there is no database at ${config.dbPath}`, 'POLLHOOK_DB_PATH');
  const current = readMasterKey(config);
  if (current.source.kind === 'generated') {
    throw new ConfigError(`there is no master key to rotate from: ${current.source.file} does not exist`, 'POLLHOOK_MASTER_KEY');
  }
  const file = current.source.kind === 'file' ? current.source.file : null;
  if (!file && given == null) {
    throw new UsageError('give the new key with --new-key or POLLHOOK_NEW_MASTER_KEY (generate one with `openssl rand -base64 32`)');
  }
  const newKey = parseMasterKey(given ?? generateMasterKey());

  const logger = createLogger({ level: config.logLevel, pretty: false, destination: process.stderr as never });
  const db = openSqlite(config.dbPath);
  let report;
  try {
    migrate(db, Date.now());
    const from = unlockSecrets(db, current, logger, Date.now());
    if (newKey.equals(current.key)) throw new UsageError('the new master key is the current one');
    // The new key is on disk before the commit that needs it: killed after the commit, the next
    // start finds master.key.new opening the database and finishes the rename.
    if (file) writeKeyFile(`${file}.new`, newKey.toString('base64'), 'w');
    report = reencryptSecrets(db, from, createSecretBox(newKey), Date.now());
    if (file) {
      renameSync(file, `${file}.old`);
      renameSync(`${file}.new`, file);
    }
  } finally {
    db.close();
  }
  const total = Object.values(report).reduce((a, b) => a + b, 0);
  const detail = Object.entries(report)
    .map(([column, n]) => `${column} ${n}`)
    .join(', ');
  process.stdout.write(`re-encrypted ${total} secrets under the new master key (${detail}).\n`);
  process.stdout.write(
    file
      ? `${file} now holds the new key; ${file}.old the previous one (backups taken before now need it).\n`
      : 'Set POLLHOOK_MASTER_KEY to the new key before the next start; the previous key no longer opens this database.\n',
  );
  return 0;
}
