import { parseArgs } from 'node:util';
import {
  MAX_ROTATION_GRACE_SECONDS,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
  tenantOfApiKey,
  type ApiKeyRow,
} from '../store/queries/apiKeys.ts';
import { getTenant } from '../store/queries/tenants.ts';
import { HELP_OPTION, printedHelp, UsageError } from './args.ts';
import { isoOrDash, table, withStore } from './store.ts';

const HELP = `Usage: pollhook keys <subcommand> [options]

  create <tenantId> --name <name>    a new API key for the tenant, printed once
  list <tenantId>                    the tenant's active keys: id, name, prefix, created,
                                     last used, expiry (never the keys: only hashes are stored)
  revoke <keyId> [--force]           revoke a key at once (its next request gets 401);
                                     --force allows revoking the tenant's last active key
  rotate <keyId> [--grace <seconds>] a new key with the same name, printed once; the old key is
                                     revoked at once, or keeps working --grace seconds (max 7 days)

Works on POLLHOOK_DB_PATH directly (a running server may share the database).
  --json                             print JSON`;

export async function keysCommand(args: string[]): Promise<number> {
  const parsed = parseArgs({
    args,
    options: {
      ...HELP_OPTION,
      json: { type: 'boolean' },
      name: { type: 'string' },
      force: { type: 'boolean' },
      grace: { type: 'string' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (printedHelp(parsed.values, HELP)) return 0;
  const [sub, id, ...extra] = parsed.positionals;
  const { json, name, force, grace } = parsed.values;
  const out = (text: string) => process.stdout.write(`${text}\n`);
  const fail = (message: string) => {
    process.stderr.write(`pollhook keys: ${message}\n`);
    return 1;
  };
  if (extra.length) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
  if (!sub) throw new UsageError('missing subcommand (create, list, revoke, rotate)');
  if (!['create', 'list', 'revoke', 'rotate'].includes(sub)) throw new UsageError(`unknown subcommand "${sub}"`);
  if (!id) throw new UsageError(sub === 'create' || sub === 'list' ? 'missing tenant id' : 'missing key id');

  if (sub === 'create') {
    if (!name || !name.trim()) throw new UsageError('missing --name');
    if (name.length > 200) throw new UsageError('--name is longer than 200 characters');
    return withStore(({ db }) => {
      if (!getTenant(db, id)) return fail(`no tenant ${id}`);
      const key = createApiKey(db, id, name.trim(), Date.now());
      if (json) out(JSON.stringify({ ...view(key), key: key.key }));
      else out(`API key ${key.id} (${key.name}) created for ${id}. Shown once:\n  API key:  ${key.key}`);
      return 0;
    });
  }
  if (sub === 'list') {
    return withStore(({ db }) => {
      if (!getTenant(db, id)) return fail(`no tenant ${id}`);
      const rows = listApiKeys(db, id, Date.now(), { limit: -1 });
      if (json) out(JSON.stringify(rows.map(view)));
      else {
        const header = ['ID', 'NAME', 'PREFIX', 'CREATED', 'LAST USED', 'EXPIRES'];
        const lines = rows.map((r) => [r.id, r.name ?? '', `${r.prefix}...`, isoOrDash(r.created_at), isoOrDash(r.last_used_at), isoOrDash(r.expires_at)]);
        out(table([header, ...lines]));
      }
      return 0;
    });
  }
  if (sub === 'revoke') {
    return withStore(({ db }) => {
      const tenantId = tenantOfApiKey(db, id);
      const result = tenantId ? revokeApiKey(db, tenantId, id, Date.now(), force === true) : 'not_found';
      if (result === 'not_found') return fail(`no active API key ${id}`);
      if (result === 'last_key') return fail(`${id} is the last active key of ${tenantId}; create another first, or add --force`);
      if (json) out(JSON.stringify({ revoked: id, tenantId }));
      else out(`revoked API key ${id} of ${tenantId}`);
      return 0;
    });
  }
  const graceSeconds = grace === undefined ? 0 : Number(grace);
  if (!Number.isInteger(graceSeconds) || graceSeconds < 0 || graceSeconds > MAX_ROTATION_GRACE_SECONDS) {
    throw new UsageError(`--grace must be a whole number of seconds from 0 to ${MAX_ROTATION_GRACE_SECONDS}`);
  }
  return withStore(({ db }) => {
    const tenantId = tenantOfApiKey(db, id);
    const now = Date.now();
    const rotated = tenantId ? rotateApiKey(db, tenantId, id, now, graceSeconds * 1000) : undefined;
    if (!rotated) return fail(`no active API key ${id}`);
    const until = isoOrDash(rotated.previousExpiresAt);
    if (json) out(JSON.stringify({ ...view(rotated.created), key: rotated.created.key, previousExpiresAt: until }));
    else {
      const old = graceSeconds > 0 ? `${id} keeps working until ${until}` : `${id} is revoked`;
      out(`API key ${rotated.created.id} (${rotated.created.name}) replaces ${id}; ${old}. Shown once:\n  API key:  ${rotated.created.key}`);
    }
    return 0;
  });
}

const view = (r: ApiKeyRow) => ({
  id: r.id,
  tenantId: r.tenant_id,
  name: r.name,
  prefix: r.prefix,
  createdAt: isoOrDash(r.created_at),
  lastUsedAt: r.last_used_at == null ? null : isoOrDash(r.last_used_at),
  expiresAt: r.expires_at == null ? null : isoOrDash(r.expires_at),
});
