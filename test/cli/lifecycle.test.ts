import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, startServer } from '../helpers/cli.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { authenticateApiKey } from '../../src/store/queries/authenticate.ts';

const dir = mkdtempSync(join(tmpdir(), 'pollhook-cli-lifecycle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = { POLLHOOK_DB_PATH: join(dir, 'p.db'), POLLHOOK_MASTER_KEY: Buffer.alloc(32, 7).toString('base64') };
const cli = (...args: string[]) => runCli(args, env);
const json = async (...args: string[]) => {
  const r = await cli(...args, '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
};
/** Whether an API key authenticates, read from the database as the server would. */
const works = (apiKey: string) => {
  const db = openSqlite(env.POLLHOOK_DB_PATH);
  try {
    return authenticateApiKey(db, apiKey, Date.now()) !== null;
  } finally {
    db.close();
  }
};

describe('pollhook tenants and keys', () => {
  it('tenants create, list, delete (with --yes only); keys create, list, rotate, revoke', async () => {
    const acme = await json('tenants', 'create', 'acme');
    const globex = await json('tenants', 'create', 'globex');
    const listed = await json('tenants', 'list');
    expect(listed.map((t: { name: string }) => t.name).sort()).toEqual(['acme', 'globex']);
    const text = await cli('tenants', 'list');
    expect(text.stdout).toMatch(/^ID\s+NAME\s+CREATED/);
    expect(text.stdout).toContain(acme.id);

    const ci = await json('keys', 'create', acme.id, '--name', 'ci');
    expect(ci).toMatchObject({ tenantId: acme.id, name: 'ci', lastUsedAt: null });
    expect(ci.key).toMatch(/^ph_/);
    expect(works(ci.key)).toBe(true);
    const keys = await json('keys', 'list', acme.id);
    expect(keys.map((k: { name: string }) => k.name).sort()).toEqual(['ci', 'default']);
    const table = await cli('keys', 'list', acme.id);
    expect(table.stdout).toMatch(/^ID\s+NAME\s+PREFIX\s+CREATED\s+LAST USED\s+EXPIRES/);
    expect(table.stdout + JSON.stringify(keys)).not.toContain(ci.key);
    expect(table.stdout).not.toContain(acme.apiKey);

    const rotated = await json('keys', 'rotate', ci.id, '--grace', '600');
    expect(rotated.name).toBe('ci');
    expect(works(ci.key)).toBe(true);
    expect(works(rotated.key)).toBe(true);
    const revoked = await cli('keys', 'revoke', rotated.id);
    expect(revoked.code).toBe(0);
    expect(works(rotated.key)).toBe(false);

    const defaultKey = keys.find((k: { name: string }) => k.name === 'default');
    await cli('keys', 'revoke', ci.id);
    const last = await cli('keys', 'revoke', defaultKey.id);
    expect(last.code).toBe(1);
    expect(last.stderr).toMatch(/last active key/);
    expect(works(acme.apiKey)).toBe(true);

    const unconfirmed = await cli('tenants', 'delete', acme.id);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    expect(works(acme.apiKey)).toBe(true);
    const deleted = await cli('tenants', 'delete', acme.id, '--yes');
    expect(deleted.code).toBe(0);
    expect(deleted.stdout).toContain(`deleted tenant ${acme.id}`);
    expect(works(acme.apiKey)).toBe(false);
    expect(works(globex.apiKey)).toBe(true);
    expect((await json('tenants', 'list')).map((t: { id: string }) => t.id)).toEqual([globex.id]);
    expect((await cli('tenants', 'delete', acme.id, '--yes')).code).toBe(1);
  }, 120_000);

  it('usage errors exit 2; help is there', async () => {
    const help = await cli('keys', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: pollhook keys/);
    const noName = await cli('keys', 'create', 'tnt_x');
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/missing --name/);
    const badGrace = await cli('keys', 'rotate', 'key_x', '--grace', 'soon');
    expect(badGrace.code).toBe(2);
    const unknown = await cli('tenants', 'rename');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown subcommand "rename"/);
  }, 60_000);

  it('a key revoked by the CLI is refused by a running server on its next request', async () => {
    const serverEnv = { ...env, POLLHOOK_DB_PATH: join(dir, 'served.db'), PORT: '0' };
    const server = await startServer(serverEnv);
    try {
      const tenantId = (JSON.parse((await runCli(['tenants', 'list', '--json'], serverEnv)).stdout) as Array<{ id: string }>)[0]!.id;
      const created = JSON.parse((await runCli(['keys', 'create', tenantId, '--name', 'live', '--json'], serverEnv)).stdout);
      const call = () => fetch(`${server.url}/v1/jobs`, { headers: { authorization: `Bearer ${created.key}` } });
      expect((await call()).status).toBe(200);
      expect((await runCli(['keys', 'revoke', created.id], serverEnv)).code).toBe(0);
      expect((await call()).status).toBe(401);
      expect(server.output()).not.toContain(created.key);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }, 60_000);
});
