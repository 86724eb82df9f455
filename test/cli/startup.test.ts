import { afterAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runCli, startServer, type CliResult } from '../helpers/cli.ts';
import { CONFIG_VARIABLES } from '../../src/config.ts';
import { openSqlite } from '../../src/runtime/node/sqlite.ts';
import { createSecretBox } from '../../src/security/secretBox.ts';
import { ENCRYPTED_COLUMNS, reencryptSecrets, verifyMasterKey } from '../../src/store/queries/masterKeyCheck.ts';
import { insertConnection } from '../../src/store/queries/connections.ts';
import { insertJob, insertTenant } from '../scheduler/harness.ts';
import { ROOT } from '../helpers/cli.ts';
import { migrate } from '../../src/store/migrate.ts';
import { readMasterKey, unlockSecrets } from '../../src/runtime/node/masterKey.ts';
import { createTenant } from '../../src/store/queries/tenants.ts';
import { nullLogger } from '../../src/core/logger.ts';

/**
 * Each bad start must end by itself: the child is killed after this long, failing the test. A
 * hang (the old behaviour with a bad key) is forever, so any bound proves it; alone each of these
 * starts exits in under a second, but a cold `node` + tsx start on a loaded 2-core machine
 * (the whole suite in parallel) has taken over 5 s, so the bound is generous.
 */
const NO_HANG_MS = 20_000;

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'pollhook-startup-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const newKey = () => randomBytes(32).toString('base64');

/** Exit 1, exactly one line on stderr in the `pollhook: <problem> (<variable>)` form, no stack. */
function expectOneLineFailure(r: CliResult, line: RegExp): void {
  expect(r.code, r.stderr).toBe(1);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^pollhook: .+ \([^()]+\)$/);
  expect(lines[0]).toMatch(line);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

const serve = (env: Record<string, string>) => runCli(['serve'], { PORT: '0', POLLHOOK_HOST: '127.0.0.1', ...env }, NO_HANG_MS);

describe('pollhook serve fails fast on bad configuration', { timeout: 60_000 }, () => {
  it('an invalid POLLHOOK_MASTER_KEY: one line, exit 1, before any database file exists', async () => {
    const dir = tempDir();
    const r = await serve({ POLLHOOK_DB_PATH: join(dir, 'p.db'), POLLHOOK_MASTER_KEY: 'abc' });
    expectOneLineFailure(r, /^pollhook: the master key must be base64 of exactly 32 bytes .*\(POLLHOOK_MASTER_KEY\)$/);
    expect(existsSync(join(dir, 'p.db'))).toBe(false);
  });

  it.each([
    [{ PORT: 'eighty' }, /"eighty" is not a non-negative integer \(PORT\)/],
    [{ POLLHOOK_RETRY_SCHEDULE: '5s,soon' }, /"soon" .*\(POLLHOOK_RETRY_SCHEDULE\)/],
    [{ POLLHOOK_RETRY_SCHEDULE: '0s' }, /^pollhook: the delay "0s" is below the minimum of 50ms between delivery attempts \(POLLHOOK_RETRY_SCHEDULE\)$/],
    [{ POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'yes-please' }, /yes-please is not a CIDR \(POLLHOOK_ALLOW_PRIVATE_NETWORKS\)/],
    [{ POLLHOOK_ALLOW_HTTP: 'maybe' }, /"maybe" is not true or false \(POLLHOOK_ALLOW_HTTP\)/],
    [{ POLLHOOK_RETENTION_DAYS: 'forever' }, /\(POLLHOOK_RETENTION_DAYS\)/],
    [{ POLLHOOK_PROVIDER_TOPAZ_BASE_URL: 'ftp://x' }, /\(POLLHOOK_PROVIDER_TOPAZ_BASE_URL\)/],
  // A sample through the real CLI; test/unit/config.test.ts checks every variable in-process.
  ])('%j: one line naming the variable, exit 1', async (env, line) => {
    const dir = tempDir();
    const r = await serve({ POLLHOOK_DB_PATH: join(dir, 'p.db'), POLLHOOK_MASTER_KEY: newKey(), ...env });
    expectOneLineFailure(r, line);
    expect(existsSync(join(dir, 'p.db'))).toBe(false);
  });

  it('a port in use: `pollhook: port N is in use (set PORT)`, exit 1, no stack, nothing written', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const dir = tempDir();
      // No POLLHOOK_MASTER_KEY: a start that got further would generate master.key.
      const r = await serve({ POLLHOOK_DB_PATH: join(dir, 'p.db'), POLLHOOK_MASTER_KEY: '', PORT: String(port) });
      expectOneLineFailure(r, new RegExp(`^pollhook: port ${port} is in use \\(set PORT\\)$`));
      // The start failed before creating the default tenant: its credentials were not shown and lost.
      expect(r.stdout).not.toMatch(/API key/);
      // Checked before anything was written: a fresh directory stays empty.
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await new Promise((r) => blocker.close(() => r(null)));
    }
  });

  it('a well-formed but wrong master key for an existing database: refused, exit 1', async () => {
    const dir = tempDir();
    const db = join(dir, 'p.db');
    const created = await runCli(['tenants', 'create', 'acme', '--json'], { POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: newKey() }, NO_HANG_MS * 2);
    expect(created.code).toBe(0);
    const r = await serve({ POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: newKey() });
    expectOneLineFailure(r, /^pollhook: the master key does not match this database: it cannot decrypt the stored key check \(POLLHOOK_MASTER_KEY\)$/);
    const tenant = await runCli(['tenants', 'create', 'globex'], { POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: newKey() }, NO_HANG_MS);
    expectOneLineFailure(tenant, /does not match this database/);
  });

  it('a lost master.key: refused instead of generating a key the secrets do not open', async () => {
    const dir = tempDir();
    const db = join(dir, 'p.db');
    const env = { POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: '' };
    expect((await runCli(['tenants', 'create', 'acme'], env, NO_HANG_MS * 2)).code).toBe(0);
    unlinkSync(join(dir, 'master.key'));
    const r = await serve(env);
    expectOneLineFailure(r, /holds encrypted secrets but its master key file .*master\.key is missing/);
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });
});

describe('pollhook serve fails fast on a bad master.key', () => {
  it('a master.key that is not a key: one line, exit 1, no database opened', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'master.key'), 'not a key\n');
    const r = await serve({ POLLHOOK_DB_PATH: join(dir, 'p.db'), POLLHOOK_MASTER_KEY: '' });
    expectOneLineFailure(r, /master\.key does not hold base64 of exactly 32 bytes \(POLLHOOK_MASTER_KEY\)$/);
    expect(existsSync(join(dir, 'p.db'))).toBe(false);
  });

  // Node's recursive mkdir never returns for a directory under /proc: the process used to spin
  // at 100% CPU, deaf to SIGTERM.
  it('a POLLHOOK_DB_PATH whose directory cannot be created: one line, exit 1', async () => {
    const r = await serve({ POLLHOOK_DB_PATH: '/proc/pollhook-nope/p.db', POLLHOOK_MASTER_KEY: newKey() });
    expectOneLineFailure(r, /^pollhook: cannot create the database's directory \/proc\/pollhook-nope: .*\(POLLHOOK_DB_PATH\)$/);
  });

  it('a POLLHOOK_DB_PATH under a file: one line, exit 1', async () => {
    const file = join(tempDir(), 'a-file');
    writeFileSync(file, 'x');
    const r = await serve({ POLLHOOK_DB_PATH: join(file, 'p.db'), POLLHOOK_MASTER_KEY: newKey() });
    expectOneLineFailure(r, /^pollhook: cannot open the database .*a-file\/p\.db: .*\(POLLHOOK_DB_PATH\)$/);
  });
});

describe('pollhook serve starts', { timeout: 60_000 }, () => {
  it('logs the address it listens on, with the real port for PORT=0, and warns about POLLHOOK_ALLOW_PRIVATE_NETWORKS=true', async () => {
    const dir = tempDir();
    const server = await startServer({
      POLLHOOK_DB_PATH: join(dir, 'p.db'),
      PORT: '0',
      POLLHOOK_HOST: '0.0.0.0',
      POLLHOOK_MASTER_KEY: newKey(),
      POLLHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    });
    try {
      const port = new URL(server.url).port;
      expect(Number(port)).toBeGreaterThan(0);
      expect(server.output()).toContain(`listening on http://0.0.0.0:${port}`);
      expect(server.output()).toMatch(/POLLHOOK_ALLOW_PRIVATE_NETWORKS=true .*169\.254\.169\.254/);
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('`serve --help` and the README list every variable serve reads', async () => {
    const help = await runCli(['serve', '--help'], {}, NO_HANG_MS * 2);
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const v of CONFIG_VARIABLES) {
      expect(help.stdout).toContain(v.name);
      expect(readme).toContain(`| \`${v.name}\``);
    }
  });
});

// Several CLI runs per test: cold starts add up on a loaded machine.
describe('pollhook rotate-master-key', { timeout: 120_000 }, () => {
  /**
   * A database with every kind of secret, made in-process by the code the CLI runs (master key
   * from `env` or master.key, generated there if missing), to keep the child processes few.
   */
  function populated(dir: string, env: { POLLHOOK_MASTER_KEY: string }) {
    const db = join(dir, 'p.db');
    const handle = openSqlite(db);
    migrate(handle, 1);
    const box = unlockSecrets(handle, readMasterKey({ masterKey: env.POLLHOOK_MASTER_KEY || null, dbPath: db }), nullLogger, 1);
    const tenant = createTenant(handle, box, 'acme', 1);
    const tenantId = insertTenant(handle, 1);
    insertConnection(handle, { tenantId, provider: 'topaz', name: null, credentialsEnc: box.sealJson({ apiKey: 'tz_1' }) }, 1);
    insertJob(handle, box, tenantId, { provider: 'fotolabs', externalId: 'a', apiKey: 'fl_1' }, 1);
    insertJob(handle, box, tenantId, { provider: 'http', externalId: 'b', httpSpec: { url: 'https://h.example/{externalId}', statusPath: '/s', states: {} }, httpHeaders: { 'x-key': 'v' } }, 1);
    const plain = sealed(handle).map((v) => box.open(v));
    handle.close();
    return { db, plain, apiKey: tenant.apiKey };
  }

  const sealed = (handle: ReturnType<typeof openSqlite>) =>
    ENCRYPTED_COLUMNS.flatMap(({ table, column }) =>
      handle.prepare<{ v: string }>(`SELECT ${column} AS v FROM ${table} WHERE ${column} IS NOT NULL ORDER BY id`).all().map((r) => r.v),
    );

  function expectUnder(db: string, key: string, other: string, plain: string[]): void {
    const handle = openSqlite(db);
    try {
      const box = createSecretBox(Buffer.from(key, 'base64'));
      const old = createSecretBox(Buffer.from(other, 'base64'));
      const values = sealed(handle);
      expect(values.map((v) => box.open(v))).toEqual(plain);
      for (const v of values) expect(() => old.open(v)).toThrow(/cannot decrypt/);
      expect(verifyMasterKey(handle, box, 2).status).toBe('match');
    } finally {
      handle.close();
    }
  }

  it('POLLHOOK_MASTER_KEY to POLLHOOK_NEW_MASTER_KEY: every secret moves, serve starts with the new key only', async () => {
    const [oldKey, next] = [newKey(), newKey()];
    const { db, plain, apiKey } = populated(tempDir(), { POLLHOOK_MASTER_KEY: oldKey });
    const missing = await runCli(['rotate-master-key'], { POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: oldKey }, NO_HANG_MS * 2);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--new-key or POLLHOOK_NEW_MASTER_KEY/);

    const r = await runCli(['rotate-master-key'], { POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: oldKey, POLLHOOK_NEW_MASTER_KEY: next }, NO_HANG_MS * 2);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/re-encrypted 4 secrets/);
    expectUnder(db, next, oldKey, plain);

    expectOneLineFailure(await serve({ POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: oldKey }), /does not match this database/);
    const server = await startServer({ POLLHOOK_DB_PATH: db, PORT: '0', POLLHOOK_HOST: '127.0.0.1', POLLHOOK_MASTER_KEY: next });
    try {
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
      const secrets = await fetch(`${server.url}/v1/signing-secrets`, { headers: { authorization: `Bearer ${apiKey}` } });
      expect(secrets.status).toBe(200);
    } finally {
      server.child.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('master.key: a generated key replaces it, master.key.old keeps the previous one; a wrong --new-key is refused', async () => {
    const dir = tempDir();
    const env = { POLLHOOK_MASTER_KEY: '' };
    const { db, plain } = populated(dir, env);
    const oldKey = readFileSync(join(dir, 'master.key'), 'utf8').trim();

    const bad = await runCli(['rotate-master-key', '--new-key', 'short'], { POLLHOOK_DB_PATH: db, ...env }, NO_HANG_MS * 2);
    expectOneLineFailure(bad, /\(--new-key\)$/);

    const r = await runCli(['rotate-master-key'], { POLLHOOK_DB_PATH: db, ...env }, NO_HANG_MS * 2);
    expect(r.code, r.stderr).toBe(0);
    const next = readFileSync(join(dir, 'master.key'), 'utf8').trim();
    expect(next).not.toBe(oldKey);
    expect(readFileSync(join(dir, 'master.key.old'), 'utf8').trim()).toBe(oldKey);
    expect(existsSync(join(dir, 'master.key.new'))).toBe(false);
    expectUnder(db, next, oldKey, plain);
    const server = await startServer({ POLLHOOK_DB_PATH: db, PORT: '0', POLLHOOK_HOST: '127.0.0.1', ...env });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });

  it('a rotation killed after its commit but before renaming master.key.new is finished by the next start', async () => {
    const dir = tempDir();
    const db = join(dir, 'p.db');
    const env = { POLLHOOK_DB_PATH: db, POLLHOOK_MASTER_KEY: '' };
    expect((await runCli(['tenants', 'create', 'acme'], env, NO_HANG_MS * 2)).code).toBe(0);
    const oldKey = readFileSync(join(dir, 'master.key'), 'utf8').trim();
    const next = newKey();
    // What rotate-master-key does up to the rename: the new key on disk, the commit.
    writeFileSync(join(dir, 'master.key.new'), `${next}\n`);
    const handle = openSqlite(db);
    reencryptSecrets(handle, createSecretBox(Buffer.from(oldKey, 'base64')), createSecretBox(Buffer.from(next, 'base64')), 2);
    handle.close();

    const server = await startServer({ ...env, PORT: '0', POLLHOOK_HOST: '127.0.0.1' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.output()).toMatch(/finished an interrupted master key rotation/);
    expect(readFileSync(join(dir, 'master.key'), 'utf8').trim()).toBe(next);
    expect(readFileSync(join(dir, 'master.key.old'), 'utf8').trim()).toBe(oldKey);
  });
});
