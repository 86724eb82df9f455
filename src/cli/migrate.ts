import { parseConfig } from '../config.ts';
import { openSqlite } from '../runtime/node/sqlite.ts';
import { migrate } from '../store/migrate.ts';
import { parseArgs } from 'node:util';
import { HELP_OPTION, printedHelp } from './args.ts';

const HELP = `Usage: pollhook migrate

Applies pending database migrations to POLLHOOK_DB_PATH (data/pollhook.db) and exits.
\`pollhook serve\` also applies them on start.`;

export async function migrateCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: HELP_OPTION, strict: true });
  if (printedHelp(values, HELP)) return 0;
  const config = parseConfig(process.env);
  const db = openSqlite(config.dbPath);
  try {
    const report = migrate(db, Date.now());
    process.stdout.write(
      report.applied.length
        ? `applied migrations ${report.applied.join(', ')}; schema version ${report.current}\n`
        : `schema is up to date (version ${report.current})\n`,
    );
  } finally {
    db.close();
  }
  return 0;
}
