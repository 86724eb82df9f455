import { parseArgs } from 'node:util';
import { createTenant, deleteTenant, getTenant, listTenants, tenantFootprint } from '../store/queries/tenants.ts';
import { HELP_OPTION, printedHelp, UsageError } from './args.ts';
import { isoOrDash, table, withStore } from './store.ts';

const HELP = `Usage: pollhook tenants <subcommand> [--json]

  create <name>         create a tenant; prints its API key and signing secret once
                        (only a hash of the key and the encrypted secret are stored)
  list                  every tenant: id, name, created
  delete <id> --yes     delete a tenant and everything it owns: jobs, events, deliveries,
                        subscriptions, connections, signing secrets, API keys. Irreversible.

Works on POLLHOOK_DB_PATH directly (a running server may share the database).
  --json                print JSON (create, list, delete)`;

export async function tenantsCommand(args: string[]): Promise<number> {
  const parsed = parseArgs({
    args,
    options: { ...HELP_OPTION, json: { type: 'boolean' }, yes: { type: 'boolean' } },
    allowPositionals: true,
    strict: true,
  });
  if (printedHelp(parsed.values, HELP)) return 0;
  const [sub, arg, ...extra] = parsed.positionals;
  const json = parsed.values.json === true;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);

  switch (sub) {
    case 'create': {
      if (!arg || !arg.trim()) throw new UsageError('missing tenant name');
      if (arg.length > 200) throw new UsageError('tenant name is longer than 200 characters');
      const t = await withStore(({ db, secretBox }) => createTenant(db, secretBox(), arg.trim(), Date.now()));
      if (json) out(JSON.stringify({ id: t.id, name: t.name, apiKey: t.apiKey, signingSecret: t.signingSecret }));
      else out(`tenant ${t.id} (${t.name}) created. Shown once:\n  API key:         ${t.apiKey}\n  signing secret:  ${t.signingSecret}`);
      return 0;
    }
    case 'list': {
      if (arg) throw new UsageError(`unexpected arguments: ${arg}`);
      const rows = await withStore(({ db }) => listTenants(db, { limit: -1 }));
      if (json) out(JSON.stringify(rows.map((r) => ({ id: r.id, name: r.name, createdAt: isoOrDash(r.created_at) }))));
      else if (rows.length === 0) out('no tenants');
      else out(table([['ID', 'NAME', 'CREATED'], ...rows.map((r) => [r.id, r.name, isoOrDash(r.created_at)])]));
      return 0;
    }
    case 'delete': {
      if (!arg) throw new UsageError('missing tenant id');
      return withStore(({ db }) => {
        const tenant = getTenant(db, arg);
        if (!tenant) {
          process.stderr.write(`pollhook tenants: no tenant ${arg}\n`);
          return 1;
        }
        const f = tenantFootprint(db, arg);
        const what = `${tenant.id} (${tenant.name}): ${f.jobs} jobs, ${f.subscriptions} subscriptions, ${f.connections} connections, ${f.apiKeys} API keys`;
        if (!parsed.values.yes) throw new UsageError(`this deletes tenant ${what} and all their events and deliveries; add --yes to confirm`);
        deleteTenant(db, arg);
        if (json) out(JSON.stringify({ deleted: tenant.id, name: tenant.name, ...f }));
        else out(`deleted tenant ${what}`);
        return 0;
      });
    }
    default:
      throw new UsageError(sub ? `unknown subcommand "${sub}"` : 'missing subcommand (create, list, delete)');
  }
}
