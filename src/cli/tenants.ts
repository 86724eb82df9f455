import { parseConfig } from '../config.ts';
import { openSqlite } from '../runtime/node/sqlite.ts';
import { migrate } from '../store/migrate.ts';
import { readMasterKey, unlockSecrets } from '../runtime/node/masterKey.ts';
import { createLogger } from '../runtime/node/logger.ts';
import { createTenant } from '../store/queries/tenants.ts';
import { parseArgs } from 'node:util';
import { HELP_OPTION, printedHelp, UsageError } from './args.ts';

const HELP = `Usage: pollhook tenants create <name> [--json]

Creates a tenant in POLLHOOK_DB_PATH and prints its API key and signing secret.
They are shown once: only a hash of the key and the encrypted secret are stored.`;

export async function tenantsCommand(args: string[]): Promise<number> {
  const parsed = parseArgs({ args, options: { ...HELP_OPTION, json: { type: 'boolean' } }, allowPositionals: true, strict: true });
  if (printedHelp(parsed.values, HELP)) return 0;
  const [sub, name, ...extra] = parsed.positionals;
  if (sub !== 'create') throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand (create)');
  if (!name || !name.trim()) throw new UsageError('missing tenant name');
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (name.length > 200) throw new UsageError('tenant name is longer than 200 characters');

  const config = parseConfig(process.env);
  const masterKey = readMasterKey(config);
  const logger = createLogger({ level: config.logLevel, pretty: false, destination: process.stderr as never });
  const db = openSqlite(config.dbPath);
  try {
    migrate(db, Date.now());
    const box = unlockSecrets(db, masterKey, logger, Date.now());
    const t = createTenant(db, box, name.trim(), Date.now());
    if (parsed.values.json) {
      process.stdout.write(`${JSON.stringify({ id: t.id, name: t.name, apiKey: t.apiKey, signingSecret: t.signingSecret })}\n`);
    } else {
      process.stdout.write(
        `tenant ${t.id} (${t.name}) created. Shown once:\n  API key:         ${t.apiKey}\n  signing secret:  ${t.signingSecret}\n`,
      );
    }
  } finally {
    db.close();
  }
  return 0;
}
