import { serveCommand } from './serve.ts';
import { migrateCommand } from './migrate.ts';
import { tenantsCommand } from './tenants.ts';
import { keysCommand } from './keys.ts';
import { simulateCommand } from './simulate.ts';
import { demoCommand } from './demo.ts';
import { listenCommand } from './listen.ts';
import { VERSION } from '../version.ts';
import { UsageError } from './args.ts';
import { ConfigError } from '../config.ts';
import { rotateMasterKeyCommand } from './rotateMasterKey.ts';

/** Exit codes, documented in the README: 0 ok, 1 runtime failure, 2 usage error. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;


const HELP = `pollhook ${VERSION}: turns upstream job polling into signed webhooks.

Usage: pollhook <command> [options]

Commands:
  serve                      run the API and the polling and delivery engines (default)
  migrate                    apply database migrations and exit
  tenants create <name>      create a tenant; prints its API key and signing secret once [--json]
  tenants list | delete <id> list tenants; delete one with everything it owns (--yes)
  keys create|list|revoke|rotate
                             a tenant's API keys (\`pollhook keys --help\`) [--json]
  rotate-master-key          re-encrypt every stored secret under a new master key
                             [--new-key <base64>] (or POLLHOOK_NEW_MASTER_KEY)
  demo                       the whole flow on this machine in under a minute: simulated
                             upstreams, a job per provider, a verifying receiver
  simulate                   serve simulated upstreams for all five providers on loopback
                             [--port <n>] (default 4010) [--step-ms <n>]
  listen --forward-to <url>  forward your live events, signed, to a local URL (like
                             \`stripe listen\`); needs no public URL

Options:
  -h, --help                 this help; \`pollhook <command> --help\` for a command
  -v, --version              print the version

Configuration is read from the environment (PORT, POLLHOOK_DB_PATH, POLLHOOK_MASTER_KEY, ...):
see the README.`;

type Command = (args: string[]) => Promise<number>;
const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  migrate: migrateCommand,
  tenants: tenantsCommand,
  keys: keysCommand,
  simulate: simulateCommand,
  demo: demoCommand,
  'rotate-master-key': rotateMasterKeyCommand,
  listen: listenCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if (first === '-h' || first === '--help' || first === 'help') {
    process.stdout.write(`${HELP}\n`);
    return EXIT.ok;
  }
  if (first === '-v' || first === '--version') {
    process.stdout.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  const name = first ?? 'serve';
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`pollhook: unknown command "${name}"\n\n${HELP}\n`);
    return EXIT.usage;
  }
  try {
    return await command(first ? rest : []);
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`pollhook ${name}: ${(err as Error).message}\nRun \`pollhook ${name} --help\`.\n`);
      return EXIT.usage;
    }
    // Configuration the operator must fix: one line naming the variable, no stack.
    if (err instanceof ConfigError) process.stderr.write(`pollhook: ${err.message}\n`);
    else if (DATABASE_ERRORS[(err as { code?: string }).code ?? '']) process.stderr.write(`pollhook: ${describeError(err)}\n`);
    else process.stderr.write(`pollhook ${name}: ${describeError(err)}\n`);
    return EXIT.failure;
  }
}

/** Turns the errors a user can cause into one readable line. */
export function describeError(err: unknown): string {
  const e = err as { code?: string; message?: string; name?: string };
  const where = DATABASE_ERRORS[e?.code ?? ''];
  if (where) return `${where} (POLLHOOK_DB_PATH)`;
  if (e?.code === 'EADDRINUSE') return `${e.message}: the port is taken; set PORT to another one`;
  return e?.message ?? String(err);
}

/** What an error opening or writing the database means to the operator. */
const DATABASE_ERRORS: Record<string, string> = {
  SQLITE_BUSY: 'the database is locked by another process; stop it or use another database',
  SQLITE_CANTOPEN: 'cannot open the database file: check the path and its directory permissions',
  SQLITE_NOTADB: 'the database file is not a pollhook SQLite database or is corrupted',
  SQLITE_CORRUPT: 'the database file is not a pollhook SQLite database or is corrupted',
  SQLITE_READONLY: 'the database file is read-only',
};
